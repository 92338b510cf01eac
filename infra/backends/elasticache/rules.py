"""Rules for the `elasticache` backend that span fields or need the rest of the stack, as `Problem`s with exact keys.

`settings.parse_settings` calls `problems()` only when `backend` is `elasticache` (a dev stack has no VPC to name).
Each problem names the precise key (`elasticache.multiAz`, `redis.timeout`, `password`) and the command that fixes
it, like the field-level errors pydantic reports. Pure: tests call it directly.

The mandatory policy pack (`policy/rules.py`) runs during `pulumi up` resource by resource, so a config it blocks
would stop the update after the first resources exist; what config alone decides (snapshot retention, failover,
Multi-AZ) is therefore refused here too, from the same thresholds, naming the policy and its controls.
"""

from __future__ import annotations

import re

from pydantic import SecretStr

from infra.backends import service_rules
from infra.backends.elasticache import parameter_group
from infra.config.errors import Problem, remove_command, set_command
from infra.backends.elasticache.settings import DAYS, ElastiCacheSettings, window_minutes
from infra.config.redis import RedisSettings
from policy.rules import MIN_RETENTION_DAYS, RULES

# CreateReplicationGroup, AuthToken: 16-128 printable ASCII characters; "the only permitted printable special
# characters are !, &, #, $, ^, <, >, and -".
TOKEN_SPECIALS = "!&#$^<>-"
_TOKEN_RE = re.compile(r"[A-Za-z0-9!&#$^<>-]{16,128}", re.ASCII)
# Redis settings whose directive ElastiCache does not take (parameter_group.NOT_APPLICABLE says why).
_NOT_ON_ELASTICACHE = {"maxmemory": "maxmemory", "appendonly": "appendonly", "appendfsync": "appendfsync",
                       "save_points": "save", "protected_mode": "protected-mode"}
E = "elasticache"
_CONTROLS = {rule.name: rule.controls for rule in RULES}


def _mandatory(policy: str) -> str:
    """Why a value the mock engine accepts must still be refused here: the policy pack, which `pulumi up` applies,
    would stop the update part-way, after the security group, subnet group, KMS key (retained) and log groups."""
    return f"the policy pack would stop `pulumi up` part-way [mandatory policy {policy}: {_CONTROLS[policy]}]"


def _required(ec: ElastiCacheSettings) -> list[Problem]:
    found = []
    if ec.vpc_id is None:
        found.append(Problem(f"{E}.vpcId", "is required for the elasticache backend: the VPC the backend runs in",
                             set_command(f"{E}.vpcId", "vpc-0a1b2c3d4e5f67890")))
    if not ec.subnet_ids:
        found.append(Problem(f"{E}.subnetIds", "is required for the elasticache backend: two or more private "
                             "subnets in different availability zones",
                             f"{set_command(f'{E}.subnetIds[0]', 'subnet-<id-in-az-a>')} && "
                             f"{set_command(f'{E}.subnetIds[1]', 'subnet-<id-in-az-b>')}"))
    if not ec.allowed_security_group_ids and not ec.allowed_cidrs:
        found.append(Problem(f"{E}.allowedSecurityGroupIds", "no client could reach Redis: admit the backend's "
                             "security group (or a private CIDR with allowedCidrs)",
                             set_command(f"{E}.allowedSecurityGroupIds[0]", "sg-0a1b2c3d4e5f67890")))
    return found


def _topology(ec: ElastiCacheSettings) -> list[Problem]:
    """Failover, Multi-AZ and sharding (CreateReplicationGroup: AutomaticFailoverEnabled, MultiAZEnabled,
    NumCacheClusters; pulumi-aws ReplicationGroup.multi_az_enabled: "If true, automatic_failover_enabled must also
    be enabled"; ElastiCache User Guide "Working with shards": 90 nodes per cluster by default, up to 500)."""
    found = []
    cluster = ec.cluster_mode
    if not ec.automatic_failover:
        why = ("AWS requires automatic failover for sharded groups, and " if cluster.enabled else
               "a failed primary would not be replaced by a replica; ")
        found.append(Problem(f"{E}.automaticFailover", f"must be true{' with cluster mode' * cluster.enabled}: "
                             f"{why}{_mandatory('elasticache-failover-multi-az')}",
                             set_command(f"{E}.automaticFailover", "true")))
    if not ec.multi_az:
        found.append(Problem(f"{E}.multiAz", "must be true: without a standby in another availability zone an AZ "
                             f"outage takes the cache down; {_mandatory('elasticache-failover-multi-az')}",
                             set_command(f"{E}.multiAz", "true")))
    if not cluster.enabled and ec.automatic_failover and ec.replicas < 1:
        found.append(Problem(f"{E}.replicas", "is 0, but automatic failover needs at least 2 nodes (a primary and a "
                             "replica to promote)", set_command(f"{E}.replicas", "1")))
    if ec.multi_az and cluster.enabled and cluster.replicas_per_shard < 1:
        found.append(Problem(f"{E}.clusterMode.replicasPerShard", "is 0, but Multi-AZ needs a replica in each shard",
                             set_command(f"{E}.clusterMode.replicasPerShard", "1")))
    if ec.multi_az and len(ec.subnet_ids) == 1:
        found.append(Problem(f"{E}.subnetIds", "has one subnet, but Multi-AZ needs subnets in at least 2 "
                             "availability zones", set_command(f"{E}.subnetIds[1]", "subnet-<id-in-another-az>")))
    if cluster.enabled and "replicas" in ec.model_fields_set and ec.replicas != cluster.replicas_per_shard:
        found.append(Problem(f"{E}.replicas", f"is {ec.replicas}, but with cluster mode each shard has "
                             f"clusterMode.replicasPerShard ({cluster.replicas_per_shard}) replicas; remove replicas "
                             "or make them equal", remove_command(f"{E}.replicas")))
    if ec.node_count > ec.node_quota:
        key = f"{E}.clusterMode.shards" if cluster.enabled else f"{E}.replicas"
        found.append(Problem(key, f"makes {ec.node_count} nodes, above the nodes-per-cluster quota of "
                             f"{ec.node_quota}; use fewer shards/replicas, or raise the quota with AWS and set "
                             "elasticache.nodeQuota", set_command(key)))
    return found


def _overlap(snapshot: str, maintenance: str) -> bool:
    s_start, s_len = window_minutes(snapshot)
    m_start, m_len = window_minutes(maintenance)
    week = 7 * 1440
    for day in range(len(DAYS)):  # the snapshot window recurs every day of the week
        start = day * 1440 + s_start
        if (start - m_start) % week < m_len or (m_start - start) % week < s_len:
            return True
    return False


def _schedule(ec: ElastiCacheSettings) -> list[Problem]:
    found = []
    # AWS takes 0-35 days (0 turns automatic backups off); the policy pack's minimum is the floor here.
    days = ec.snapshot_retention_days
    if days < MIN_RETENTION_DAYS:
        off = ", which turns automatic backups off" if days == 0 else ""
        found.append(Problem(f"{E}.snapshotRetentionDays", f"is {days}{off}: keep snapshots {MIN_RETENTION_DAYS}-35 "
                             f"days, or {_mandatory('elasticache-backup-retention')}",
                             set_command(f"{E}.snapshotRetentionDays", str(MIN_RETENTION_DAYS))))
    # "The snapshot window and maintenance window must not overlap." (ElastiCache API error, hashicorp/terraform#17247)
    if _overlap(ec.snapshot_window, ec.maintenance_window):
        found.append(Problem(f"{E}.snapshotWindow", f"{ec.snapshot_window} overlaps the maintenance window "
                             f"{ec.maintenance_window}; AWS refuses overlapping windows",
                             set_command(f"{E}.snapshotWindow", "03:00-04:00")))
    if ec.engine_version not in parameter_group.FAMILIES[ec.engine]:
        versions = list(parameter_group.FAMILIES[ec.engine])
        found.append(Problem(f"{E}.engineVersion", f"{ec.engine_version!r} is not a supported {ec.engine} version; "
                             f"use one of {', '.join(versions)} (<major>.<minor>)",
                             set_command(f"{E}.engineVersion", versions[-1])))
    return found


def _redis(ec: ElastiCacheSettings, redis: RedisSettings) -> list[Problem]:
    found = service_rules.not_applicable(redis, "ElastiCache", {
        name: parameter_group.NOT_APPLICABLE[directive] for name, directive in _NOT_ON_ELASTICACHE.items()})
    # ElastiCache `timeout`: "0 – never disconnect an idle client; 1-19 – invalid values" (Redis OSS 2.6.13 params).
    if 1 <= redis.timeout <= 19:
        found.append(Problem("redis.timeout", f"{redis.timeout} is not valid on ElastiCache: use 0 (never) or 20+ "
                             "seconds", set_command("redis.timeout", "0")))
    if ec.engine_version in parameter_group.FAMILIES[ec.engine] and not redis.lazyfree and \
            parameter_group.family_of(ec.engine, ec.engine_version) == "valkey8":
        found.append(Problem("redis.lazyfree", "cannot be false on Valkey 8: "
                             f"{parameter_group.NOT_IN_VALKEY8['lazyfree-lazy-eviction']}",
                             remove_command("redis.lazyfree")))
    return found


def _authentication(ec: ElastiCacheSettings) -> list[Problem]:
    """A half-migrated config: a token strategy (ROTATE/SET, the old stack file's value) beside the user group the
    program always attaches. AWS refuses it ("User group can't be associated with auth token enabled. Pass
    AuthStrategy delete to proceed"), and only after the parameter group and the users were already changed."""
    if ec.auth_token_update_strategy in (None, "DELETE"):
        return []
    key = f"{E}.authTokenUpdateStrategy"
    return [Problem(key, f"is {ec.auth_token_update_strategy}, a token change, but the group now authenticates with "
                    "RBAC users (the app's default user keeps the password, the admin user gets its own) and "
                    "carries no AUTH token; remove the key (the program sends DELETE, which migrates a group "
                    "created with a token in the same update: docs/prod.md)", remove_command(key))]


def _token(password: SecretStr | None) -> list[Problem]:
    if password is None or _TOKEN_RE.fullmatch(password.get_secret_value()):
        return []
    return [Problem("password", "is not a valid ElastiCache user password (nor AUTH token): use 16-128 letters, "
                    f"digits or {' '.join(TOKEN_SPECIALS)} (no other punctuation), or unset it to have one generated",
                    "pulumi config set --secret password (it prompts, so the value stays out of your shell "
                    "history)")]


def problems(ec: ElastiCacheSettings, redis: RedisSettings, password: SecretStr | None) -> list[Problem]:
    return [*_required(ec), *_topology(ec), *_schedule(ec), *_redis(ec, redis), *_authentication(ec),
            *_token(password)]
