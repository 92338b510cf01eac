"""The remote Docker engine of the `selfhosted` backend: its address, as the pulumi-docker provider dials it, and the
environment variables that would make the provider dial something else.

Pure and stdlib only. `parse_host` accepts exactly what the provider can use safely for a server: `ssh://user@host
[:port][/abs/socket/path]` (docker/cli's connhelper runs `ssh … -- host docker [--host=unix://<path>] system
dial-stdio`; it refuses passwords, queries and fragments itself) or `tcp://host:port` with a client-certificate
directory (`certPath`: ca.pem, cert.pem, key.pem — without a CA the provider skips verifying the engine). Everything
else (`unix://`, plain `tcp://`, `http://`) is refused: a server stack must never fall back to this machine's engine.
`ambient_problems` names the variables the provider reads when an argument is unset, and `DOCKER_CONTEXT`, which
overrides even an explicit `host` (terraform-provider-docker internal/provider/provider.go, `configure`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlsplit

SSH, TCP = "ssh", "tcp"
# A user and host name as OpenSSH takes them (no spaces, no option-looking leading '-').
_USER_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}")
_HOST_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}|\[[0-9A-Fa-f:.]+\]")
_SOCKET_RE = re.compile(r"(/[A-Za-z0-9_.-]+)+")
# Read by the provider from the engine's environment when the matching argument is unset; DOCKER_CONTEXT even
# replaces `host`. DOCKER_HOST is not here: the provider's `host` is always set explicitly, so it is never read.
AMBIENT = {
    "DOCKER_CONTEXT": "the provider would use that Docker context instead of selfhosted.host",
    "DOCKER_CERT_PATH": "the provider would build a TLS client from it, even for an ssh:// host",
    "DOCKER_CA_MATERIAL": "the provider would build a TLS client from it, even for an ssh:// host",
    "DOCKER_CERT_MATERIAL": "the provider would build a TLS client from it, even for an ssh:// host",
    "DOCKER_KEY_MATERIAL": "the provider would build a TLS client from it, even for an ssh:// host",
    "DOCKER_SSH_OPTS": "the provider would add those ssh options to selfhosted.sshOpts",
}


@dataclass(frozen=True)
class EngineAddress:
    scheme: str  # "ssh" or "tcp"
    host: str
    port: int | None
    user: str | None = None
    socket: str | None = None  # ssh:// only: the engine's socket on the server, when not /var/run/docker.sock

    @property
    def ssh_destination(self) -> str:
        return f"{self.user}@{self.host}" if self.user else self.host


def parse_host(url: str) -> EngineAddress:
    """`ssh://deploy@server:22/run/docker.sock` or `tcp://server:2376` -> EngineAddress; ValueError with the fix."""
    example = "ssh://deploy@app-server.example.com (or ssh://deploy@10.0.0.5:2222)"
    parts = urlsplit(url)
    if parts.scheme not in (SSH, TCP):
        raise ValueError(f"{url!r} is not a remote engine: use {example}, or tcp://host:2376 with certPath; a server "
                         "stack never uses this machine's engine (unix://) nor an unencrypted tcp:// one")
    if parts.query or parts.fragment or parts.password is not None:
        raise ValueError(f"{url!r}: no password, query or fragment in the engine address (ssh keys authenticate); "
                         f"use {example}")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{url!r} has an invalid port; use {example}") from None
    host = parts.hostname or ""
    shown_host = parts.netloc.rpartition("@")[2].rsplit(":", 1)[0] if port else parts.netloc.rpartition("@")[2]
    if not host or not _HOST_RE.fullmatch(shown_host):
        raise ValueError(f"{url!r} names no valid host; use {example}")
    if parts.scheme == TCP:
        if parts.username or parts.path not in ("", "/") or port is None:
            raise ValueError(f"{url!r}: a tcp:// engine is tcp://host:port (e.g. tcp://app-server.example.com:2376)")
        return EngineAddress(TCP, host, port)
    if not parts.username or not _USER_RE.fullmatch(parts.username):
        raise ValueError(f"{url!r} names no ssh user: use {example}")
    socket = parts.path or None
    if socket is not None and not _SOCKET_RE.fullmatch(socket):
        raise ValueError(f"{url!r}: the path after the host must be the engine's socket on the server, e.g. "
                         "/var/run/docker.sock")
    return EngineAddress(SSH, host, port, parts.username, socket)


def ambient_problems(environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """(variable, why) for every set variable that would change which engine the provider reaches, or how."""
    return [(name, why) for name, why in AMBIENT.items() if environ.get(name)]
