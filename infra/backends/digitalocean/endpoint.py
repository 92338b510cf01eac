"""The deploy hook's reader: the contract values a hooked DigitalOcean resource reports in its own outputs.

A resource hook sees only the hooked resource's outputs (infra/verify/hook.py). The cluster reports its private host
name and port (numbers arrive as floats, protobuf's only number); the Valkey config, where the hook is attached
because it is the last step, reports only the cluster it configures. Pure: tests call these directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra.backends.digitalocean import CLUSTER_TYPE, VALKEY_CONFIG_TYPE  # noqa: F401 — re-exported


def cluster(id_: str, outputs: Mapping[str, Any]) -> dict[str, Any]:
    """REDIS_HOST is the private host: the backend reaches the cluster inside its VPC, never over the internet."""
    found = {"host": outputs.get("privateHost"), "port": int(outputs["port"]) if outputs.get("port") else None,
             "cluster_id": id_ or None}
    return {key: value for key, value in found.items() if value}


def valkey_config(id_: str, outputs: Mapping[str, Any]) -> dict[str, Any]:
    cluster_id = outputs.get("clusterId")
    return {"cluster_id": cluster_id} if cluster_id else {}
