"""The memorystore backend's stack outputs beyond the shared contract (`infra.contract`), the Pulumi type token its
endpoint lives on, and `ca_bundle`. Stdlib only: the deploy hook, the mocks and the tests import these cheaply."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

INSTANCE_TYPE = "gcp:redis/instance:Instance"

CA_CERTIFICATE = "ca_certificate"  # PEM bundle of the instance's server CAs (public; clients must trust it)
INSTANCE_ID = "instance_id"
REGION = "region"
READER_HOST = "reader_host"  # the read endpoint (read replicas); "" without them
READER_PORT = "reader_port"
REDIS_CONFIGS = "redis_configs"  # exactly the redisConfigs the instance was given (non-secret)


def ca_bundle(certs: Any) -> str:
    """Every server CA the instance lists, as one PEM bundle: during a CA rotation there are two, and a client
    must trust both (the old one still signs until it expires)."""
    pems = [(c.get("cert") if isinstance(c, Mapping) else getattr(c, "cert", None)) for c in certs or []]
    return "".join(pem if pem.endswith("\n") else pem + "\n" for pem in pems if pem)
