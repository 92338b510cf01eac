"""Shared fixtures: the dev stack evaluated under the mock engine, real redis-server processes, test certificates,
and (from support.docker_fixtures) a real Docker engine with the dev stack's container applied to it.

The `integration` marker: `pytest -m "not integration"` is the fast loop, so every test that needs a real server,
an engine, moto or a subprocess must carry it (per module with `pytestmark`). Two guards keep that true: collection
fails for an unmarked test that uses one of INTEGRATION_FIXTURES, and an unmarked test that starts a subprocess
(redis-server, the CLI, a script) fails when it does.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import trustme

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support.docker_fixtures import (  # noqa: E402, F401 — the engine tests' fixtures and their terminal summary
    deployer,
    docker_session,
    provider,
    pytest_terminal_summary,
    redis_image,
)
from support.hook_support import recorder  # noqa: E402, F401 — records the program's hook for the hook tests
from infra.backends.docker import CONTAINER_TYPE  # noqa: E402
from support.redis_server import RedisServer, TLSFiles  # noqa: E402
from support.stack_harness import StackRun, run_stack, unwrap  # noqa: E402


INTEGRATION_FIXTURES = frozenset({"dev_server", "dev_servers", "moto_endpoint", "docker_session", "redis_image",
                                  "provider", "deployer"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    unmarked = sorted(item.nodeid for item in items if not item.get_closest_marker("integration")
                      and INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ())))
    if unmarked:
        raise pytest.UsageError("mark these integration (they use a server, engine or moto fixture): "
                                + ", ".join(unmarked))


@contextlib.contextmanager
def _no_subprocess(item: pytest.Item) -> Iterator[None]:
    """Unless `item` is marked integration, starting a subprocess (in the test, or in any fixture it sets up, of any
    scope) fails it."""
    if item.get_closest_marker("integration"):
        yield
        return
    original = subprocess.Popen.__init__

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"{item.nodeid} starts a subprocess: mark it (or its module) integration")

    subprocess.Popen.__init__ = refuse  # type: ignore[method-assign]
    try:
        yield
    finally:
        subprocess.Popen.__init__ = original  # type: ignore[method-assign]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    with _no_subprocess(item):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    with _no_subprocess(item):
        yield


@pytest.fixture(scope="module")
def dev_run() -> StackRun:
    return run_stack("dev")


@pytest.fixture
def dev_outputs(dev_run: StackRun) -> Callable[..., dict[str, Any]]:
    """`dev_outputs(port, password=None, **extra)`: the dev stack's outputs as `pulumi stack output --json
    --show-secrets` prints them (backend, host, tls, settings, and the url and app_env that carry the stack's own
    password), pointed at `port`, with `password` (default: the stack's) and any `extra` key replaced."""

    def build(port: int, password: str | None = None, **extra: Any) -> dict[str, Any]:
        stack_password = dev_run.outputs["password"]
        return {**dev_run.outputs, "port": port, "password": stack_password if password is None else password, **extra}

    return build


def container_boot(run: StackRun) -> tuple[str, list[str], str]:
    """(redis.conf content, command, password) exactly as the dev stack hands them to the container."""
    container = run.one(CONTAINER_TYPE)
    upload = unwrap(container.inputs["uploads"])[0]
    return upload["content"], unwrap(container.inputs["command"]), run.outputs["password"]


@pytest.fixture
def dev_server(dev_run: StackRun, tmp_path: Path) -> Iterator[tuple[RedisServer, str]]:
    """A real redis-server booted from the dev stack's container config; yields (server, password)."""
    conf, command, password = container_boot(dev_run)
    with RedisServer.from_container(conf, tmp_path / "redis", command) as server:
        yield server, password


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    directory = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    paths = TLSFiles(cert=directory / "server.pem", key=directory / "server.key", ca=directory / "ca.pem")
    cert.cert_chain_pems[0].write_to_path(str(paths.cert))
    cert.private_key_pem.write_to_path(str(paths.key))
    ca.cert_pem.write_to_path(str(paths.ca))
    return paths


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A real moto server over HTTP (boto3 is pointed at it with endpoint_url / AWS_ENDPOINT_URL)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """Dummy credentials, and nothing from the machine's own AWS configuration (no ~/.aws, no instance metadata)."""
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "eu-west-1",
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
           "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
           "AWS_EC2_METADATA_DISABLED": "true"}
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def dev_servers(dev_run: StackRun, tmp_path: Path) -> Iterator[tuple[Callable[..., RedisServer], str]]:
    """Start any number of real redis-servers from the dev container's config: yields (start(name, **kw), password);
    every server started is stopped afterwards."""
    conf, command, password = container_boot(dev_run)
    started: list[RedisServer] = []

    def start(name: str, **kwargs) -> RedisServer:
        server = RedisServer.from_container(conf, tmp_path / name, command, **kwargs).start()
        started.append(server)
        return server

    yield start, password
    for server in started:
        server.stop()
