"""The dev stack under the mock engine with the real Pulumi.dev.yaml: every resource input the issue promises."""

from __future__ import annotations


import pytest

from infra import contract
from infra.backends.docker import CONTAINER_TYPE
from infra.config import redis_conf
from infra.backends.docker.component import CONTAINER_COMMAND, HEALTHCHECK, NETWORK_ALIAS
from support.stack_harness import assert_secret_everywhere, contains_secret, run_stack, unwrap

CONTAINER = CONTAINER_TYPE
PASSWORD = "Mock0Generated0Password0With0Forty0Chars"  # what the mock RandomPassword returns for the app's
ADMIN_PASSWORD = "Mock0RedisAdminPassword00000000000000000"  # ... and for the admin user's


def test_resources_are_the_compose_equivalent(dev_run):
    types = sorted(r.type for r in dev_run.resources)
    assert types == sorted([
        "profwise:redis:DockerRedis", "docker:index/remoteImage:RemoteImage", "docker:index/network:Network",
        "docker:index/volume:Volume", "random:index/randomPassword:RandomPassword",
        "random:index/randomPassword:RandomPassword", CONTAINER])
    assert sorted(r.name for r in dev_run.of_type("random:index/randomPassword:RandomPassword")) == \
        ["redis-admin-password", "redis-password"]
    assert dev_run.one("docker:index/remoteImage:RemoteImage").plain("name") == "redis:7.2.11-alpine"
    assert dev_run.one("docker:index/network:Network").plain("name") == "profwise-redis-net"
    assert dev_run.one("docker:index/volume:Volume").plain("name") == "profwise-redis-data"


def test_port_is_published_on_loopback_only(dev_run):
    ports = dev_run.one(CONTAINER).plain("ports")
    assert ports == [{"internal": 6379, "external": 6379, "ip": "127.0.0.1", "protocol": "tcp"}]


def test_volume_is_mounted_at_data(dev_run):
    volumes = dev_run.one(CONTAINER).plain("volumes")
    assert volumes == [{"volumeName": "profwise-redis-data", "containerPath": "/data"}]
    assert dev_run.one(CONTAINER).plain("removeVolumes") is False


def test_container_runs_the_uploaded_config(dev_run):
    container = dev_run.one(CONTAINER)
    assert container.plain("command") == CONTAINER_COMMAND
    uploads = container.inputs["uploads"]
    assert contains_secret(uploads), "the uploaded redis.conf carries the users' password hashes: kept secret"
    upload = unwrap(uploads)[0]
    assert upload["file"] == redis_conf.CONTAINER_CONF_PATH
    assert upload["permissions"] == "0600" and upload["owner"] == "999"
    from infra.config.redis import RedisSettings
    assert upload["content"] == redis_conf.render(RedisSettings(), PASSWORD, ADMIN_PASSWORD)
    assert PASSWORD not in upload["content"] and ADMIN_PASSWORD not in upload["content"]  # hashes only


def test_network_alias_restart_wait_and_healthcheck(dev_run):
    container = dev_run.one(CONTAINER)
    assert container.plain("networksAdvanced") == [{"name": "profwise-redis-net", "aliases": [NETWORK_ALIAS]}]
    assert container.plain("restart") == "unless-stopped"
    assert container.plain("wait") is True and container.plain("waitTimeout") == 120
    health = container.plain("healthcheck")
    assert health["tests"] == HEALTHCHECK
    assert not any(PASSWORD in part or "-a " in part for part in health["tests"])
    assert contains_secret(container.inputs["envs"])
    assert unwrap(container.inputs["envs"]) == [f"REDISCLI_AUTH={PASSWORD}"]


def test_password_is_never_plaintext_in_inputs_or_outputs(dev_run):
    assert_secret_everywhere(dev_run, PASSWORD)
    assert_secret_everywhere(dev_run, ADMIN_PASSWORD)
    assert set(contract.SECRET_OUTPUTS) <= dev_run.secret_outputs


def test_the_admin_credential_is_its_own_output_never_in_app_env(dev_run):
    out = dev_run.outputs
    assert (out["admin_user"], out["admin_password"]) == ("profwise-admin", ADMIN_PASSWORD)
    assert ADMIN_PASSWORD not in str(out["app_env"]) and ADMIN_PASSWORD not in out["url"]
    assert "admin_user" not in dev_run.secret_outputs  # a name, not a secret


def test_outputs_contract_is_complete(dev_run):
    out = dev_run.outputs
    assert set(contract.CONTRACT_KEYS) <= set(out)
    assert (out["backend"], out["host"], out["port"], out["tls"]) == ("docker", "127.0.0.1", 6379, False)
    assert out["url"] == f"redis://:{PASSWORD}@127.0.0.1:6379/0"
    assert out["app_env"]["REDIS_PASSWORD"] == PASSWORD and out["app_env"]["ENABLE_REDIS_CACHE"] == "true"
    assert out["settings"]["maxmemory"] == 512 * 1024 * 1024
    assert (out["container_name"], out["volume_name"], out["network_name"]) == \
        ("profwise-redis", "profwise-redis-data", "profwise-redis-net")


def test_rollback_switch_keeps_redis_running():
    run = run_stack("dev", overrides={"app": {"enableCache": False}})
    assert run.outputs["app_env"]["ENABLE_REDIS_CACHE"] == "false"
    assert run.one(CONTAINER).plain("mustRun") is True


def test_configured_secret_password_replaces_the_generated_one():
    run = run_stack("dev", overrides={"password": {"secure": "v1:ciphertext"}},
                    secrets={"profwise-redis:password": "Chosen-Password-2026"})
    # Only the admin's is generated: it is never configured
    assert [r.name for r in run.of_type("random:index/randomPassword:RandomPassword")] == ["redis-admin-password"]
    assert run.outputs["password"] == "Chosen-Password-2026"
    assert "password" in run.secret_outputs


@pytest.mark.parametrize(("overrides", "check"), [
    ({"docker": {"hostPort": 6380}}, lambda r: r.one(CONTAINER).plain("ports")[0]["external"] == 6380),
    ({"redis": {"maxmemory": "large"}}, lambda r: r.outputs["settings"]["maxmemory"] == 1024 ** 3),
    ({"docker": {"bindAddress": "0.0.0.0", "dangerouslyAllowPublicBind": True}},
     lambda r: r.one(CONTAINER).plain("ports")[0]["ip"] == "0.0.0.0" and r.outputs["host"] == "127.0.0.1"),
])
def test_config_flows_into_resources(overrides, check):
    assert check(run_stack("dev", overrides=overrides))


def test_replacement_is_safe_for_a_fixed_name_and_port():
    """delete_before_replace and retain_on_delete are resource options: read them off the component."""
    from infra.backends.docker.component import DockerRedis, DockerRedisArgs
    from infra.stack_settings import StackSettings
    from support.stack_harness import capture_options

    captured = capture_options(lambda: DockerRedis("spy", DockerRedisArgs.from_settings(StackSettings())))
    assert captured["spy-container"].delete_before_replace is True
    assert captured["spy-data"].retain_on_delete is True


def test_the_volume_is_deleted_on_destroy_when_asked():
    """`docker.keepVolumeOnDestroy: false`: `pulumi destroy` removes the data volume too."""
    from infra.backends.docker.component import DockerRedis, DockerRedisArgs
    from infra.backends.docker.settings import DockerSettings
    from infra.stack_settings import StackSettings
    from support.stack_harness import capture_options

    settings = StackSettings(docker=DockerSettings(keep_volume_on_destroy=False))
    captured = capture_options(lambda: DockerRedis("spy", DockerRedisArgs.from_settings(settings)))
    assert captured["spy-data"].retain_on_delete is False
    assert captured["spy-container"].delete_before_replace is True


def test_redis_is_stopped_with_sigterm_and_a_grace_period_never_killed_at_once(dev_run):
    """pulumi-docker stops the container on delete/replace with destroy_grace_seconds (0 s when unset: SIGKILL, no
    final save); Docker uses stop_timeout for `docker stop`/`restart` and daemon shutdown. The engine tests show Redis
    saving and exiting cleanly under them (tests/test_dev_container_data.py)."""
    from infra.backends.docker.component import STOP_GRACE_SECONDS

    container = dev_run.one(CONTAINER)
    assert container.plain("stopSignal") == "SIGTERM"
    assert container.plain("destroyGraceSeconds") == container.plain("stopTimeout") == STOP_GRACE_SECONDS >= 30


def test_the_requirements_admit_only_pulumi_docker_with_upload_owner_and_group():
    """ContainerUploadArgs owner/group arrived in pulumi-docker 5.2; without them the config is root-owned 0600 and
    Redis crash-loops ("can't open config file")."""
    from packaging.requirements import Requirement

    from support.stack_harness import REPO_ROOT

    lines = (REPO_ROOT / "requirements.txt").read_text().splitlines()
    (spec,) = [Requirement(line).specifier for line in lines if line.startswith("pulumi-docker")]
    assert not spec.contains("5.1.1") and not spec.contains("5.0.0")
    assert spec.contains("5.2.0") and not spec.contains("6.0.0")
    import pulumi_docker

    assert {"owner", "group"} <= set(pulumi_docker.ContainerUploadArgs.__init__.__code__.co_varnames)
