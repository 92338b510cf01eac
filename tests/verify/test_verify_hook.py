"""The `pulumi up` verification hook, invoked the way the engine invokes it.

The real program runs under the mock engine (which never runs hooks), while we record what the program registered:
the hook (its name and gRPC callback address) and, per resource, the hook binding and the serialized inputs and
outputs. Then we call the hook over gRPC with a `ResourceHookRequest` built from those recorded structs — what the
engine sends after creating the container — against a real redis-server booted from the same stack's config.
"""

from __future__ import annotations

import re

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import container_boot
from support.hook_support import invoke_after_create
from infra import backends
from infra.verify import hook as verify_hook
from infra.backends.docker import CONTAINER_TYPE
from infra.backends.elasticache import REPLICATION_GROUP_TYPE
from infra.stack_settings import parse_settings
from infra.config.verify import VerifySettings
from support.redis_server import RedisServer, free_port
from support.stack_harness import PROD_IDS, run_stack


def run_on_own_loop(coroutine: Any) -> Any:
    """Like asyncio.run, but leaves the thread's current loop (the mock-engine harness's) in place."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


def deploy_dev(port: int, **overrides: Any):
    return run_stack("dev", overrides={"docker": {"hostPort": port}, **overrides})


def test_the_container_is_bound_to_the_hook_after_create_and_update(recorder):
    run_stack("dev")
    request, _ = recorder.registrations[CONTAINER_TYPE]
    assert list(request.hooks.after_create) == [verify_hook.HOOK_NAME]
    assert list(request.hooks.after_update) == [verify_hook.HOOK_NAME]
    assert not request.hooks.before_create and not request.hooks.before_delete
    others = [t for t, (req, _) in recorder.registrations.items() if t != CONTAINER_TYPE and req.HasField("hooks")
              and (req.hooks.after_create or req.hooks.after_update)]
    assert others == []


@pytest.mark.integration
def test_the_hook_passes_against_the_dev_config(recorder, tmp_path: Path):
    port = free_port()
    run = deploy_dev(port)
    conf, command, _ = container_boot(run)
    with RedisServer.from_container(conf, tmp_path / "redis", command, port=port):
        assert invoke_after_create(recorder, CONTAINER_TYPE) == ""


def report_rows(table: str) -> list[list[str]]:
    """(check, status) of each row of a verification table, the header first; continuation lines skipped."""
    return [line.split()[:2] for line in table.splitlines() if not line.startswith(" ")]


@pytest.mark.integration
def test_the_hook_logs_the_same_table_as_the_cli(recorder, tmp_path: Path, monkeypatch):
    import pulumi

    from support.ops_support import verify_cli

    logged: list[str] = []
    monkeypatch.setattr(pulumi.log, "info", lambda message, *args, **kwargs: logged.append(message))
    port = free_port()
    run = deploy_dev(port)
    conf, command, _ = container_boot(run)
    with RedisServer.from_container(conf, tmp_path / "redis", command, port=port):
        assert invoke_after_create(recorder, CONTAINER_TYPE) == ""
        cli = verify_cli("--outputs", "-", outputs=dict(run.outputs))
    assert cli.returncode == 0, cli.stdout + cli.stderr
    (message,) = logged
    title, table = message.split("\n", 1)
    assert title == "post-deploy verification (data plane):"
    assert table.splitlines()[0] == cli.stdout.splitlines()[0]  # the same header, the same columns
    assert report_rows(table) == report_rows(cli.stdout)[:-1]  # the same checks and statuses (the CLI adds a summary)
    assert ["round_trip", "pass"] in report_rows(table)


@pytest.mark.integration
def test_the_hook_fails_the_deployment_with_the_failed_checks_and_no_password(recorder, tmp_path: Path):
    port = free_port()
    run = deploy_dev(port)
    conf, command, password = container_boot(run)
    conf = re.sub(r"^user default reset #\S+", "user default reset nopass", conf, flags=re.M)  # no password
    assert "nopass" in conf
    with RedisServer.from_container(conf, tmp_path / "redis", command, port=port):
        error = invoke_after_create(recorder, CONTAINER_TYPE)
    assert "verification FAILED: auth_enforced" in error
    assert "AUTH is not enforced" in error
    assert password not in error and run.outputs["admin_password"] not in error


def test_an_unreachable_endpoint_fails_the_hook_after_the_bounded_wait(recorder):
    port = free_port()  # nothing listens there
    deploy_dev(port, verify={"waitSeconds": 1, "timeout": 1})
    error = invoke_after_create(recorder, CONTAINER_TYPE)
    assert "verification FAILED: reachable" in error and "Connection refused" in error


def test_verify_disabled_registers_no_hook(recorder):
    run_stack("dev", overrides={"verify": {"enabled": False}})
    request, _ = recorder.registrations[CONTAINER_TYPE]
    assert verify_hook.HOOK_NAME not in recorder.hooks
    assert not request.hooks.after_create


@pytest.mark.parametrize(("backend", "verify", "plane"), [
    ("docker", {}, "data"),
    ("docker", {"fromDeployer": False}, None),
    ("elasticache", {}, "control"),
    ("elasticache", {"fromDeployer": True}, "all"),
])
def test_which_planes_the_deployer_checks(backend, verify, plane):
    config = {"profwise-redis:backend": backend, "profwise-redis:verify": json.dumps(verify)}
    if backend == "elasticache":  # the prod backend refuses to parse without its network ids
        config["profwise-redis:elasticache"] = json.dumps(PROD_IDS)
    settings = parse_settings(config)
    assert verify_hook.plane_for(settings) == plane


@pytest.mark.parametrize(("type_", "id_", "outputs", "expected"), [
    (CONTAINER_TYPE, "c1", {"ports": [{"internal": 6379.0, "external": 6380.0, "ip": "127.0.0.1"}]},
     {"host": "127.0.0.1", "port": 6380}),
    (CONTAINER_TYPE, "c1", {"ports": [{"internal": 6379.0, "external": 6379.0, "ip": "0.0.0.0"}]},
     {"host": "127.0.0.1", "port": 6379}),
    (CONTAINER_TYPE, "c1", {"ports": [{"internal": 6379.0, "external": 6379.0, "ip": "::"}]},
     {"host": "::1", "port": 6379}),
    (REPLICATION_GROUP_TYPE, "profwise-redis",
     {"primaryEndpointAddress": "master.x.cache.amazonaws.com", "port": 6379.0, "replicationGroupId": "profwise-redis"},
     {"host": "master.x.cache.amazonaws.com", "port": 6379, "replication_group_id": "profwise-redis",
      "control_plane": {"replication_group_id": "profwise-redis"}}),
    (REPLICATION_GROUP_TYPE, "rg", {"configurationEndpointAddress": "clustercfg.x", "primaryEndpointAddress": "",
                                           "port": 6380.0},
     {"host": "clustercfg.x", "port": 6380, "replication_group_id": "rg",
      "control_plane": {"replication_group_id": "rg"}}),
    ("random:index/randomPassword:RandomPassword", "p", {"result": "x"}, {}),
])
def test_what_the_hooked_resource_itself_reports(type_, id_, outputs, expected):
    assert verify_hook.resource_outputs(type_, id_, outputs) == expected


def test_the_replication_group_id_from_the_resource_completes_the_expected_control_plane():
    known = {"backend": "elasticache", "control_plane": {"region": "eu-west-1", "engine": "redis"}}
    reported = verify_hook.resource_outputs(REPLICATION_GROUP_TYPE, "rg-1", {"primaryEndpointAddress": "h"})
    merged = verify_hook.merge(known, reported)
    assert merged["control_plane"] == {"region": "eu-west-1", "engine": "redis", "replication_group_id": "rg-1"}
    assert merged["replication_group_id"] == "rg-1" and merged["host"] == "h"
    assert known["control_plane"] == {"region": "eu-west-1", "engine": "redis"}  # not mutated
    # Without an expected description there is nothing to complete: no control plane to check.
    assert "control_plane" not in verify_hook.merge({"backend": "x"}, reported)


def test_verify_settings_defaults_follow_the_backend():
    docker, elasticache = (backends.get(name).data_plane_from_deployer for name in ("docker", "elasticache"))
    assert VerifySettings().data_plane_from_deployer(docker) is True
    assert VerifySettings().data_plane_from_deployer(elasticache) is False
    assert VerifySettings(from_deployer=True).data_plane_from_deployer(elasticache) is True
    assert VerifySettings(from_deployer=False).data_plane_from_deployer(docker) is False


# --- The prod shape: the hook on the replication group, control plane from the deployer, against moto. Here the hook
# is called directly with what pulumi-aws reports for a replication group after create, and the expected values go
# through the same holder the program fills; the last test runs the real prod program and binding. ---

def prod_verifier(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> verify_hook.DeployVerifier:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    settings = parse_settings({"profwise-redis:backend": "elasticache",
                               "profwise-redis:elasticache": json.dumps(PROD_IDS)})
    verifier = verify_hook.DeployVerifier.for_stack(settings)
    assert verifier is not None and verifier.plane == "control"
    return verifier


def after_create(verifier: verify_hook.DeployVerifier, group_id: str, expected: dict[str, Any]) -> None:
    import pulumi

    async def deploy() -> None:
        control_plane = {k: v for k, v in expected.items() if k != "replication_group_id"}  # the id comes from AWS
        verifier.expect(backend="elasticache", tls=True, password=pulumi.Output.secret("Token-With-Enough-Length-0123"),
                        settings={}, control_plane=control_plane)
        await verifier.after_deploy(pulumi.ResourceHookArgs(
            urn="urn:pulumi:prod::profwise-redis::aws:elasticache/replicationGroup:ReplicationGroup::redis-group",
            id=group_id, name="redis-group", type=REPLICATION_GROUP_TYPE,
            new_outputs={"replicationGroupId": group_id, "primaryEndpointAddress": f"master.{group_id}.example",
                         "port": 6379.0, "atRestEncryptionEnabled": True}))

    run_on_own_loop(deploy())


@pytest.mark.integration
def test_the_prod_hook_passes_for_a_secure_group(moto_endpoint, aws_env, monkeypatch):
    from support.aws_groups import create_group, expected_for

    group_id = create_group(moto_endpoint)
    after_create(prod_verifier(moto_endpoint, monkeypatch), group_id, expected_for(group_id))


@pytest.mark.integration
def test_the_prod_hook_fails_the_deployment_for_an_unencrypted_group(moto_endpoint, aws_env, monkeypatch):
    from support.aws_groups import create_group, expected_for

    group_id = create_group(moto_endpoint, AtRestEncryptionEnabled=False, KmsKeyId=None)
    with pytest.raises(verify_hook.VerificationFailed, match="FAILED: aws_encryption_at_rest") as failure:
        after_create(prod_verifier(moto_endpoint, monkeypatch), group_id, expected_for(group_id))
    assert "Token-With-Enough-Length-0123" not in str(failure.value)


def test_expected_values_that_never_resolve_fail_after_a_bounded_wait(monkeypatch):
    """E.g. a value derived from the hooked resource itself, which the engine resolves only after the hook."""
    import pulumi

    monkeypatch.setattr(verify_hook, "EXPECTED_WAIT", 0.2)
    verifier = verify_hook.DeployVerifier(parse_settings({}), "data")

    async def deploy() -> None:
        loop = asyncio.get_running_loop()
        known, secret = loop.create_future(), loop.create_future()
        known.set_result(True)
        secret.set_result(False)
        verifier.expect(host=pulumi.Output(set(), loop.create_future(), known, secret))  # never resolves
        await verifier.after_deploy(pulumi.ResourceHookArgs(urn="urn", id="c1", name="redis-container",
                                                            type=CONTAINER_TYPE, new_outputs={}))

    with pytest.raises(verify_hook.VerificationFailed, match="must not depend on the verified resource"):
        run_on_own_loop(deploy())


@pytest.mark.integration
def test_the_real_prod_program_binds_the_hook_to_the_group_and_feeds_it(recorder, moto_endpoint, aws_env,
                                                                         monkeypatch):
    """The prod component's expected values (control_plane, token, settings) must resolve without the group itself,
    or the engine would wait on the hook forever; here the hook runs and reaches the (empty) AWS control plane."""
    from support.stack_harness import prod_overrides

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    run = run_stack("prod", overrides=prod_overrides())
    request, _ = recorder.registrations[REPLICATION_GROUP_TYPE]
    assert list(request.hooks.after_create) == [verify_hook.HOOK_NAME]
    assert list(request.hooks.after_update) == [verify_hook.HOOK_NAME]
    error = invoke_after_create(recorder, REPLICATION_GROUP_TYPE)
    assert "must not depend on the verified resource" not in error
    assert "verification FAILED: aws_" in error and "profwise-redis-prod" in error  # moto has no such group
    assert run.outputs["password"] not in error
