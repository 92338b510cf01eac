"""What Azure computes for this backend's resources, for the mock engine: the outputs the program reads.

The mock engine echoes a resource's inputs back as its state; these add what only Azure would report (ids, the
cluster's host name and Redis version, the database's name, the access keys). Shapes follow the provider's outputs
(camelCase, as on the wire). The key is an obvious stand-in, never a real secret.
"""

from __future__ import annotations

from typing import Any

from infra.backends.azure import endpoint, values

MOCK_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
MOCK_PRIMARY_KEY = "Mock0Azure0Primary0Access0Key0With0Forty0Four0="
MOCK_SECONDARY_KEY = "Mock0Azure0Secondary0Access0Key0With0Forty0Four="
MOCK_REDIS_VERSION = "7.4"


def _arm_id(group: str, provider_path: str) -> str:
    return f"/subscriptions/{MOCK_SUBSCRIPTION}/resourceGroups/{group}/providers/{provider_path}"


def _cluster(args: Any) -> dict[str, Any]:
    name, group = args.inputs["clusterName"], args.inputs["resourceGroupName"]
    return {"name": name, "id": _arm_id(group, f"Microsoft.Cache/redisEnterprise/{name}"),
            "hostName": values.host_name(name, args.inputs["location"]), "redisVersion": MOCK_REDIS_VERSION,
            "provisioningState": "Succeeded", "resourceState": "Running", "kind": "v2",
            "redundancyMode": "ZR" if args.inputs.get("highAvailability") == "Enabled" else "None",
            **_identity(args.inputs.get("identity"))}


def _identity(identity: Any) -> dict[str, Any]:
    """ARM answers the identity ids the request listed as a map id -> {principalId, clientId} (the SDK's output type
    is that map, so an echoed list would not even deserialize)."""
    if not identity:
        return {}
    ids = identity.get("userAssignedIdentities") or []
    return {"identity": {"type": identity.get("type"), "userAssignedIdentities": {
        id_: {"principalId": MOCK_SUBSCRIPTION, "clientId": MOCK_SUBSCRIPTION} for id_ in ids}}}


def _database(args: Any) -> dict[str, Any]:
    cluster, group = args.inputs["clusterName"], args.inputs["resourceGroupName"]
    name = args.inputs.get("databaseName", "default")
    return {"name": name, "id": _arm_id(group, f"Microsoft.Cache/redisEnterprise/{cluster}/databases/{name}"),
            "port": args.inputs.get("port", endpoint.PORT), "provisioningState": "Succeeded",
            "resourceState": "Running", "redisVersion": MOCK_REDIS_VERSION}


def _private_endpoint(args: Any) -> dict[str, Any]:
    name, group = args.inputs["privateEndpointName"], args.inputs["resourceGroupName"]
    return {"name": name, "id": _arm_id(group, f"Microsoft.Network/privateEndpoints/{name}"),
            "provisioningState": "Succeeded"}


def _zone_group(args: Any) -> dict[str, Any]:
    return {"name": args.inputs.get("privateDnsZoneGroupName", "default"), "provisioningState": "Succeeded"}


OUTPUTS: dict[str, Any] = {
    endpoint.CLUSTER_TYPE: _cluster,
    endpoint.DATABASE_TYPE: _database,
    endpoint.PRIVATE_ENDPOINT_TYPE: _private_endpoint,
    endpoint.DNS_ZONE_GROUP_TYPE: _zone_group,
    endpoint.LIST_KEYS_TOKEN: {"primaryKey": MOCK_PRIMARY_KEY, "secondaryKey": MOCK_SECONDARY_KEY},
}
