"""Whether `restore` may load a backup by replication (`infra.ops.restore_sync`), and where the target is to connect.

The fast path is only for a target that is a plaintext, standalone primary with no replicas of its own, no keys and
no function libraries (a full sync empties the whole dataset first — nothing of the app's can be there to lose), and
only when the tool has an address the target can reach:
- `--via-replication ADDR`: that IP address of this machine (bound as given: never a wildcard);
- by default (`auto`), only when the target's host is loopback (a server on this machine, natively or in a container
  whose port is published there). The address is the one the target itself sees the tool's connection come from
  (`CLIENT INFO` `addr=`): 127.0.0.1 for a native server; for a Docker container, the bridge network's gateway, the
  only address of the host the container can reach (docker-proxy or the NAT rule connects from there). It must be an
  address of this machine (it is bound to prove it); when CLIENT is disabled, 127.0.0.1.
The target's own address (`laddr=`, for a container its bridge IP) is the only peer the listener accepts.
TLS: a replica connects to its master with TLS only with `tls-replication yes`, and then needs a certificate it trusts
for this tool; without it the data would cross in plaintext what the operator chose to encrypt. So TLS targets keep
the RESTORE path. Every refusal is one line, said in the plan, and the RESTORE path runs instead.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any

import redis

AUTO, OFF = "auto", "off"


@dataclass(frozen=True)
class Route:
    listen: str  # the address the tool listens on, and that REPLICAOF names
    peer: str | None  # the only address a connection is accepted from (None: not known)
    how: str  # how `listen` was chosen, for the plan


def parse_address(text: str) -> str:
    """`--via-replication ADDR`: an IP literal of this machine, never a wildcard (0.0.0.0 / ::)."""
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        raise ValueError(f"{text!r} is not an IP address (the tool binds it and the target connects to it: give an "
                         "address of this machine the target can reach, e.g. a Docker network's gateway)") from None
    if address.is_unspecified or address.is_multicast:
        raise ValueError(f"{text} would listen on every interface (or none): give one address of this machine")
    return str(address)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_local(address: str) -> bool:
    """Whether this machine has `address` (binding it, on a port of the kernel's choice, is the proof)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.bind((address, 0))
        return True
    except OSError:
        return False


def client_addresses(client: redis.Redis) -> tuple[str | None, str | None]:
    """(the tool's address as the target sees it, the target's own address) from CLIENT INFO; (None, None) when the
    command is disabled or refused (it is optional: REQUIRED_COMMANDS does not hold it)."""
    try:
        line = client.execute_command("CLIENT", "INFO")
    except redis.ResponseError:
        return None, None
    text = line.decode(errors="replace") if isinstance(line, bytes) else str(line)
    fields = dict(part.split("=", 1) for part in text.split() if "=" in part)
    return _host_of(fields.get("addr")), _host_of(fields.get("laddr"))


def _host_of(endpoint: str | None) -> str | None:
    """The IP of Redis's `ip:port` (IPv6 as `[ip]:port`)."""
    if not endpoint or ":" not in endpoint:
        return None
    host = endpoint.rsplit(":", 1)[0].strip("[]")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None  # a unix socket path


def choose(target: Any, client: redis.Redis, info: dict[str, Any], choice: str) -> Route | str:
    """The route of the fast path, or why it is not taken (one line). `info` is the pre-flight INFO."""
    if choice == OFF:
        return "--no-replication"
    if target.tls:
        return ("the target uses TLS: a replica sends its link in plaintext unless the server has tls-replication on "
                "(and then it must trust this tool's certificate), so the fast path is for plaintext targets")
    if int(info.get("connected_slaves", 0) or 0):
        return "the target has replicas of its own (a full sync would make them resync too)"
    if client.execute_command("FUNCTION", "LIST"):
        return "the target holds function libraries, which a full sync would replace"
    seen, own = client_addresses(client)
    if choice != AUTO:
        return Route(choice, own, "--via-replication")
    if not is_loopback(target.host):
        return (f"the target ({target.host}) is not on this machine: pass --via-replication ADDR (an address of this "
                "machine it can reach) to load by replication")
    if seen is None:
        return Route("127.0.0.1", own, "loopback (CLIENT INFO unavailable)")
    if not is_local(seen):
        return (f"the target sees this tool at {seen}, which is not an address of this machine (NAT, a VM): pass "
                "--via-replication ADDR with one it can reach")
    return Route(seen, own, "the address the target sees this tool at")
