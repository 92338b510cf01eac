"""Data in the dev container survives what happens to containers: `docker restart`, and the replacement `pulumi up`
makes after any settings change (uploads force a new container) — here a new password.

The chain is module-scoped, each step a fixture built on the one before (so any test can run alone): deploy and write
2,000 keys; `docker restart` (Docker stops it with the container's `stop_timeout`); replace it delete-before-create,
stopping the old one with the program's `destroy_grace_seconds`, as pulumi-docker does. Each stop must be Redis's
clean shutdown — the final RDB saved, "ready to exit" — which a SIGKILL (the provider's 0 s default) never logs.
"""

from __future__ import annotations

import time

import pytest
import redis

from support.docker_fixtures import password_overrides
from support.hook_support import invoke_after_create
from infra.backends.docker import CONTAINER_TYPE
from infra.backends.docker.component import STOP_GRACE_SECONDS
from support.stack_harness import run_stack

pytestmark = pytest.mark.integration

KEYS = 2000
NEW_PASSWORD = "Changed-Password-0123456789abcdef"
CLEAN_SHUTDOWN = ("DB saved on disk", "Redis is now ready to exit")


def assert_keys(client: redis.Redis) -> None:
    assert client.dbsize() == KEYS
    values = client.mget([f"durable:{i}" for i in range(KEYS)])
    assert values == [f"value-{i}".encode() for i in range(KEYS)]


@pytest.fixture(scope="module")
def original(deployer):
    deployed = deployer()
    client = deployed.client(deployed.password)
    pipe = client.pipeline(transaction=False)
    for i in range(KEYS):
        pipe.set(f"durable:{i}", f"value-{i}")
    pipe.execute()
    assert_keys(client)
    return deployed


def docker_restart(api, container_id: str) -> None:  # noqa: ANN001 — docker.APIClient
    """`docker restart` without -t: the engine stops the container with its own StopTimeout. (The SDK's restart
    always sends a timeout of its own, so the endpoint is called as the CLI calls it.)"""
    url = f"{api.base_url}/v{api.api_version}/containers/{container_id}/restart"
    api.post(url, timeout=STOP_GRACE_SECONDS + 30).raise_for_status()


def wait_answering(client: redis.Redis, timeout: float) -> None:
    """Until Redis answers PING: after loading its AOF (`docker restart` waits for no healthcheck, so neither do we)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.ping()
            return
        except (redis.ConnectionError, redis.BusyLoadingError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture(scope="module")
def restarted(original, docker_session):
    api = docker_session.client.api
    docker_restart(api, original.container_id)
    wait_answering(original.client(original.password), original.deployment.inputs["waitTimeout"])
    return original, api.logs(original.container_id).decode(errors="replace")


@pytest.fixture(scope="module")
def replaced(restarted, provider):
    deployed, _ = restarted
    old_log, deployment = provider.replace(deployed.deployment, new_password_stack(deployed))
    return deployed, old_log, deployment


def new_password_stack(deployed):  # noqa: ANN001, ANN201 — Deployed -> StackRun
    """The same stack after `pulumi config set --secret password <new>`."""
    extra, secrets = password_overrides(NEW_PASSWORD)
    return run_stack("dev", overrides={**deployed.run_overrides, **extra}, secrets=secrets)


def test_the_engine_stops_it_with_the_declared_stop_timeout_and_signal(original, docker_session):
    config = docker_session.client.api.inspect_container(original.container_id)["Config"]
    assert (config["StopTimeout"], config["StopSignal"]) == (STOP_GRACE_SECONDS, "SIGTERM")


def test_keys_survive_docker_restart_after_a_clean_shutdown(restarted):
    deployed, log = restarted
    assert all(line in log for line in CLEAN_SHUTDOWN), log[-2000:]
    assert_keys(deployed.client(deployed.password))


def test_keys_survive_a_replacement_that_stops_redis_with_the_grace_period(replaced):
    deployed, old_log, deployment = replaced
    assert deployment.inputs["destroyGraceSeconds"] == STOP_GRACE_SECONDS
    shutdowns = old_log.count("Redis is now ready to exit")
    assert shutdowns == 2 and old_log.count("DB saved on disk") >= 2, old_log[-2000:]  # the restart's and the stop's
    assert deployment.healthy_after <= deployment.inputs["waitTimeout"]
    assert_keys(deployed.client(NEW_PASSWORD))
    with pytest.raises(redis.AuthenticationError):
        deployed.client(deployed.password).ping()


def test_the_deploy_hook_fails_for_a_container_whose_password_changed(replaced, provider, recorder):
    deployed, _, deployment = replaced
    real = provider.outputs(deployment.container_id)
    run_stack("dev", overrides=deployed.run_overrides)  # the stack as it was: it expects the old password
    error = invoke_after_create(recorder, CONTAINER_TYPE, real)
    assert "verification FAILED" in error and "ping" in error, error
    assert deployed.password not in error and NEW_PASSWORD not in error
    new_password_stack(deployed)  # the stack as it is now
    assert invoke_after_create(recorder, CONTAINER_TYPE, real) == ""
