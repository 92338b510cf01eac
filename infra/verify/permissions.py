"""Who is connected and what each principal may run — checked without running it.

`principals`: `ACL WHOAMI` on the app's connection must say `default` (the app authenticates with its password
alone), and the admin credential of the outputs must authenticate as the admin user. `dangerous_commands`: for each
disabled command, `ACL DRYRUN` (Redis 7+, run as the admin: it is an @admin command) must deny the app and allow the
admin. A command the server does not have at all (COMMAND INFO is nil) is the old configuration, `rename-command`,
reported as such: nobody can run it, not even the admin. A service that manages its users through its own API (the
settings output's `managed["acl"]`, e.g. ElastiCache, whose access strings the control-plane check reads) is skipped
with that reason; commands the service blocks for everyone (`restricted_commands`) count as denied without a probe.
"""

from __future__ import annotations

from typing import Any

import redis

from infra.results import FAIL, PASS, SKIP, WARN

Outcome = tuple[str, str]
APP_USER = "default"  # infra.config.acl.APP_USER (not imported: verify does not load pydantic)
OLD_WAY = ("the server still runs the old configuration (rename-command and requirepass, no ACL users): redeploy "
           "the stack so it moves to ACL users")


def command_info(client: redis.Redis, name: str) -> list[Any] | None:
    """The raw `COMMAND INFO name` entry, None for a command the server lacks (renamed away). Read raw: redis-py's
    reply callback for COMMAND INFO fails on the nil entry (TypeError in parse_command)."""
    client.set_response_callback("COMMAND", lambda response, **_: response)  # keep the raw reply
    reply = client.execute_command("COMMAND", "INFO", name)
    entry = reply[0] if isinstance(reply, list) and reply else None
    return entry if isinstance(entry, list) else None


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def invocation(entry: list[Any]) -> list[str]:
    """A well-formed call of the command COMMAND INFO describes, for ACL DRYRUN (which checks the arity, and names
    a container command's subcommand): `CONFIG GET x`, `FLUSHALL`, `KEYS x`. Never sent for real."""
    name, arity = _text(entry[0]), int(entry[1])
    subcommands = entry[9] if len(entry) > 9 and isinstance(entry[9], list) else []
    if subcommands:  # a container (CONFIG, CLIENT, ...): its first subcommand by name, e.g. config|get
        sub = sorted(subcommands, key=lambda s: _text(s[0]))[0]
        parent, _, child = _text(sub[0]).partition("|")
        return [parent.upper(), child.upper(), *["x"] * (abs(int(sub[1])) - 2)]
    return [name.upper(), *["x"] * (abs(arity) - 1)]


def allowed(admin: redis.Redis, user: str, call: list[str]) -> bool:
    """`ACL DRYRUN user call...`: OK when allowed; a denial is a bulk string, not an error (src/acl.c)."""
    return _text(admin.execute_command("ACL", "DRYRUN", user, *call)) == "OK"


def _whoami(client: redis.Redis) -> str:
    return _text(client.execute_command("ACL", "WHOAMI"))


def principals(p: Any) -> Outcome:
    t = p.target
    restricted = {str(c).upper() for c in t.settings.get("restricted_commands") or ()}
    try:
        app = "ACL WHOAMI is blocked by the service" if "ACL" in restricted else _whoami(p.client())
    except redis.exceptions.NoPermissionError as error:
        return FAIL, f"the app's default user may not run ACL WHOAMI ({error}): keep it allowed (-@admin does)"
    except redis.ResponseError as error:  # a server without ACL (before Redis 6), or a service refusing it
        return SKIP, f"the server does not answer ACL WHOAMI ({error}): who is connected cannot be asked"
    if "ACL" not in restricted and app != APP_USER:
        return FAIL, f"the app's password authenticates as {app!r}, not as {APP_USER!r}: the app's contract is AUTH " \
                     "with REDIS_PASSWORD alone"
    if not t.admin_user:
        return SKIP, (f"app: {app}; the outputs carry no admin user (a service with one AUTH password): the "
                      "operations use the app's password")
    try:
        admin = p.admin()
        who = _whoami(admin)
    except redis.AuthenticationError as error:
        return FAIL, f"the server refused admin user {t.admin_user} ({error}): {OLD_WAY}, or the admin_password " \
                     "output does not match it"
    if who != t.admin_user:
        return FAIL, f"the admin credential authenticates as {who!r}, not {t.admin_user!r}"
    return PASS, f"app: {app} (AUTH with the password alone); operations: {who} (ACL WHOAMI)"


def dangerous_commands(p: Any) -> Outcome:
    settings = p.target.settings
    disabled = [str(name).upper() for name in settings.get("disabled-commands") or ()]
    if not disabled:
        return WARN, "the stack disables no commands: FLUSHALL, FLUSHDB and CONFIG can wipe or reconfigure the cache"
    reason = (settings.get("managed") or {}).get("acl")
    if reason:
        return SKIP, str(reason)
    restricted = {str(name).upper() for name in settings.get("restricted_commands") or ()}
    probed = [c for c in disabled if c not in restricted]
    entries = {c: command_info(p.client(), c) for c in probed}
    gone = [c for c, entry in entries.items() if entry is None]
    if gone:
        return FAIL, (f"{', '.join(gone)} renamed away on this server (COMMAND INFO is nil): {OLD_WAY}; until then "
                      "the admin cannot run them either")
    blocked = f" ({', '.join(c for c in disabled if c in restricted)} blocked by the service)" if restricted & set(
        disabled) else ""
    if not probed:
        return PASS, f"{', '.join(disabled)} blocked by the service for every client"
    if not p.target.admin_user:
        return FAIL, (f"{', '.join(probed)} exist and the outputs carry no admin credential to ask ACL DRYRUN "
                      "whether the app may run them: redeploy the stack (it exports admin_user and admin_password)")
    admin, user = p.admin(), p.target.admin_user
    calls = {c: invocation(entry) for c, entry in entries.items() if entry is not None}
    app_may = [c for c, call in calls.items() if allowed(admin, APP_USER, call)]
    admin_may_not = [c for c, call in calls.items() if not allowed(admin, user, call)]
    if app_may:
        return FAIL, f"the app ({APP_USER}) may run {', '.join(app_may)}: the server's ACL does not deny them"
    if admin_may_not:
        return FAIL, f"the admin user {user} may not run {', '.join(admin_may_not)}: the operations need them"
    shown = ", ".join(" ".join(call) for call in calls.values())
    return PASS, f"denied to {APP_USER}, allowed to {user}: {shown} (ACL DRYRUN, nothing run){blocked}"
