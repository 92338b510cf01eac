"""The memorystore backend's stack outputs beyond the shared contract (`infra.contract`), the Pulumi type token its
endpoint lives on, and `ca_bundle`. No Pulumi, no pydantic: the deploy hook, the mocks, the tests import it cheaply."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra.contract import CA_CERTIFICATE, READER_HOST, REGION  # noqa: F401 — shared keys, re-exported

INSTANCE_TYPE = "gcp:redis/instance:Instance"

# CA_CERTIFICATE: the PEM bundle of the instance's server CAs (public; clients and `verify` must trust it).
# READER_HOST: the read endpoint (read replicas); "" without them.
INSTANCE_ID = "instance_id"
READER_PORT = "reader_port"
REDIS_CONFIGS = "redis_configs"  # exactly the redisConfigs the instance was given (non-secret)


def ca_bundle(certs: Any) -> str:
    """Every server CA the instance lists, as one PEM bundle: during a CA rotation there are two, and a client
    must trust both (the old one still signs until it expires)."""
    pems = [(c.get("cert") if isinstance(c, Mapping) else getattr(c, "cert", None)) for c in certs or []]
    return "".join(pem if pem.endswith("\n") else pem + "\n" for pem in pems if pem)
