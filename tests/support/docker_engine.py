"""The Docker engine the engine tests run on: chosen once per test session, started privately when there is none.

In order (`choose`): the engine `PROFWISE_TEST_DOCKER_HOST` names; else the one `docker info` reaches (your
DOCKER_HOST or current context), if it is on this machine — the tests reach containers only through ports published
on 127.0.0.1; else, as root with `dockerd` installed (`make test` installs Debian's docker.io in CI), a private
`dockerd` for this session alone, stopped when the session ends, whether the tests passed or failed. There is no skip:
with none of these the tests fail with the fix.

The private daemon: tests/support/private_dockerd.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from urllib.parse import urlparse

import docker

from support.private_dockerd import PrivateDaemon, dockerd_binary

ENV = "PROFWISE_TEST_DOCKER_HOST"
FIX = (f"the engine tests need a Docker engine on this machine: start Docker (`docker info` must succeed), or set "
       f"{ENV}=unix:///path/to/docker.sock, or run `make test` as root on Debian/Ubuntu (it installs docker.io and "
       "the tests start a private dockerd)")


@dataclass(frozen=True)
class Choice:
    url: str | None  # None: start a private daemon
    origin: str


def is_local(url: str) -> bool:
    """Whether ports the engine publishes on 127.0.0.1 are this machine's: a socket, or TCP to loopback."""
    parsed = urlparse(url)
    if parsed.scheme in ("unix", "npipe"):
        return True
    return parsed.scheme in ("tcp", "http", "https") and parsed.hostname in ("localhost", "127.0.0.1", "::1")


def choose(explicit: str | None, ambient: str | None, can_start: bool) -> Choice:
    """Pure: which engine this session uses, or RuntimeError with the fix."""
    if explicit:
        return Choice(explicit, f"{ENV}")
    if ambient and is_local(ambient):
        return Choice(ambient, "the engine `docker info` reaches")
    if can_start:
        note = f" (the engine `docker info` reaches, {ambient}, is not on this machine)" if ambient else ""
        return Choice(None, "a private dockerd started for this test session" + note)
    raise RuntimeError(FIX + (f"; {ambient} is not on this machine" if ambient else ""))


def ambient_endpoint() -> str | None:
    """The endpoint of the engine `docker info` reaches, or None (no docker CLI, or no engine answers)."""
    cli = shutil.which("docker")
    if not cli:
        return None
    try:
        if subprocess.run([cli, "info"], capture_output=True, timeout=20).returncode != 0:
            return None
        host = subprocess.run([cli, "context", "inspect", "--format", "{{.Endpoints.docker.Host}}"],
                              capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return None
    return host.stdout.strip() or None if host.returncode == 0 else None


@dataclass
class Engine:
    client: docker.DockerClient
    url: str
    origin: str
    daemon: PrivateDaemon | None

    def describe(self) -> str:
        version = self.client.version().get("Version", "?")
        return f"Docker engine {version} at {self.url}: {self.origin}"


def connect(choice: Choice) -> Engine:
    if choice.url is not None:
        try:  # version "auto" asks the engine at once
            if choice.url == os.environ.get("DOCKER_HOST"):  # the user's own, with its TLS settings if any
                client = docker.from_env(version="auto", timeout=120)
            else:
                client = docker.DockerClient(base_url=choice.url, version="auto", timeout=120)
            client.ping()
        except Exception as error:  # noqa: BLE001 — reported with the fix
            raise RuntimeError(f"{choice.origin} ({choice.url}) does not answer: {error}; {FIX}") from None
        return Engine(client, choice.url, choice.origin, None)
    binary = dockerd_binary()
    assert binary is not None
    daemon = PrivateDaemon(binary).start()
    return Engine(docker.DockerClient(base_url=daemon.url, version="auto", timeout=120), daemon.url, choice.origin,
                  daemon)


def start_session() -> Engine:
    explicit = os.environ.get(ENV)
    ambient = None if explicit else ambient_endpoint()
    return connect(choose(explicit, ambient, can_start=os.geteuid() == 0 and dockerd_binary() is not None))


def remove_labelled(client: docker.DockerClient, label: tuple[str, str]) -> None:
    """What this session created and a test left behind: containers, then networks and volumes, then images."""
    selector = {"label": f"{label[0]}={label[1]}"}
    for container in client.containers.list(all=True, filters=selector):
        container.remove(force=True, v=False)
    for network in client.networks.list(filters=selector):
        network.remove()
    for volume in client.volumes.list(filters=selector):
        volume.remove(force=True)
    for image in client.images.list(filters=selector):
        client.images.remove(image.id, force=False)
