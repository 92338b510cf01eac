"""The deploy hook's view of the container: where a client on this machine reaches the port it publishes.

Stdlib only: the hook reads the container's own outputs (`ports[0]`), and `DockerSettings` uses `client_host` for
the `host` output, so both say the same address.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Mapping

from infra import contract


def client_host(address: str) -> str:
    """Where a client on this machine connects to a port published on `address`: that address, or loopback when it
    is published on every interface (0.0.0.0, ::), which is no address a client can dial."""
    ip = ipaddress.ip_address(address)
    if ip.is_unspecified:
        return "127.0.0.1" if ip.version == 4 else "::1"
    return str(ip)


def container(id_: str, outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Host and port of the container's published port (numbers arrive as floats, protobuf's only number)."""
    if not outputs.get("ports"):
        return {}
    published = outputs["ports"][0]
    return {contract.HOST: client_host(published.get("ip") or "127.0.0.1"),
            contract.PORT: int(published.get("external") or published["internal"])}
