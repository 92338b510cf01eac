"""ElastiCache RBAC: the prod stack's two users and user group under the mock engine (passwords secret everywhere),
the migration config from an AUTH token, and the aws_users control-plane check — users in moto (it implements
CreateUser/DescribeUsers and stores a group's UserGroupIds), the user group through botocore's Stubber (moto 5 does
not implement CreateUserGroup/DescribeUserGroups)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from infra import contract
from infra.backends.elasticache import control_plane, parameter_group, users
from infra.config import acl
from infra.config.errors import ConfigError
from infra.config.redis import RedisSettings
from infra.tooling.mock_engine import MOCK_PASSWORD, StackRun
from policy.access_string import denies
from support.aws_groups import REGION, create_group, expected_for
from support.stack_harness import assert_secret_everywhere, contains_secret, prod_overrides, run_stack, unwrap

USER, USER_GROUP = "aws:elasticache/user:User", "aws:elasticache/userGroup:UserGroup"
GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
ADMIN_PASSWORD = "Mock0RedisAdminPassword00000000000000000"
APP_ACCESS = "on ~* &* +@all -flushall -flushdb -swapdb"  # CONFIG and MIGRATE: ElastiCache blocks them itself


@pytest.fixture(scope="module")
def prod() -> StackRun:
    return run_stack("prod", overrides=prod_overrides())


def by_name(run: StackRun) -> dict[str, Any]:
    return {u.plain("userName"): u for u in run.of_type(USER)}


def test_two_users_in_one_group_attached_instead_of_a_token(prod):
    found = by_name(prod)
    default, admin = found["default"], found[acl.ADMIN_USER]
    assert (default.plain("userId"), default.plain("engine"), default.plain("accessString")) == \
        ("profwise-redis-prod-default", "redis", APP_ACCESS)
    assert (admin.plain("userId"), admin.plain("engine"), admin.plain("accessString")) == \
        ("profwise-redis-prod-admin", "redis", "on ~* &* +@all")
    group = prod.one(USER_GROUP)
    assert (group.plain("userGroupId"), group.plain("engine")) == ("profwise-redis-prod", "redis")
    assert group.plain("userIds") == ["profwise-redis-prod-default", "profwise-redis-prod-admin"]
    replication = unwrap(prod.one(GROUP).inputs)
    assert replication["userGroupIds"] == ["profwise-redis-prod"] and "authToken" not in replication
    assert replication["authTokenUpdateStrategy"] == "DELETE"  # unused at creation; the migration on a token group
    assert "rename-commands" not in {p["name"] for p in prod.one(
        "aws:elasticache/parameterGroup:ParameterGroup").plain("parameters")}


def test_each_user_has_its_own_password_secret_everywhere(prod):
    found = by_name(prod)
    assert unwrap(found["default"].inputs["passwords"]) == [MOCK_PASSWORD]  # the app's: REDIS_PASSWORD
    assert unwrap(found[acl.ADMIN_USER].inputs["passwords"]) == [ADMIN_PASSWORD]
    assert all(contains_secret(u.inputs["passwords"]) for u in found.values())
    assert "authenticationMode" not in found["default"].inputs  # passwords given once (moto refuses both ways)
    for secret in (MOCK_PASSWORD, ADMIN_PASSWORD):
        assert_secret_everywhere(prod, secret)
    out = prod.outputs
    assert (out[contract.ADMIN_USER], out[contract.ADMIN_PASSWORD]) == (acl.ADMIN_USER, ADMIN_PASSWORD)
    assert contract.ADMIN_PASSWORD in prod.secret_outputs and contract.ADMIN_USER not in prod.secret_outputs
    assert ADMIN_PASSWORD not in json.dumps(out[contract.APP_ENV]) and ADMIN_PASSWORD not in out[contract.URL]
    assert out[contract.APP_ENV]["REDIS_PASSWORD"] == MOCK_PASSWORD
    assert ADMIN_PASSWORD not in json.dumps(out[contract.CONTROL_PLANE])


def test_the_control_plane_describes_the_users_without_passwords(prod):
    plane = prod.outputs[contract.CONTROL_PLANE]
    assert (plane["authentication"], plane["user_group_id"], plane["auth_token_enabled"]) == \
        ("rbac", "profwise-redis-prod", False)
    assert plane["users"] == {"profwise-redis-prod-default": {"user_name": "default", "access_string": APP_ACCESS},
                              "profwise-redis-prod-admin": {"user_name": acl.ADMIN_USER,
                                                            "access_string": "on ~* &* +@all"}}
    assert plane["denied_commands"] == ["FLUSHALL", "FLUSHDB", "SWAPDB"]


@pytest.mark.parametrize("disabled", [(), ("KEYS",), ("FLUSHDB", "FLUSHALL", "CONFIG", "KEYS", "SHUTDOWN", "DEBUG")])
def test_access_strings_leave_out_what_elasticache_refuses_in_one(disabled):
    """AWS: "You can't use forbidden and renamed commands as part of the access string"; no `reset` either."""
    strings = users.access_strings(RedisSettings(disabled_commands=disabled))
    app = strings["default"]
    assert app.split()[:4] == ["on", "~*", "&*", "+@all"] and "reset" not in app and "@admin" not in app
    named = {rule[1:].upper() for rule in app.split() if rule.startswith("-")}
    assert not named & parameter_group.BLOCKED_COMMANDS
    for command in {"FLUSHALL", "FLUSHDB", *disabled} - parameter_group.BLOCKED_COMMANDS:
        assert denies(app, command)


def test_a_token_strategy_is_refused_before_any_resource_and_delete_is_the_same_stack(prod):
    """Half-migrated: a token strategy beside the user group the program attaches. DELETE (what a migrating stack
    may write out) changes nothing: one config for new groups and for groups created with a token."""
    run = StackRun()
    with pytest.raises(ConfigError, match="elasticache.authTokenUpdateStrategy") as refused:
        run_stack("prod", overrides=prod_overrides({"authTokenUpdateStrategy": "ROTATE"}), into=run)
    assert run.resources == [] and "docs/prod.md" in str(refused.value)
    migrating = run_stack("prod", overrides=prod_overrides({"authTokenUpdateStrategy": "DELETE"}))
    def inputs(run: StackRun) -> dict[tuple[str, str], str]:  # registration order varies: compare by URN
        return {(r.type, r.name): json.dumps(unwrap(r.inputs), sort_keys=True) for r in run.resources}

    assert inputs(migrating) == inputs(prod)


# ---- the aws_users control-plane check ------------------------------------------------------------------------

class Api:
    """moto for what it implements; the user group through a Stubber'd client."""

    def __init__(self, moto: Any, stubbed: Any):
        self.moto, self.stubbed = moto, stubbed

    def describe_user_groups(self, **kwargs: Any) -> Any:
        return self.stubbed.describe_user_groups(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.moto, name)


def _rbac_group(endpoint: str, default_access: str, admin_access: str = "on ~* &* +@all",
                user_ids: tuple[str, ...] | None = None, attach: bool = True) -> tuple[Any, dict[str, Any], Stubber]:
    moto = boto3.client("elasticache", region_name=REGION, endpoint_url=endpoint)
    group_id = create_group(endpoint, AuthToken=None, **({"UserGroupIds": ["ug-x"]} if attach else {}))
    wanted = {f"{group_id}-default": ("default", default_access), f"{group_id}-admin": (acl.ADMIN_USER, admin_access)}
    for user_id, (name, access) in wanted.items():
        moto.create_user(UserId=user_id, UserName=name, Engine="redis", AccessString=access,
                         Passwords=["p" * 32])
    stubbed = boto3.client("elasticache", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(stubbed)
    stub.add_response("describe_user_groups", {"UserGroups": [{
        "UserGroupId": "ug-x", "Status": "active", "Engine": "redis", "MinimumEngineVersion": "6.0",
        "UserIds": list(user_ids if user_ids is not None else wanted), "ReplicationGroups": [group_id]}]},
        {"UserGroupId": "ug-x"})
    expected = expected_for(group_id, auth_token_enabled=False, user_group_id="ug-x", denied_commands=[
        "FLUSHALL", "FLUSHDB", "SWAPDB", "KEYS"], users={
        f"{group_id}-default": {"user_name": "default", "access_string": APP_ACCESS + " -keys"},
        f"{group_id}-admin": {"user_name": acl.ADMIN_USER, "access_string": "on ~* &* +@all"}})
    return Api(moto, stubbed), expected, stub


def _users_check(api: Any, expected: dict[str, Any], stub: Stubber) -> tuple[Any, dict[str, Any]]:
    with stub:
        results = {r.name: r for r in control_plane.run_checks(expected, api=api)}
        stub.assert_no_pending_responses()
    return results["aws_users"], results


@pytest.mark.integration
def test_the_users_access_strings_pass_when_they_deny_the_app_and_allow_the_admin(moto_endpoint, aws_env):
    check, results = _users_check(*_rbac_group(moto_endpoint, APP_ACCESS + " -keys"))
    assert check.status == "pass", check
    assert check.detail.startswith("user group ug-x attached: default denied FLUSHALL, FLUSHDB, SWAPDB, KEYS")
    assert results["aws_auth"].status == "pass" and "RBAC user group ug-x" in results["aws_auth"].detail


@pytest.mark.integration
@pytest.mark.parametrize(("default_access", "admin_access", "user_ids", "attach", "phrase"), [
    ("on ~* &* +@all -flushall -flushdb -swapdb", "on ~* &* +@all", None, True, "default user may run KEYS"),
    ("on ~* &* +@all", "on ~* &* +@all", None, True, "may run FLUSHALL, FLUSHDB, SWAPDB, KEYS"),
    (APP_ACCESS + " -keys", "on ~* &* +@all -flushall", None, True, "admin user profwise-admin may not run"),
    (APP_ACCESS + " -keys", "off ~* &* +@all", None, True, "-admin is off"),
    (APP_ACCESS + " -keys", "on ~* &* +@all", ("someone-else",), True, "lacks"),
    (APP_ACCESS + " -keys", "on ~* &* +@all", None, False, "not attached to user group ug-x"),
], ids=["a disabled command allowed", "nothing denied", "admin denied", "admin off", "users not in the group",
        "group not attached"])
def test_a_user_that_breaks_the_promise_fails(moto_endpoint, aws_env, default_access, admin_access, user_ids,
                                              attach, phrase):
    check, _ = _users_check(*_rbac_group(moto_endpoint, default_access, admin_access, user_ids, attach))
    assert check.status == "fail" and phrase in check.detail, check


@pytest.mark.integration
def test_a_group_still_on_its_token_is_named_as_not_migrated(moto_endpoint, aws_env):
    api, expected, stub = _rbac_group(moto_endpoint, APP_ACCESS + " -keys", attach=False)
    token_group = create_group(moto_endpoint)  # AuthToken set, no user group: the migration has not happened
    expected = {**expected, "replication_group_id": token_group}
    for name, user_id in (("default", f"{token_group}-default"), (acl.ADMIN_USER, f"{token_group}-admin")):
        api.moto.create_user(UserId=user_id, UserName=name, Engine="redis", AccessString="on ~* +@all",
                             Passwords=["p" * 32])
    expected["users"] = {f"{token_group}-{k.rsplit('-', 1)[1]}": v for k, v in expected["users"].items()}
    _, results = _users_check(api, expected, stub)
    assert results["aws_auth"].status == "fail" and "has not migrated to its user group" in results["aws_auth"].detail
    assert results["aws_users"].status == "fail" and "not attached" in results["aws_users"].detail


def test_an_aws_token_group_without_users_is_skipped_not_failed():
    status, detail = control_plane.check_users(expected_for("g"), control_plane.Observed(group={}))
    assert status == "skip" and "no user group" in detail
