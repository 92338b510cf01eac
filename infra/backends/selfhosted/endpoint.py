"""The deploy hook's view of the server's container: the app's address on the joined network, and the CA the
container serves (the `ca.crt` upload), so the hook verifies TLS against it. Stdlib only."""

from __future__ import annotations

from typing import Any, Mapping

from infra import contract

CA_FILE = "/usr/local/etc/redis/tls/ca.crt"  # infra.config.redis_tls.CA_FILE (not imported: stdlib only here)
NETWORK_ALIAS = "redis"


def container(id_: str, outputs: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {contract.HOST: NETWORK_ALIAS, contract.PORT: contract.DEFAULT_PORT}
    for upload in outputs.get("uploads") or []:
        if isinstance(upload, Mapping) and upload.get("file") == CA_FILE and upload.get("content"):
            found[contract.CA_CERTIFICATE] = upload["content"]
    return found
