"""`AzureManagedRedis`: the guide's "Azure Cache for Redis" option on its successor, Azure Managed Redis, with the
same output contract as the docker and elasticache backends.

Creates the cluster (Microsoft.Cache/redisEnterprise: the SKU, high availability, minimum TLS 1.2, public network
access disabled, a customer-managed key when configured, tags), its one database (TLS-only client protocol on port
10000, the clustering policy, the eviction policy and persistence rendered from the Redis settings model, access keys
enabled, deferred major upgrades) and a private endpoint in an existing subnet. The password is the database's
primary access key, read back through the provider's listDatabaseKeys function: the provider does not mark that
result secret, so it is wrapped in `Output.secret` at once. Both the cluster and the database are `protect`ed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import pulumi
from pulumi_azure_native import redisenterprise

from infra.backends.azure import database_config, endpoint, private_endpoint, values
from infra.backends.azure.settings import AzureSettings
from infra.contract import PROJECT
from infra.config.redis import RedisSettings


@dataclass(frozen=True)
class AzureManagedRedisArgs:
    azure: AzureSettings
    redis: RedisSettings
    # Post-deploy verification: on the private endpoint (its DNS zone group when there is one), created after the
    # database, since a client reaches the database only through it.
    hooks: pulumi.ResourceHookBinding | None = None


class AzureManagedRedis(pulumi.ComponentResource):
    backend = "azure"
    tls = True

    def __init__(self, name: str, args: AzureManagedRedisArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("profwise:redis:AzureManagedRedis", name, None, opts)
        az = args.azure
        assert az.resource_group_name and az.location and az.subnet_id, "rules.problems() requires them"
        stack = pulumi.get_stack()
        cluster_name = az.cluster_name or values.default_cluster_name(stack)
        tags = values.resource_tags(PROJECT, stack, az.tags)
        cmk = az.customer_managed_key

        self.cluster = redisenterprise.RedisEnterprise(
            f"{name}-cluster",
            cluster_name=cluster_name,
            resource_group_name=az.resource_group_name,
            location=az.location,
            sku={"name": az.sku},
            high_availability="Enabled" if az.high_availability else "Disabled",
            minimum_tls_version="1.2",
            # Required by API 2025-07-01 (older versions had no such property and defaulted to public access).
            public_network_access="Disabled",
            identity={"type": "UserAssigned", "user_assigned_identities": [cmk.identity_id]} if cmk else None,
            encryption={"customer_managed_key_encryption": {
                "key_encryption_key_url": cmk.key_url,
                "key_encryption_key_identity": {"identity_type": "userAssignedIdentity",
                                                "user_assigned_identity_resource_id": cmk.identity_id},
            }} if cmk else None,
            tags=tags,
            # protect: a destroy or a replacing change cannot delete the cache by accident.
            opts=pulumi.ResourceOptions(parent=self, protect=True),
        )
        self.database = redisenterprise.Database(
            f"{name}-database",
            cluster_name=self.cluster.name,
            resource_group_name=az.resource_group_name,
            database_name=database_config.DATABASE_NAME,
            **database_config.database_args(args.redis, az),
            opts=pulumi.ResourceOptions(parent=self, protect=True),
        )
        self.private_endpoint = private_endpoint.create(
            name, self.cluster.id, az.subnet_id, az.resource_group_name, az.location, az.private_dns_zone_id, tags,
            self, after=self.database, hooks=args.hooks)
        keys = redisenterprise.list_database_keys_output(
            cluster_name=self.cluster.name, database_name=self.database.name,
            resource_group_name=az.resource_group_name, opts=pulumi.InvokeOutputOptions(parent=self))
        self.password: pulumi.Output[str] = pulumi.Output.secret(keys.primary_key)
        self.host: pulumi.Output[str] = self.cluster.host_name
        self.port: pulumi.Output[int] = self.database.port.apply(lambda port: int(port or database_config.PORT))
        self.settings = database_config.effective_settings(args.redis, az)
        self._extra: dict[str, pulumi.Input[Any]] = {
            endpoint.CLUSTER_NAME: self.cluster.name,
            endpoint.RESOURCE_GROUP: az.resource_group_name,
            endpoint.LOCATION: az.location,
            endpoint.CLUSTER_ID: self.cluster.id,
            endpoint.PRIVATE_ENDPOINT_ID: self.private_endpoint.id,
            endpoint.REDIS_VERSION: self.cluster.redis_version,
        }
        self.register_outputs({"host": self.host, "port": self.port, "password": self.password, **self._extra})

    def extra_outputs(self) -> Mapping[str, pulumi.Input[Any]]:
        return self._extra


def build(name: str, settings: Any, hooks: pulumi.ResourceHookBinding | None = None) -> AzureManagedRedis:
    """The registry's entry point: `settings` is the validated stack settings (its `azure` and `redis` sections)."""
    return AzureManagedRedis(name, AzureManagedRedisArgs(azure=settings.azure, redis=settings.redis, hooks=hooks))
