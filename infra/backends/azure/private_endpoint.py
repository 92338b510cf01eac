"""The cache's only way in: a private endpoint in an existing subnet, optionally registered in an existing
privatelink.redis.azure.net zone so `<name>.<region>.redis.azure.net` resolves to its private address.

`pulumi_azure_native.network` is imported here, inside the function, not at module top: its generated inputs and
outputs are ~3.7 MB of Python and cost 1.5-1.9 s to import on this machine (redisenterprise: 0.1-0.16 s), so nothing
that only reads this backend's settings or outputs pays for it. Arguments are plain dicts (the SDK's `...ArgsDict`
shapes), so the classes of that module are never needed outside this call.
"""

from __future__ import annotations

from typing import Any

import pulumi

# Private Link sub-resource (group id) of Microsoft.Cache/redisEnterprise ("Azure Managed Redis with Azure Private
# Link", the CLI example: --group-ids "redisEnterprise").
GROUP_ID = "redisEnterprise"


def create(name: str, cluster_id: pulumi.Input[str], subnet_id: str, resource_group: str, location: str,
           dns_zone_id: str | None, tags: dict[str, str], parent: pulumi.Resource, after: pulumi.Resource,
           hooks: pulumi.ResourceHookBinding | None = None) -> Any:
    """The endpoint (created `after` the database) and, with a zone, its DNS registration; `hooks` go on the last
    of them: once it exists, a client in the VNet reaches the database by its host name, so that is the moment to
    verify — and every value the hook expects (host, port, the key) comes from resources created before it."""
    from pulumi_azure_native.network import private_dns_zone_group, private_endpoint

    endpoint = private_endpoint.PrivateEndpoint(
        f"{name}-endpoint",
        resource_group_name=resource_group,
        location=location,
        private_endpoint_name=f"{name}-redis-pe",
        subnet={"id": subnet_id},
        private_link_service_connections=[{
            "name": f"{name}-redis",
            "private_link_service_id": cluster_id,
            "group_ids": [GROUP_ID],
        }],
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[after], hooks=None if dns_zone_id else hooks),
    )
    if dns_zone_id:
        private_dns_zone_group.PrivateDnsZoneGroup(
            f"{name}-dns",
            resource_group_name=resource_group,
            private_endpoint_name=endpoint.name,
            private_dns_zone_group_name="default",
            private_dns_zone_configs=[{"name": "privatelink-redis-azure-net", "private_dns_zone_id": dns_zone_id}],
            opts=pulumi.ResourceOptions(parent=parent, hooks=hooks),
        )
    return endpoint
