"""The ops tools' way to a Redis that listens only on a server's Docker network: an SSH tunnel (`ssh -L`).

A bottom module (stdlib only). The `ssh_tunnel` output (`infra.contract.SSH_TUNNEL`) says which engine, ssh options,
container, network and port; the container's address on that network is read when the tunnel opens — it changes
when the container is replaced or the server reboots — by asking the engine itself over the same SSH connection the
pulumi-docker provider uses (`ssh … docker system dial-stdio`, one HTTP request to `/containers/<name>/json`), so it
works with an account, or a key whose forced command only dials the engine. Then the system `ssh -N -L` forwards a
free local port to it (the operator's ssh config, agent and known hosts apply; `BatchMode` so it never prompts,
`ExitOnForwardFailure` so a refused forward fails at once). The server certificate names 127.0.0.1, so TLS verifies
through the tunnel. Why not a library (sshtunnel, asyncssh): the system ssh is what the provider uses too, with the
same options, and needs no new dependency.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlsplit

from infra import contract

SSH = "ssh"
OPEN_TIMEOUT = 20.0  # seconds for ssh to log in and start listening (a slow server's first connection)
LOOKUP_TIMEOUT = 30.0  # seconds for the engine to answer the inspect (docker/cli's ConnectTimeout is 30 s too)
LOCAL_HOST = "127.0.0.1"
DIAL_STDIO = "docker {host}system dial-stdio"  # the remote command docker/cli's connhelper runs (as one string)


class TunnelError(RuntimeError):
    """The tunnel could not be opened; the message says what to check."""


@dataclass(frozen=True)
class TunnelSpec:
    engine: str
    ssh_opts: tuple[str, ...]
    container: str
    network: str
    port: int

    @classmethod
    def from_output(cls, value: Mapping[str, Any]) -> TunnelSpec:
        try:
            spec = cls(str(value["engine"]), tuple(str(o) for o in value.get("ssh_opts") or ()),
                       str(value["container"]), str(value["network"]), int(value["port"]))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"the {contract.SSH_TUNNEL} output is incomplete ({error}): redeploy the stack") from None
        if urlsplit(spec.engine).scheme != "ssh":
            raise ValueError(f"{contract.SSH_TUNNEL}.engine must be an ssh:// address, not {spec.engine!r}")
        return spec

    def ssh_args(self) -> list[str]:
        """Everything before the remote command, as docker/cli's connhelper orders it."""
        url = urlsplit(self.engine)
        args = [SSH, *self.ssh_opts, "-o", "BatchMode=yes"]
        if url.username:
            args += ["-l", url.username]
        if url.port:
            args += ["-p", str(url.port)]
        return [*args, "--", url.hostname or ""]

    def dial_command(self) -> list[str]:
        socket_path = urlsplit(self.engine).path
        host = f"--host=unix://{socket_path} " if socket_path else ""
        return [*self.ssh_args(), DIAL_STDIO.format(host=host)]


def container_address(spec: TunnelSpec, timeout: float = LOOKUP_TIMEOUT) -> str:
    """The container's IP address on `spec.network`, as the server's engine reports it now."""
    request = f"GET /containers/{spec.container}/json HTTP/1.0\r\nHost: docker\r\n\r\n".encode()
    # stdin stays open until the answer is read: a half-closed connection may cancel the request in the engine.
    process = subprocess.Popen(spec.dial_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    try:
        assert process.stdin and process.stdout and process.stderr
        with contextlib.suppress(BrokenPipeError):
            process.stdin.write(request)
            process.stdin.flush()
        out = process.stdout.read()  # HTTP/1.0: the engine closes the connection after its answer
        with contextlib.suppress(BrokenPipeError):
            process.stdin.close()
        err = process.stderr.read()
        process.wait()
    finally:
        timer.cancel()
    if process.returncode == -9 and not out:
        raise TunnelError(f"the engine at {spec.engine} did not answer within {timeout:g} s over ssh")
    head, _, body = out.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].decode(errors="replace")
    if not status.startswith("HTTP/") or " 200 " not in f"{status} ":
        reason = err.decode(errors="replace").strip().splitlines()[-1:] or [status or "no answer"]
        raise TunnelError(f"could not inspect container {spec.container!r} on {spec.engine}: {reason[0]}")
    networks = json.loads(body)["NetworkSettings"]["Networks"]
    address = (networks.get(spec.network) or {}).get("IPAddress")
    if not address:
        raise TunnelError(f"container {spec.container!r} is not on network {spec.network!r} (or not running): "
                          "run `pulumi up` for the stack")
    return str(address)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOCAL_HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class Tunnel:
    process: subprocess.Popen[bytes]
    local_port: int
    remote: str

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def open_tunnel(spec: TunnelSpec, timeout: float = OPEN_TIMEOUT) -> Tunnel:
    remote = container_address(spec)
    port = _free_port()
    forward = ["-N", "-o", "ExitOnForwardFailure=yes", "-L", f"{LOCAL_HOST}:{port}:{remote}:{spec.port}"]
    args = spec.ssh_args()
    process = subprocess.Popen([*args[:-2], *forward, *args[-2:]], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            reason = (process.stderr.read() if process.stderr else b"").decode(errors="replace").strip()
            raise TunnelError(f"ssh to {spec.engine} exited ({process.returncode}): {reason or 'no message'}")
        with contextlib.suppress(OSError), socket.create_connection((LOCAL_HOST, port), timeout=1):
            return Tunnel(process, port, f"{remote}:{spec.port}")
        time.sleep(0.1)
    Tunnel(process, port, remote).close()
    raise TunnelError(f"ssh to {spec.engine} did not open the tunnel within {timeout:g} s")


def through(outputs: Mapping[str, Any], tunnel: Tunnel) -> dict[str, Any]:
    """The outputs as a tool sees them with the tunnel open: Redis at the tunnel's local end."""
    return {**outputs, contract.HOST: LOCAL_HOST, contract.PORT: tunnel.local_port}


@contextlib.contextmanager
def reach(outputs: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The outputs unchanged when Redis needs no tunnel; else rewritten to the local end of one, open until exit."""
    value = outputs.get(contract.SSH_TUNNEL)
    if not value:
        yield dict(outputs)
        return
    tunnel = open_tunnel(TunnelSpec.from_output(value))
    try:
        yield through(outputs, tunnel)
    finally:
        tunnel.close()
