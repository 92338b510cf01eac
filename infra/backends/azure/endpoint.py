"""The deploy hook's view of the `azure` backend: which resources it sits on, and what they report.

The hook sits on the private endpoint, or on its DNS zone group when the stack registers one: created after the
database, it is the moment a client in the VNet can reach the database by its host name. Neither reports any contract
value (the spec's `hooked_resource_reports` is empty), so host (the cluster's `hostName`), port (the database's) and
password (the listed key) come from the component — all from resources created before the hooked one, so the hook's
bounded wait never waits on itself. Also the extra output keys this backend exports. Standard library only: the hook
and the CLI import this without the provider.
"""

from __future__ import annotations

from typing import Any, Mapping

CLUSTER_TYPE = "azure-native:redisenterprise:RedisEnterprise"
DATABASE_TYPE = "azure-native:redisenterprise:Database"
PRIVATE_ENDPOINT_TYPE = "azure-native:network:PrivateEndpoint"
DNS_ZONE_GROUP_TYPE = "azure-native:network:PrivateDnsZoneGroup"
LIST_KEYS_TOKEN = "azure-native:redisenterprise:listDatabaseKeys"
PORT = 10000

# Extra stack outputs of the azure backend (non-secret).
CLUSTER_NAME = "cluster_name"
RESOURCE_GROUP = "resource_group_name"
LOCATION = "location"
CLUSTER_ID = "cluster_id"
PRIVATE_ENDPOINT_ID = "private_endpoint_id"
REDIS_VERSION = "redis_version"


def private_link(id_: str, outputs: Mapping[str, Any]) -> dict[str, Any]:
    """What the hooked private endpoint or DNS zone group reports of the contract: nothing (its id is the
    endpoint's, not the database's); the component supplies the endpoint."""
    return {}
