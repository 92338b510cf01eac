"""`ElastiCacheRedis`: the prod stack — an encrypted ElastiCache replication group with the dev stack's contract.

Creates a security group admitting only the Redis port from the backend (one rule resource per source, no egress),
a subnet group, a parameter group rendered from the same settings model as redis.conf (family in its name), a
customer-managed KMS key with rotation (unless `kmsKeyArn`), CloudWatch log groups for slow-log and engine-log,
the alarm topic, the RBAC users (the app's `default` user and the admin user, in one user group: `users`), and the
replication group itself: encrypted at rest and in transit (`required`), the user group instead of an AUTH token,
Multi-AZ with automatic failover (or shards), daily snapshots, a final snapshot, auto minor upgrades, `protect`.
Then per-node alarms. It exposes `backend`, `host`, `port`, `tls`, `password` (secret), `settings` and
`extra_outputs()` like `DockerRedis`, so nothing downstream branches on the backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

import pulumi
import pulumi_aws as aws
import pulumi_random as random
from pydantic import SecretStr

from infra import contract
from infra.backends.elasticache import values as aws_values
from infra.backends.elasticache import alarms as elasticache_alarms
from infra.backends.elasticache import parameter_group, users as rbac
from infra.contract import PROJECT
from infra.backends.credentials import password_output
from infra.backends.elasticache.endpoint import PORT
from infra.backends.elasticache.rules import TOKEN_SPECIALS
from infra.backends.elasticache.settings import ElastiCacheSettings, default_group_id
from infra.config import acl
from infra.config.redis import RedisSettings

if TYPE_CHECKING:  # the settings are assembled above the backends (infra.stack_settings)
    from infra.stack_settings import StackSettings

LOG_TYPES = ("slow-log", "engine-log")
MIGRATION_STRATEGY = "DELETE"  # the only auth_token_update_strategy allowed while a user group is attached


@dataclass(frozen=True)
class ElastiCacheRedisArgs:
    elasticache: ElastiCacheSettings
    redis: RedisSettings
    password: SecretStr | None = None
    hooks: pulumi.ResourceHookBinding | None = None  # attached to the replication group (post-deploy verification)

    @classmethod
    def from_settings(cls, settings: StackSettings,
                      hooks: pulumi.ResourceHookBinding | None = None) -> ElastiCacheRedisArgs:
        return cls(elasticache=settings.elasticache, redis=settings.redis, password=settings.password, hooks=hooks)


class ElastiCacheRedis(pulumi.ComponentResource):
    backend = "elasticache"
    tls = True

    def __init__(self, name: str, args: ElastiCacheRedisArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("profwise:redis:ElastiCacheRedis", name, None, opts)
        ec = args.elasticache
        child = pulumi.ResourceOptions(parent=self)
        stack = pulumi.get_stack()
        group_id = ec.replication_group_id or default_group_id(stack)
        tags = aws_values.resource_tags(PROJECT, stack, ec.tags)  # the count validation allows for
        cluster = ec.cluster_enabled
        self.region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region

        # The app's password (the default user's; on a group created before RBAC it was the AUTH token, so the
        # app keeps it) and the admin's: only the punctuation AWS allows in either.
        self.password = password_output(name, args.password, self, override_special=TOKEN_SPECIALS)
        self.admin_user = acl.ADMIN_USER
        self.admin_password = password_output(f"{name}-admin", None, self, override_special=TOKEN_SPECIALS)
        # Kept in state: makes each group's final snapshot name unique (a second destroy must not collide with, let
        # alone overwrite, an earlier final snapshot). Its keepers are unchanged since it also salted the
        # rename-commands of earlier versions.
        suffix = random.RandomId(f"{name}-suffix", byte_length=6, keepers={"group": group_id}, opts=child).hex

        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=ec.vpc_id, description=f"Redis {group_id}: port {PORT} from the backend only",
            revoke_rules_on_delete=True, tags={**tags, aws_values.NAME_TAG: f"{group_id}-redis"}, opts=child)
        # No egress rule: the provider removes AWS's default allow-all egress, and Redis initiates no connections.
        for source in ec.allowed_security_group_ids:
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-from-{source}", security_group_id=self.security_group.id, referenced_security_group_id=source,
                ip_protocol="tcp", from_port=PORT, to_port=PORT, description="Redis from the backend", tags=tags,
                opts=child)
        for cidr in ec.allowed_cidrs:
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-from-{cidr.replace('/', '-')}", security_group_id=self.security_group.id, cidr_ipv4=cidr,
                ip_protocol="tcp", from_port=PORT, to_port=PORT, description="Redis from a private range", tags=tags,
                opts=child)
        subnets = aws.elasticache.SubnetGroup(
            f"{name}-subnets", name=f"{group_id}-subnets", description=f"Private subnets of {group_id}",
            subnet_ids=list(ec.subnet_ids), tags=tags, opts=child)

        family = parameter_group.family_of(ec.engine, ec.engine_version)
        spec = parameter_group.render(args.redis, ec.engine, ec.engine_version, cluster)
        # A family or cluster-mode change changes the name, so Pulumi replaces the group create-before-delete: the
        # new one exists before the replication group moves to it, the old one is deleted once unused.
        self.parameter_group = aws.elasticache.ParameterGroup(
            f"{name}-params", name=parameter_group.group_name(group_id, family, cluster), family=family,
            description=f"profwise-redis {family}, rendered from the redis settings model",
            parameters=[aws.elasticache.ParameterGroupParameterArgs(name=k, value=v)
                        for k, v in spec.parameters.items()],
            tags=tags, opts=pulumi.ResourceOptions(parent=self, delete_before_replace=False))

        if ec.kms_key_arn:
            self.kms_key_arn: pulumi.Output[str] = pulumi.Output.from_input(ec.kms_key_arn)
        else:
            # Retained on destroy: the final snapshot is encrypted with this key and would be unreadable without it.
            key = aws.kms.Key(f"{name}-key", description=f"Encryption at rest for ElastiCache {group_id}",
                              enable_key_rotation=True, deletion_window_in_days=30, tags=tags,
                              opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True))
            aws.kms.Alias(f"{name}-key-alias", name=f"alias/{group_id}", target_key_id=key.key_id, opts=child)
            self.kms_key_arn = key.arn

        logs = {kind: aws.cloudwatch.LogGroup(f"{name}-{kind}", name=f"/aws/elasticache/{group_id}/{kind}",
                                              retention_in_days=ec.log_retention_days, tags=tags, opts=child)
                for kind in LOG_TYPES}
        self.topic = elasticache_alarms.create_topic(name, ec.alarm_email, tags, self)

        self.users = rbac.create(name, group_id, args.redis, self.password, self.admin_password, tags, self)

        topology: dict[str, Any] = (
            {"num_node_groups": ec.cluster_mode.shards, "replicas_per_node_group": ec.cluster_mode.replicas_per_shard}
            if cluster else {"num_cache_clusters": ec.node_count})
        restore: dict[str, Any] = {}
        if ec.restore_from_snapshot:
            restore = ({"snapshot_arns": [ec.restore_from_snapshot]} if ec.restore_from_snapshot.startswith("arn:")
                       else {"snapshot_name": ec.restore_from_snapshot})
        self.group = aws.elasticache.ReplicationGroup(
            f"{name}-group",
            replication_group_id=group_id,
            description=f"Profwise Redis cache ({stack})",
            engine=ec.engine,
            engine_version=ec.engine_version,
            node_type=ec.node_type,
            port=PORT,
            cluster_mode="enabled" if cluster else "disabled",
            **topology,
            automatic_failover_enabled=ec.automatic_failover,
            multi_az_enabled=ec.multi_az,
            subnet_group_name=subnets.name,
            security_group_ids=[self.security_group.id],
            parameter_group_name=self.parameter_group.name,
            at_rest_encryption_enabled=True,
            kms_key_id=self.kms_key_arn,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            # RBAC, no AUTH token. DELETE is not used at creation ("Not used during initial create", pulumi-aws
            # >= 7.18); on a group created with a token it makes this same config the migration: one
            # ModifyReplicationGroup{UserGroupIdsToAdd, AuthTokenUpdateStrategy: DELETE} (docs/prod.md).
            user_group_ids=[self.users.group.user_group_id],
            auth_token_update_strategy=MIGRATION_STRATEGY,
            snapshot_retention_limit=ec.snapshot_retention_days,
            snapshot_window=ec.snapshot_window,
            final_snapshot_identifier=suffix.apply(lambda h: f"{group_id}-final-{h}") if ec.final_snapshot else None,
            maintenance_window=ec.maintenance_window,
            auto_minor_version_upgrade=True,
            apply_immediately=ec.apply_immediately,
            notification_topic_arn=self.topic.arn,
            log_delivery_configurations=[aws.elasticache.ReplicationGroupLogDeliveryConfigurationArgs(
                destination=logs[kind].name, destination_type="cloudwatch-logs", log_format="json", log_type=kind)
                for kind in LOG_TYPES],
            tags=tags,
            **restore,
            # protect: a `pulumi destroy` or a replacing change cannot delete the cache by accident. The restore
            # source is read at creation only; dropping it from the config later must not replace the group.
            opts=pulumi.ResourceOptions(parent=self, protect=True, hooks=args.hooks,
                                        ignore_changes=["snapshot_name", "snapshot_arns"]),
        )
        member_ids = ec.member_cluster_ids(group_id)
        elasticache_alarms.create_alarms(name, member_ids, self.topic, tags, self, self.group)

        endpoint = self.group.configuration_endpoint_address if cluster else self.group.primary_endpoint_address
        self.host = endpoint.apply(lambda h: h or "")
        self.reader_host = (self.group.configuration_endpoint_address if cluster
                            else self.group.reader_endpoint_address).apply(lambda h: h or "")
        self.port = pulumi.Output.from_input(PORT)
        self.settings = parameter_group.effective_settings(args.redis, ec.engine, ec.engine_version, cluster)
        # For the verifier, shaped as DescribeReplicationGroups reports them: cluster_mode / multi_az /
        # automatic_failover are "enabled"|"disabled" (ClusterMode, MultiAZ, AutomaticFailover); at_rest_encryption
        # and auth_token_enabled are booleans; member_count is len(MemberClusters). engine_version is <major>.<minor>
        # (nodes report e.g. 7.1.0: compare the prefix). parameters is exactly the parameter group's list, to compare
        # with DescribeCacheParameters. Nothing secret goes in here.
        ids, strings = rbac.user_ids(group_id), rbac.access_strings(args.redis)
        control_plane = pulumi.Output.all(self.region, self.parameter_group.name).apply(lambda v: {
            "replication_group_id": group_id,
            "region": v[0],
            "engine": ec.engine,
            "engine_version": ec.engine_version,
            "cluster_mode": "enabled" if cluster else "disabled",
            "member_count": ec.node_count,
            "multi_az": "enabled" if ec.multi_az else "disabled",
            "automatic_failover": "enabled" if ec.automatic_failover else "disabled",
            "at_rest_encryption": True,
            "transit_encryption_mode": "required",
            "auth_token_enabled": False,
            "authentication": "rbac",
            "user_group_id": group_id,
            "users": {ids[user]: {"user_name": user, "access_string": strings[user]} for user in ids},
            "denied_commands": acl.denied_commands(args.redis, restricted=parameter_group.BLOCKED_COMMANDS),
            "snapshot_retention_days": ec.snapshot_retention_days,
            "parameter_group_name": v[1],
            "parameters": dict(spec.parameters),
        })
        self._extra: dict[str, pulumi.Input[Any]] = {
            contract.REPLICATION_GROUP_ID: self.group.replication_group_id,
            contract.READER_HOST: self.reader_host,
            contract.SECURITY_GROUP_ID: self.security_group.id,
            contract.PARAMETER_GROUP_NAME: self.parameter_group.name,
            contract.KMS_KEY_ARN: self.kms_key_arn,
            contract.ALARM_TOPIC_ARN: self.topic.arn,
            contract.REGION: self.region,
            contract.CONTROL_PLANE: control_plane,
        }
        self.register_outputs({"host": self.host, "port": self.port, "password": self.password,
                               "admin_password": self.admin_password, **self._extra})

    def extra_outputs(self) -> Mapping[str, pulumi.Input[Any]]:
        return self._extra


def build(name: str, settings: StackSettings,
          hooks: pulumi.ResourceHookBinding | None = None) -> ElastiCacheRedis:
    """The backend's `component` (infra.backends.spec): `hooks` go on the replication group."""
    return ElastiCacheRedis(name, ElastiCacheRedisArgs.from_settings(settings, hooks=hooks))
