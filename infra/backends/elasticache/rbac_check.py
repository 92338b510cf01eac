"""Control-plane check of the RBAC users (ElastiCache): what each principal may run, read from the AWS API.

ElastiCache does not let the deployer ask the server (no ACL DRYRUN relied on there, and the data plane is usually
private), so the users' access strings are read with DescribeUserGroups and DescribeUsers and judged with the same
left-to-right evaluator as the policy pack (`policy.access_string`): the app's `default` user must be denied every
disabled command the service does not block itself, the admin user allowed them. Access strings are compared by
meaning, not text (AWS may report them normalised). Passwords are never read: DescribeUsers returns only a count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from infra.results import FAIL, PASS, SKIP
from policy import access_string

Outcome = tuple[str, str]


@dataclass(frozen=True)
class ObservedUsers:
    user_group: Mapping[str, Any] | None = None
    users: dict[str, Mapping[str, Any]] = field(default_factory=dict)  # by user id
    error: str = ""


def observe(api: Any, expected: Mapping[str, Any], error_text: Any) -> ObservedUsers:
    """DescribeUserGroups for the expected group and DescribeUsers for each expected user (any failure recorded)."""
    group_id = expected.get("user_group_id")
    if not group_id:
        return ObservedUsers()
    try:
        groups = api.describe_user_groups(UserGroupId=group_id)["UserGroups"]
        users = {}
        for user_id in (expected.get("users") or {}):
            found = api.describe_users(UserId=user_id)["Users"]
            if found:
                users[user_id] = found[0]
        return ObservedUsers(groups[0] if groups else None, users)
    except Exception as error:  # noqa: BLE001 — reported by the check
        return ObservedUsers(error=error_text(error))


def _on(access: str) -> bool:
    """`on`/`off` apply left to right too; a user is off unless enabled (AWS: "If neither ... the user is off")."""
    states = [rule for rule in access.lower().split() if rule in ("on", "off")]
    return bool(states) and states[-1] == "on"


def check_users(exp: Mapping[str, Any], group: Mapping[str, Any], obs: ObservedUsers) -> Outcome:
    """`exp["denied_commands"]`: what the default user must be denied (the disabled commands ElastiCache does not
    block itself, plus FLUSHALL, FLUSHDB, SWAPDB), as the stack rendered them."""
    group_id, wanted = exp.get("user_group_id"), exp.get("users") or {}
    if not group_id:
        return SKIP, "the control_plane output names no user group (an AUTH-token group)"
    if obs.error:
        return FAIL, f"cannot read user group {group_id} or its users ({obs.error})"
    problems = []
    if group_id not in (group.get("UserGroupIds") or []):
        problems.append(f"the replication group is not attached to user group {group_id} "
                        f"(UserGroupIds {group.get('UserGroupIds') or []})")
    if obs.user_group is None:
        problems.append(f"user group {group_id} does not exist")
    else:
        missing = sorted(set(wanted) - set(obs.user_group.get("UserIds") or []))
        if missing:
            problems.append(f"user group {group_id} lacks {', '.join(missing)}")
    probed = [str(c).upper() for c in exp.get("denied_commands") or ()]
    for user_id, want in wanted.items():
        user = obs.users.get(user_id)
        if user is None:
            problems.append(f"user {user_id} does not exist")
            continue
        name, access = user.get("UserName"), str(user.get("AccessString") or "")
        if name != want.get("user_name"):
            problems.append(f"user {user_id} is named {name!r}, not {want.get('user_name')!r}")
        if not _on(access):
            problems.append(f"user {user_id} is off ({access!r})")
        if name == "default":
            allowed = access_string.undenied(access, probed)
            if allowed:
                problems.append(f"the app's default user may run {', '.join(allowed)} ({access!r})")
        elif [c for c in probed if access_string.denies(access, c)]:
            problems.append(f"the admin user {name} may not run {', '.join(probed)} ({access!r})")
    if problems:
        return FAIL, "; ".join(problems)
    denied = ", ".join(probed) or "nothing beyond what ElastiCache blocks"
    return PASS, (f"user group {group_id} attached: default denied {denied}; "
                  f"{', '.join(w['user_name'] for w in wanted.values() if w.get('user_name') != 'default')} "
                  "allowed (access strings via DescribeUsers)")
