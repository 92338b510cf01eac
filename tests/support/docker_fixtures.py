"""Fixtures for the engine tests (a pytest plugin, loaded by conftest): the engine, the image, and `deployer`.

`docker_session` chooses or starts the engine once per session (tests/support/docker_engine.py) and, at the end, removes
whatever still carries this session's label and stops a private daemon — also when tests failed. `redis_image` is
the pinned image when the engine already has it or can pull it (a pulled image is removed again afterwards),
otherwise the stand-in (tests/support/standin_image.py), built once per session. `deployer` (per test module) evaluates
the real dev stack under the mock engine with names and a host port of the test's own, applies it through
tests/support/docker_provider.py, and removes what it created when the module ends. The terminal summary says which
engine and which image ran.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import docker
import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from support import docker_engine
from support import standin_image
from support.docker_provider import Deployment, Provider
from infra.contract import PROJECT
from infra.config.stack_files import stack_values
from support.redis_server import free_port
from support.stack_harness import StackRun, run_stack

SESSION = secrets.token_hex(4)
LABEL = ("com.profwise.test-session", SESSION)
PINNED = stack_values("dev")[f"{PROJECT}:docker"]["image"]
REPORT: list[str] = []


@dataclass(frozen=True)
class RedisImage:
    id: str
    description: str


@pytest.fixture(scope="session")
def docker_session() -> Iterator[docker_engine.Engine]:
    try:
        engine = docker_engine.start_session()
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    REPORT.append(engine.describe())
    try:
        yield engine
    finally:
        try:
            docker_engine.remove_labelled(engine.client, LABEL)
        finally:
            if engine.daemon is not None:
                engine.daemon.stop()
                REPORT.append("private dockerd stopped")


def _pull(client: docker.DockerClient, reference: str) -> bool:
    try:
        client.images.pull(reference)
    except docker.errors.APIError:  # no registry reachable (the usual case here)
        return False
    return True


@pytest.fixture(scope="session")
def redis_image(docker_session: docker_engine.Engine) -> Iterator[RedisImage]:
    client = docker_session.client
    pulled = False
    try:
        image = RedisImage(client.images.get(PINNED).id, f"the pinned {PINNED}, already in the engine")
    except docker.errors.ImageNotFound:
        pulled = _pull(client, PINNED)
        if pulled:
            image = RedisImage(client.images.get(PINNED).id, f"the pinned {PINNED}, pulled for this session")
        else:
            built = standin_image.import_standin(client, f"profwise-redis-test/standin:{SESSION}", LABEL)
            image = RedisImage(built.image_id, f"{built.describe()} — the pinned {PINNED} is not in the engine and "
                                               "cannot be pulled")
    REPORT.append(f"image: {image.description}")
    yield image
    if pulled:  # removed only when no container uses it any more (force=False)
        client.images.remove(PINNED, force=False)


@pytest.fixture(scope="session")
def provider(docker_session: docker_engine.Engine, redis_image: RedisImage) -> Provider:
    return Provider(docker_session.client, redis_image.id, LABEL)


@dataclass
class Deployed:
    run: StackRun
    deployment: Deployment
    port: int
    password: str
    run_overrides: dict[str, Any]  # what run_stack("dev") was given, to evaluate the same stack again
    run_secrets: dict[str, str]

    @property
    def container_id(self) -> str:
        return self.deployment.container_id

    def client(self, password: str | None = None, **kwargs: Any) -> redis.Redis:
        """A client of the published port; no retries (redis-py retries AuthenticationError, a ConnectionError)."""
        kwargs.setdefault("socket_timeout", 10)
        return redis.Redis(port=self.port, password=password, retry=Retry(NoBackoff(), 0), **kwargs)


def stack_overrides(names: str, port: int, **extra: Any) -> dict[str, Any]:
    """The dev stack file's own `docker` object with this test's names and host port."""
    stack_docker = stack_values("dev")[f"{PROJECT}:docker"]
    docker_keys = {**stack_docker, "containerName": f"{names}-redis", "volumeName": f"{names}-data",
                   "networkName": f"{names}-net", "hostPort": port}
    return {"docker": docker_keys, **extra}


def password_overrides(password: str) -> tuple[dict[str, Any], dict[str, str]]:
    """(overrides, secrets) that give the stack a chosen password, as `pulumi config set --secret password` does."""
    return {"password": {"secure": "v1:stand-in"}}, {f"{PROJECT}:password": password}


@pytest.fixture(scope="module")
def deployer(provider: Provider, docker_session: docker_engine.Engine) -> Iterator[Callable[..., Deployed]]:
    """`deploy(password=None)`: the dev stack, applied with this module's own names and a free host port."""
    created: list[Deployment] = []

    def deploy(password: str | None = None) -> Deployed:
        names, port = f"pwtest-{SESSION}-{len(created)}", free_port()
        extra, stack_secrets = password_overrides(password) if password else ({}, {})
        overrides = stack_overrides(names, port, **extra)
        run = run_stack("dev", overrides=overrides, secrets=stack_secrets)
        deployment = provider.apply(run)
        created.append(deployment)
        return Deployed(run, deployment, port, run.outputs["password"], overrides, stack_secrets)

    yield deploy
    client = docker_session.client
    for deployment in created:
        for container in client.containers.list(all=True, filters={"volume": deployment.volume_name}):
            container.remove(force=True)
        client.volumes.get(deployment.volume_name).remove(force=True)
        client.networks.get(deployment.network_id).remove()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if REPORT:
        terminalreporter.section("docker engine tests")
        for line in REPORT:
            terminalreporter.write_line(line)
