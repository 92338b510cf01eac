"""The deploy hook's view of the `azure` backend: which resource carries the endpoint, and what it reports.

The hook is attached to the Database (created last: once it exists, so do the cluster, the key and the private
endpoint). A Database reports its port and its ARM id, whose path names the cluster; it does not report the host name,
which is the cluster's (`<cluster>.<region>.redis.azure.net`). The id alone cannot give the region, so the host comes
from the program's known values (the cluster's `hostName`, which does not depend on the Database). Also the extra
output keys this backend exports. Standard library only: the hook and the CLI import this without the provider.
"""

from __future__ import annotations

import re
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

_DATABASE_ID_RE = re.compile(r"/subscriptions/[^/]+/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Cache/"
                             r"redisEnterprise/(?P<cluster>[^/]+)/databases/(?P<database>[^/]+)", re.IGNORECASE)


def database(id_: str, outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Contract values the hooked Database reports: its port (numbers arrive as floats over protobuf) and, from its
    id, the cluster and resource group. `hostName` is read too, for a hook placed on the cluster itself."""
    found: dict[str, Any] = {"port": int(outputs.get("port") or PORT)}
    match = _DATABASE_ID_RE.fullmatch(str(outputs.get("id") or id_ or ""))
    if match:
        found[CLUSTER_NAME] = match["cluster"]
        found[RESOURCE_GROUP] = match["rg"]
    if outputs.get("hostName"):
        found["host"] = str(outputs["hostName"])
    return found
