"""Render the Redis settings model as an Azure Managed Redis database: a pure function, like `redis_conf` and the
ElastiCache parameter group.

Azure Managed Redis takes only a few of the model's settings, as properties of Microsoft.Cache/redisEnterprise/
databases (API 2025-07-01): the eviction policy and persistence (AOF every second, or RDB every 1h/6h/12h). Everything
else the service manages itself, listed in `NOT_APPLICABLE` with the reason: a stack that sets one of those keys is
refused (`rules`), and the `settings` output names them under `managed` so verification skips them instead of
failing. Sources: "How to configure Azure Managed Redis" (learn.microsoft.com/azure/redis/configure: advanced settings,
"Redis commands not supported in Azure Managed Redis"), "Configure data persistence" (how-to-persistence) and the
pulumi-azure-native `redisenterprise.Database` argument documentation.
"""

from __future__ import annotations

from typing import Any

from infra import contract
from infra.backends.azure.settings import AzureSettings
from infra.config.redis import RedisSettings

PORT = 10000  # "Azure Managed Redis instances use port 10000" (TLS configuration); `port` is fixed at create
DATABASE_NAME = "default"  # a cluster has one database, which the API names `default`
# The model's policy names -> the EvictionPolicy enum (all eight exist; the API's default is VolatileLRU, so the
# stack always sends one).
EVICTION_POLICIES = {
    "noeviction": "NoEviction", "allkeys-lru": "AllKeysLRU", "allkeys-lfu": "AllKeysLFU",
    "allkeys-random": "AllKeysRandom", "volatile-lru": "VolatileLRU", "volatile-lfu": "VolatileLFU",
    "volatile-random": "VolatileRandom", "volatile-ttl": "VolatileTTL",
}
# The model's fields the service does not take, and why (a set key is refused naming this reason).
NOT_APPLICABLE: dict[str, str] = {
    "maxmemory": "the SKU sets the memory (choose azure.sku instead)",
    "save_points": "Azure Managed Redis snapshots on a fixed frequency, not save points: set azure.rdbFrequency "
                   "(1h, 6h or 12h) and redis.appendonly false for RDB persistence",
    "protected_mode": "not a setting of the service: the private endpoint, the access key and TLS guard every "
                      "connection",
    "slowlog_threshold_ms": "the service exposes no slow-log setting",
    "slowlog_max_len": "the service exposes no slow-log setting",
    "tcp_keepalive": "the service exposes no keepalive setting (clients keep their own)",
    "timeout": "the service exposes no idle-client timeout",
    "lazyfree": "the service exposes no lazy-freeing setting",
}
COMMANDS_REASON = ("Azure Managed Redis can neither rename nor remove commands (no rename-command, no custom ACLs): "
                   "only the commands it blocks itself are unavailable, so FLUSHALL, FLUSHDB and CONFIG stay")
# What the `settings` output marks as managed by the service, keyed like RedisSettings.effective() (verification
# skips these with the reason instead of comparing them with INFO).
MANAGED: dict[str, str] = {
    "maxmemory": NOT_APPLICABLE["maxmemory"],
    "appendonly": "persistence is a database property (see persistence); the service does not report it in INFO",
    "appendfsync": "AOF writes every second (the only frequency the service offers besides the deprecated always)",
    "save": NOT_APPLICABLE["save_points"],
    "slowlog-log-slower-than": NOT_APPLICABLE["slowlog_threshold_ms"],
    "slowlog-max-len": NOT_APPLICABLE["slowlog_max_len"],
    "tcp-keepalive": NOT_APPLICABLE["tcp_keepalive"],
    "timeout": NOT_APPLICABLE["timeout"],
    "lazyfree": NOT_APPLICABLE["lazyfree"],
}
# "Redis commands not supported in Azure Managed Redis" (configure.md): blocked by the service itself, so they count
# as absent. (CLUSTER's write subcommands are blocked too, but its read-only ones are allowed, so CLUSTER is not
# listed; the full list is Redis Software's, redis.io/docs/latest/operate/rs/references/compatibility/commands.)
RESTRICTED_COMMANDS = ("BGREWRITEAOF", "BGSAVE", "MODULE", "MOVE", "PSYNC", "REPLCONF", "REPLICAOF", "SAVE",
                       "SELECT", "SHUTDOWN", "SYNC")


def persistence(redis: RedisSettings, az: AzureSettings) -> dict[str, Any] | None:
    """AOF when the model asks for it (everysec -> "1s"), else RDB at azure.rdbFrequency when it keeps save points;
    the service takes at most one of the two. None means no persistence, which `rules` refuses."""
    if redis.appendonly:
        return {"aof_enabled": True, "aof_frequency": "1s", "rdb_enabled": False}
    if redis.save_points:
        return {"aof_enabled": False, "rdb_enabled": True, "rdb_frequency": az.rdb_frequency}
    return None


def database_args(redis: RedisSettings, az: AzureSettings) -> dict[str, Any]:
    """The Database's arguments that come from the settings (the component adds names and parents). Every value is
    set explicitly: the API's defaults differ between versions (clustering OSSCluster, access keys Disabled on the
    newest ones), and the stack must not change meaning when the provider's default API version moves."""
    return {
        "client_protocol": "Encrypted",
        "port": PORT,
        "clustering_policy": az.clustering_policy,
        "eviction_policy": EVICTION_POLICIES[redis.maxmemory_policy],
        "persistence": persistence(redis, az),
        "access_keys_authentication": "Enabled" if az.access_keys_authentication else "Disabled",
        "defer_upgrade": "Deferred" if az.defer_upgrade else "NotDeferred",
    }


def effective_settings(redis: RedisSettings, az: AzureSettings) -> dict[str, Any]:
    """The `settings` stack output (`contract.settings_output`): the keys every backend exports, as the service
    applies them, plus what it manages itself (`managed`) and the commands it blocks (`restricted_commands`)."""
    shown = persistence(redis, az) or {}
    effective = redis.effective()
    effective.update({
        "maxmemory": None, "appendonly": bool(shown.get("aof_enabled")),
        "appendfsync": "everysec" if shown.get("aof_enabled") else None, "save": [],
        "slowlog-log-slower-than": None, "slowlog-max-len": None, "tcp-keepalive": None, "timeout": None,
        "lazyfree": None,
        # Only what the service blocks itself is unavailable (rules refuse any other entry), as on Memorystore.
        "disabled-commands": [c for c in redis.disabled_commands if c in RESTRICTED_COMMANDS],
        "persistence": "aof" if shown.get("aof_enabled") else "rdb" if shown.get("rdb_enabled") else "none",
        **({"rdb-frequency": az.rdb_frequency} if shown.get("rdb_enabled") else {}),
        "clustering-policy": az.clustering_policy,
        "sku": az.sku,
    })
    return contract.settings_output(effective, managed=MANAGED, restricted_commands=RESTRICTED_COMMANDS,
                                    cluster_mode=az.clustering_policy == "OSSCluster")
