"""`MemorystoreRedis`: a Google Cloud Memorystore for Redis instance with the other backends' output contract.

One `gcp.redis.Instance`: the Standard tier (a replica in another zone, automatic failover) with read replicas, a
Redis 7 version, AUTH on (the service generates the AUTH string; it comes back as the secret `password`), TLS with
server authentication (the provider's default is off) whose per-instance CA certificates are exported for clients,
private service access in an existing VPC, RDB snapshots, a weekly maintenance window, an optional customer-managed
key, the `redisConfigs` rendered from the Redis settings model, labels, and deletion protection twice over (the
provider's `deletionProtection` and Pulumi's `protect`). It exposes `backend`, `host`, `port`, `tls`, `password`,
`settings` and `extra_outputs()` like the other components, so nothing downstream branches on the backend.

pulumi-gcp is imported here only: the program imports this module for a memorystore stack alone, and only the
provider's `redis` module (not `compute`: the VPC is an existing network named by its full name).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

import pulumi
from pulumi_gcp import redis as gcp_redis

from infra.backends.memorystore import outputs as keys
from infra.backends.memorystore.outputs import ca_bundle
from infra.backends.memorystore import redis_configs, service
from infra.backends.memorystore.settings import MemorystoreSettings
from infra.config.errors import PROJECT
from infra.config.redis import RedisSettings

if TYPE_CHECKING:
    from infra.stack_settings import StackSettings

TYPE = "profwise:redis:MemorystoreRedis"


@dataclass(frozen=True)
class MemorystoreRedisArgs:
    memorystore: MemorystoreSettings
    redis: RedisSettings
    hooks: pulumi.ResourceHookBinding | None = None  # attached to the instance (post-deploy verification)


class MemorystoreRedis(pulumi.ComponentResource):
    backend = "memorystore"
    tls = True

    def __init__(self, name: str, args: MemorystoreRedisArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        ms = args.memorystore
        stack = pulumi.get_stack()
        instance_id = ms.instance_id or service.default_instance_id(stack)
        labels = {**ms.labels, "project": PROJECT, "stack": service.label_value(stack), "managed-by": "pulumi"}
        configs, _ = redis_configs.render(args.redis)
        window = ms.maintenance_window

        self.instance = gcp_redis.Instance(
            f"{name}-instance",
            name=instance_id,
            project=ms.project,
            region=ms.region,
            location_id=ms.location_id,
            alternative_location_id=ms.alternative_location_id,
            display_name=f"Profwise Redis cache ({stack})",
            tier=ms.tier,
            redis_version=ms.redis_version,
            memory_size_gb=ms.memory_size_gb,
            read_replicas_mode="READ_REPLICAS_ENABLED" if ms.read_replicas else "READ_REPLICAS_DISABLED",
            replica_count=ms.replica_count,
            authorized_network=ms.authorized_network,
            connect_mode="PRIVATE_SERVICE_ACCESS",
            reserved_ip_range=ms.reserved_ip_range,
            secondary_ip_range=ms.secondary_ip_range,
            auth_enabled=True,
            transit_encryption_mode="SERVER_AUTHENTICATION",
            persistence_config=gcp_redis.InstancePersistenceConfigArgs(
                persistence_mode="RDB", rdb_snapshot_period=ms.snapshot_period,
                rdb_snapshot_start_time=ms.snapshot_start_time),
            maintenance_policy=gcp_redis.InstanceMaintenancePolicyArgs(
                description="profwise-redis weekly window",
                weekly_maintenance_windows=[gcp_redis.InstanceMaintenancePolicyWeeklyMaintenanceWindowArgs(
                    day=window.day, start_time=gcp_redis.InstanceMaintenancePolicyWeeklyMaintenanceWindowStartTimeArgs(
                        hours=window.hour, minutes=window.minute, seconds=0, nanos=0))]),
            customer_managed_key=ms.customer_managed_key,
            redis_configs=configs,
            labels=labels,
            deletion_protection=True,
            # protect: `pulumi destroy` or a replacing change (most fields are immutable) cannot delete the cache by
            # accident; deletionProtection stops the provider itself too.
            opts=pulumi.ResourceOptions(parent=self, protect=True, hooks=args.hooks),
        )
        self.host: pulumi.Output[str] = self.instance.host.apply(lambda h: h or "")
        self.port: pulumi.Output[int] = self.instance.port.apply(lambda p: int(p or service.TLS_PORT))
        # The provider marks authString secret (additional_secret_outputs); wrapped again so it stays secret
        # whatever a provider version does.
        self.password: pulumi.Output[str] = pulumi.Output.secret(self.instance.auth_string.apply(lambda s: s or ""))
        # Public: a CA certificate carries no key, and clients (and `verify`) need it in the clear.
        self.ca_certificate: pulumi.Output[str] = self.instance.server_ca_certs.apply(ca_bundle)
        self.settings = redis_configs.effective_settings(args.redis)
        self._extra: dict[str, pulumi.Input[Any]] = {
            keys.CA_CERTIFICATE: self.ca_certificate,
            keys.INSTANCE_ID: instance_id,
            keys.REGION: self.instance.region,
            keys.READER_HOST: self.instance.read_endpoint.apply(lambda h: h or ""),
            keys.READER_PORT: self.instance.read_endpoint_port.apply(lambda p: int(p or 0)),
            keys.REDIS_CONFIGS: configs,
        }
        self.register_outputs({"host": self.host, "port": self.port, "password": self.password, **self._extra})

    def extra_outputs(self) -> Mapping[str, pulumi.Input[Any]]:
        return self._extra


def build(name: str, settings: StackSettings, hooks: pulumi.ResourceHookBinding | None = None) -> MemorystoreRedis:
    """The backend's `component` (infra.backends.spec): `hooks` go on the instance."""
    return MemorystoreRedis(name, MemorystoreRedisArgs(memorystore=settings.memorystore, redis=settings.redis,
                                                       hooks=hooks))
