"""Render the Redis settings model as an ElastiCache parameter group: a pure function, like `redis_conf`.

It starts from `RedisSettings.directives()` — the same map `redis_conf.render` writes — so the container and the
managed service agree on every directive both can carry (a test holds them to it). What ElastiCache manages itself
(memory by node type, persistence by snapshots and replicas, protected mode, ...) is listed in `NOT_APPLICABLE` with
the reason, never silently dropped. Source for every parameter name, family and modifiability below: AWS ElastiCache
User Guide, "Engine specific parameters"
(https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.Engine.html).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from infra import contract
from infra.config.redis import RedisSettings

# Engine -> accepted engine_version -> parameter-group family. For engine 6+ the API takes <major>.<minor>
# (terraform-provider-aws#32252: "For Redis v6 or higher, use <major>.<minor>"). Redis OSS 7.0/7.1 use `redis7`;
# Valkey 7.2 uses `valkey7`, Valkey 8.x `valkey8` (CreateCacheParameterGroup, CacheParameterGroupFamily). Older
# engines are left out on purpose: this project targets Redis 7 behaviour, and transit-encryption-mode changes need
# engine >= 7.0.5 (pulumi-aws ReplicationGroup.transit_encryption_enabled).
FAMILIES: dict[str, dict[str, str]] = {
    "redis": {"7.0": "redis7", "7.1": "redis7"},
    "valkey": {"7.2": "valkey7", "8.0": "valkey8", "8.1": "valkey8", "8.2": "valkey8"},
}

# Commands ElastiCache never offers ("Restricted Valkey and Redis OSS commands",
# https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/RestrictedCommands.html): disabling them is already done,
# and the verifier counts them as absent without a probe (the settings output's restricted_commands). They cannot
# appear in an access string either (infra.backends.elasticache.users).
BLOCKED_COMMANDS = frozenset({"BGREWRITEAOF", "BGSAVE", "CONFIG", "DEBUG", "MIGRATE", "PSYNC", "REPLICAOF", "SAVE",
                              "SLAVEOF", "SHUTDOWN", "SYNC"})

_LAZYFREE = ("lazyfree-lazy-eviction", "lazyfree-lazy-expire", "lazyfree-lazy-server-del", "lazyfree-lazy-user-del")
# Directives of the settings model that a parameter group cannot (or need not) carry, and why.
NOT_APPLICABLE: dict[str, str] = {
    "maxmemory": "set by the node type; ElastiCache's maxmemory parameter cannot be modified (choose "
                 "elasticache.nodeType instead)",
    "save": "ElastiCache has no save points: automatic daily snapshots (elasticache.snapshotRetentionDays and "
            "snapshotWindow) and replicas replace them",
    "appendonly": "AOF is not supported on ElastiCache since Redis 2.8.22; Multi-AZ replicas with automatic failover "
                  "and daily snapshots replace it",
    "appendfsync": "only meaningful with AOF, which ElastiCache does not support",
    "protected-mode": "not an ElastiCache parameter: the VPC security group, the RBAC users and required TLS guard "
                      "every connection",
    "lazyfree-lazy-user-flush": "not exposed by any ElastiCache parameter group family (FLUSHALL/FLUSHDB are denied "
                                "to the app's default user, and an admin's emergency flush may block)",
    "replica-lazy-flush": "fixed by ElastiCache (parameter not modifiable, default yes)",
}
# What the service decides itself instead of the settings model, with the reason verify and health give when they
# skip the check (the settings output's `managed`).
MANAGED: dict[str, str] = {
    "maxmemory": "on ElastiCache the node type sets maxmemory",
    "appendonly": "ElastiCache persists with snapshots and replicas (see the aws_backups check), not an AOF",
    "acl": "ElastiCache manages its users through its API (ACL DRYRUN is not relied on there): the aws_users "
           "control-plane check reads both users' access strings",
}
# Valkey 8 removed the lazyfree parameters from its family because lazy freeing became the engine default
# ("Valkey 8.0 parameter changes"; valkey-io/valkey#913 "Change all the lazyfree configurations to yes by default").
NOT_IN_VALKEY8: dict[str, str] = {
    name: "not in the valkey8 family: Valkey 8 always frees lazily" for name in _LAZYFREE}
MANAGED_PARAMETERS = ("maxmemory-policy", "slowlog-log-slower-than", "slowlog-max-len", "tcp-keepalive", "timeout",
                      *_LAZYFREE)


@dataclass(frozen=True)
class ParameterGroupSpec:
    family: str
    parameters: dict[str, str]  # exactly what the parameter group is given (name -> value)
    not_applicable: dict[str, str] = field(default_factory=dict)  # directive or command -> why it is not rendered


def family_of(engine: str, engine_version: str) -> str:
    try:
        return FAMILIES[engine][engine_version]
    except KeyError:
        raise ValueError(f"no parameter group family for {engine} {engine_version}") from None


def group_name(replication_group_id: str, family: str, cluster_mode: bool) -> str:
    """Family (and cluster mode, which cannot change on a group in use) in the name: a major upgrade creates a new
    group before the old one is deleted, instead of modifying a group the replication group still uses."""
    return f"{replication_group_id}-{family}{'-cluster' if cluster_mode else ''}"


def not_applicable(engine: str, engine_version: str) -> dict[str, str]:
    reasons = dict(NOT_APPLICABLE)
    if family_of(engine, engine_version) == "valkey8":
        reasons.update(NOT_IN_VALKEY8)
    return reasons


def render(settings: RedisSettings, engine: str, engine_version: str, cluster_mode: bool) -> ParameterGroupSpec:
    """No `rename-commands`: the disabled commands are denied to the app's user by its access string instead
    (infra.backends.elasticache.users), and AWS refuses renamed commands in access strings."""
    family = family_of(engine, engine_version)
    skipped = not_applicable(engine, engine_version)
    directives = settings.directives()
    parameters = {name: directives[name] for name in MANAGED_PARAMETERS if name not in skipped}
    for command in settings.disabled_commands:
        skipped[f"command {command}"] = ("ElastiCache already blocks it for every client" if command in
                                         BLOCKED_COMMANDS else "denied by the default user's access string")
    parameters["cluster-enabled"] = "yes" if cluster_mode else "no"
    return ParameterGroupSpec(family=family, parameters=parameters, not_applicable=skipped)


def effective_settings(settings: RedisSettings, engine: str, engine_version: str,
                       cluster_mode: bool = False) -> dict[str, Any]:
    """The `settings` output for ElastiCache: what a live node shows, with the same keys as the Docker backend.

    maxmemory is None (the node type decides it); AOF is off and there are no save points (snapshots replace them);
    on Valkey 8 lazy freeing is always on. Everything else is what the parameter group sets. `managed` and
    `restricted_commands` tell verify and health what ElastiCache decides itself.
    """
    effective = settings.effective()
    effective.update({"maxmemory": None, "appendonly": False, "appendfsync": None, "save": []})
    if family_of(engine, engine_version) == "valkey8":
        effective["lazyfree"] = True
    return contract.settings_output(effective, MANAGED, BLOCKED_COMMANDS, cluster_mode)


def legacy_settings() -> dict[str, Any]:
    """What outputs exported before the plug-in layout lack: the same `managed` / `restricted_commands` data that
    `effective_settings` exports today (the BackendSpec's `legacy_settings`)."""
    return {contract.MANAGED: dict(MANAGED), contract.RESTRICTED_COMMANDS: sorted(BLOCKED_COMMANDS)}
