"""The deploy hook's reader: the contract values the hooked DigitalOcean resource reports in its own outputs.

A resource hook sees only the hooked resource's outputs (infra/verify/hook.py). The hook sits on the Valkey config,
the last step, which reports only the cluster it configures; host and port are the component's, from the cluster
(the spec's empty `hooked_resource_reports`). Pure: tests call it directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra.backends.digitalocean import CLUSTER_TYPE, VALKEY_CONFIG_TYPE  # noqa: F401 — re-exported


def valkey_config(id_: str, outputs: Mapping[str, Any]) -> dict[str, Any]:
    cluster_id = outputs.get("clusterId")
    return {"cluster_id": cluster_id} if cluster_id else {}
