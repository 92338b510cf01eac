"""`profwise-redis:elasticache` — the prod stack's replication group, validated against AWS's own rules.

Field validators check each value on its own (ids, windows, ARNs, CIDRs, node type, engine version). The rules that
span fields, or need the rest of the stack (backend, Redis settings, password), live in `elasticache_rules` and run
only for the `elasticache` backend, so a dev stack never trips over prod-only requirements. Mocks accept anything:
these rules are what make a config the mock engine accepts one AWS and the mandatory policy pack accept
too. Each rule cites its source.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from infra.backends.elasticache import values as aws_values
from infra.backends.elasticache.ids import (  # noqa: F401 — DAYS, PLACEHOLDER, window_minutes, default_group_id: re-exported
    DAYS,
    LOG_RETENTION_DAYS,
    MAINTENANCE_WINDOW_RE,
    PLACEHOLDER,
    SNAPSHOT_WINDOW_RE,
    PrivateCidr,
    SecurityGroupId,
    SubnetId,
    check_id,
    default_group_id,
    fullmatches,
    window_minutes,
)
from infra.config.models import Section, as_list, refuse_duplicates
from policy.rules import MIN_RETENTION_DAYS

class ClusterModeSettings(Section):
    """`elasticache.clusterMode` — sharding, the scale-out path when one node's memory or CPU is outgrown."""

    enabled: bool = Field(False, description="Shard the keyspace across `shards` node groups (Redis Cluster "
                          "protocol: clients must be cluster-aware).")
    shards: int = Field(2, ge=1, le=500, description="Node groups (shards), 1-500 (ElastiCache limit).")
    replicas_per_shard: int = Field(1, ge=0, le=5, description="Replicas in each shard, 0-5 (ElastiCache limit).")


class ElastiCacheSettings(Section):
    """`profwise-redis:elasticache` — the encrypted ElastiCache replication group (prod)."""

    vpc_id: str | None = Field(None, examples=["vpc-0a1b2c3d4e5f67890"],
                               description="VPC the cache lives in (required for the elasticache backend).")
    subnet_ids: as_list(tuple[SubnetId, ...]) = Field(  # type: ignore[valid-type]
        (), examples=[["subnet-0a1b2c3d4e5f67891", "subnet-0a1b2c3d4e5f67892"]],
        description="Private subnets for the subnet group, each listed once; at least 2, in different AZs, for "
        "multi-AZ.")
    allowed_security_group_ids: as_list(tuple[SecurityGroupId, ...]) = Field(  # type: ignore[valid-type]
        (), examples=[["sg-0a1b2c3d4e5f67893"]],
        description="Security groups of the clients (the backend) admitted on the Redis port, each listed once.")
    allowed_cidrs: as_list(tuple[PrivateCidr, ...]) = Field(  # type: ignore[valid-type]
        (), examples=[["10.0.0.0/16"]], description="Private IPv4 ranges admitted on the Redis port, each listed "
        "once (public ranges and 0.0.0.0/0 are refused).")
    replication_group_id: str | None = Field(None, examples=["profwise-redis-prod"],
                                             description="Replication group id (1-40 letters, digits, "
                                             "hyphens); default profwise-redis-<stack>.")
    node_type: str = Field("cache.m6g.large", examples=["cache.t4g.small", "cache.r7g.xlarge"],
                           description="Node type (cache.<family>.<size>, a current-generation type AWS still "
                           "creates); it decides maxmemory. The guide's dev-like size is cache.t3.micro.")
    engine: Literal["redis", "valkey"] = Field("redis", description="Engine: `redis` (Redis OSS) or `valkey`.")
    engine_version: str = Field("7.1", examples=["7.0", "7.2", "8.0"],
                                description="Engine version as <major>.<minor>: redis 7.0/7.1, valkey "
                                "7.2/8.0/8.1/8.2.")
    replicas: int = Field(1, ge=0, le=5, description="Read replicas beside the primary, 0-5 (cluster mode off).")
    automatic_failover: bool = Field(True, description="Promote a replica when the primary fails (needs a replica); "
                                     "must stay true: mandatory policy, Security Hub ElastiCache.3.")
    multi_az: bool = Field(True, description="Place replicas in other AZs (needs automatic failover and 2+ subnets); "
                           "must stay true: mandatory policy, Security Hub ElastiCache.3.")
    cluster_mode: ClusterModeSettings = Field(default_factory=ClusterModeSettings, description="Sharding.")
    node_quota: int = Field(90, ge=1, le=500, description="Your account's nodes-per-cluster quota (AWS default 90; "
                            "raisable to 500).")
    snapshot_retention_days: int = Field(MIN_RETENTION_DAYS, ge=0, le=35, description="Days automatic daily "
                                         f"snapshots are kept, {MIN_RETENTION_DAYS}-35 (the mandatory policy's "
                                         "minimum, Security Hub ElastiCache.1).")
    snapshot_window: str = Field("03:00-04:00", examples=["22:30-23:30"],
                                 description="Daily UTC window for the snapshot (hh24:mi-hh24:mi, 60+ minutes).")
    maintenance_window: str = Field("sun:05:00-sun:06:00", examples=["wed:01:00-wed:02:30"],
                                    description="Weekly UTC maintenance window (ddd:hh24:mi-ddd:hh24:mi, 60+ "
                                    "minutes, not overlapping the snapshot window).")
    kms_key_arn: str | None = Field(
        None, examples=["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
        description="Existing KMS key ARN for encryption at rest; unset: a customer-managed key with rotation is "
        "created.")
    final_snapshot: bool = Field(True, description="Take a final snapshot when the group is deleted.")
    restore_from_snapshot: str | None = Field(None, examples=["profwise-redis-prod-final-5eed0fc0ffee",
                                                        "arn:aws:s3:::my-backups/profwise.rdb"],
                                              description="Seed a new group from an ElastiCache snapshot name "
                                              "or an S3 RDB ARN (arn:aws:s3:::<bucket>/<key>; used at creation "
                                              "only).")
    alarm_email: str | None = Field(None, examples=["ops@example.com"],
                                    description="Email subscribed to the alarm topic (confirm the mail AWS sends).")
    log_retention_days: int = Field(30, examples=[7, 365], description="Retention of the slow-log and engine-log "
                                    "groups (a CloudWatch Logs value: 1, 3, 5, 7, 14, 30, 60, 90, ...).")
    tags: dict[str, str] = Field(default_factory=dict, examples=[{"Service": "profwise-backend"}],
                                 description="Extra tags on every resource: at most "
                                 f"{aws_values.max_user_tags()} (AWS allows {aws_values.MAX_TAGS}, the stack adds "
                                 f"{', '.join(aws_values.RESERVED_TAG_KEYS)}), letters, digits, spaces and "
                                 "_ . / = + : - @.")
    apply_immediately: bool = Field(False, description="Apply changes now instead of in the maintenance window.")
    auth_token_update_strategy: Literal["ROTATE", "SET", "DELETE"] | None = Field(
        None, description="Leave unset: the group authenticates with RBAC users (no AUTH token) and the program "
        "always sends DELETE, which moves a group created with a token to its user group in one update (docs/prod.md); "
        "DELETE may be written out. ROTATE/SET (token changes) are refused: there is no token any more.")

    @field_validator("vpc_id")
    @classmethod
    def _vpc(cls, value: str | None) -> str | None:
        return None if value is None else check_id("vpc", value, "vpc-0a1b2c3d4e5f67890")

    @field_validator("subnet_ids", "allowed_security_group_ids", "allowed_cidrs")
    @classmethod
    def _each_once(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        # Two equal sources would be two ingress rules with the same name (one URN) and a rule AWS refuses as a
        # duplicate; a subnet twice, a subnet group AWS refuses.
        return refuse_duplicates(values, "entry")

    @field_validator("replication_group_id")
    @classmethod
    def _group_id(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not fullmatches("group_id", value.lower()) or value.endswith("-"):
            raise ValueError(f"{value!r} is not a replication group id: 1-40 letters, digits or hyphens, starting "
                             "with a letter, not ending with a hyphen, no two hyphens in a row")
        return value.lower()  # AWS stores it lower-case

    @field_validator("node_type")
    @classmethod
    def _node_type(cls, value: str) -> str:
        problem = aws_values.node_type_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("snapshot_window")
    @classmethod
    def _snapshot_window(cls, value: str) -> str:
        if not SNAPSHOT_WINDOW_RE.fullmatch(value):
            raise ValueError(f"{value!r} is not a daily window: use hh24:mi-hh24:mi in UTC, e.g. 03:00-04:00")
        # "Snapshot window must be at least 60 minutes" (API error quoted in terraform-provider-aws#2153).
        if window_minutes(value)[1] < 60:
            raise ValueError(f"{value} is shorter than 60 minutes, the minimum snapshot window; e.g. 03:00-04:00")
        return value

    @field_validator("maintenance_window")
    @classmethod
    def _maintenance_window(cls, value: str) -> str:
        value = value.lower()  # AWS accepts and returns lower-case day names
        if not MAINTENANCE_WINDOW_RE.fullmatch(value):
            raise ValueError(f"{value!r} is not a weekly window: use ddd:hh24:mi-ddd:hh24:mi in UTC, e.g. "
                             "sun:05:00-sun:06:00")
        # "The minimum maintenance window is a 60 minute period" (CreateReplicationGroup, PreferredMaintenanceWindow).
        if window_minutes(value)[1] < 60:
            raise ValueError(f"{value} is shorter than 60 minutes, the minimum maintenance window; e.g. "
                             "sun:05:00-sun:06:00")
        return value

    @field_validator("kms_key_arn")
    @classmethod
    def _kms_arn(cls, value: str | None) -> str | None:
        if value is not None and not fullmatches("kms_arn", value):
            raise ValueError(f"{value!r} is not a KMS key ARN: use arn:aws:kms:<region>:<account>:key/<key-id> "
                             "(an alias is not accepted)")
        return value

    @field_validator("restore_from_snapshot")
    @classmethod
    def _restore(cls, value: str | None) -> str | None:
        problem = None if value is None else aws_values.snapshot_source_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("alarm_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not fullmatches("email", value):
            raise ValueError(f"{value!r} is not an email address")
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            closest = min(LOG_RETENTION_DAYS, key=lambda days: abs(days - value))
            raise ValueError(f"{value} is not a CloudWatch Logs retention; the nearest allowed value is {closest} "
                             f"(allowed: {', '.join(map(str, LOG_RETENTION_DAYS))})")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: dict[str, str]) -> dict[str, str]:
        problem = aws_values.tags_problem(tags)
        if problem:
            raise ValueError(problem)
        return tags

    @property
    def cluster_enabled(self) -> bool:
        return self.cluster_mode.enabled

    @property
    def node_count(self) -> int:
        if self.cluster_mode.enabled:
            return self.cluster_mode.shards * (1 + self.cluster_mode.replicas_per_shard)
        return 1 + self.replicas

    def member_cluster_ids(self, group_id: str) -> list[str]:
        """The cache clusters (nodes) AWS creates: <group>-001, ... or, sharded, <group>-0001-001, ...

        CloudWatch publishes per node (dimension CacheClusterId), so alarms need these ids, not the group's.
        """
        if not self.cluster_mode.enabled:
            return [f"{group_id}-{n:03d}" for n in range(1, self.replicas + 2)]
        per_shard = self.cluster_mode.replicas_per_shard + 1
        return [f"{group_id}-{s:04d}-{n:03d}" for s in range(1, self.cluster_mode.shards + 1)
                for n in range(1, per_shard + 1)]
