"""Render the Redis settings model as Memorystore `redisConfigs`: a pure function, like `redis_conf` and the
ElastiCache parameter group.

It starts from `RedisSettings.directives()` — the map the container's redis.conf is written from — and keeps the
directives Memorystore takes as `redisConfigs` (`service.SUPPORTED_CONFIGS`). Every other directive is in
`NOT_APPLICABLE` with the reason, never silently dropped; `rules` refuses a stack that sets one of them, naming the
key. `effective_settings` is the `settings` stack output: the same keys as the other backends, plus what the service
manages itself (`managed`) and the commands it blocks (`restricted_commands`), as data for the verifier and health.
"""

from __future__ import annotations

from typing import Any

from infra import contract
from infra.backends.memorystore import service
from infra.config.redis import RedisSettings

# Directives of the settings model that Memorystore does not take, and why (the key a user would set, in the words
# of the stack file, is in `rules.REDIS_KEYS`).
NOT_APPLICABLE: dict[str, str] = {
    "maxmemory": "the instance size (memorystore.memorySizeGb) sets the memory limit; Memorystore has no maxmemory "
                 "config (its maxmemory-gb only lowers the eviction ceiling below the size)",
    "save": "Memorystore has no save points: RDB snapshots every memorystore.snapshotPeriod replace them",
    "appendonly": "Memorystore for Redis has no AOF (persistenceMode is RDB or DISABLED): RDB snapshots and the "
                  "Standard tier's replicas replace it",
    "appendfsync": "only meaningful with AOF, which Memorystore for Redis does not offer",
    "protected-mode": "not a Memorystore config: private service access, the AUTH string and TLS guard every "
                      "connection",
    "tcp-keepalive": "not among the configs Memorystore accepts: the service sets it",
    "slowlog-log-slower-than": "not among the configs Memorystore accepts: the service keeps its own slow log "
                               "settings (SLOWLOG GET still reads the log)",
    "slowlog-max-len": "not among the configs Memorystore accepts: the service keeps its own slow log settings",
    "lazyfree-lazy-server-del": "not among the configs Memorystore accepts (only the eviction, expire, user-del and "
                                "user-flush lazyfree settings are)",
    "replica-lazy-flush": "not among the configs Memorystore accepts: replication is the service's",
}
COMMANDS_REASON = ("Memorystore can neither rename nor remove commands (no rename-command, and the ACL commands are "
                   "blocked); only the commands it blocks itself are unavailable")
# What the verifier and health skip, and why: the service, not the stack, decides these.
MANAGED: dict[str, str] = {
    "maxmemory": "memorystore.memorySizeGb sets the memory limit",
    "appendonly": "Memorystore persists with RDB snapshots (persistenceConfig) and replicas, not an AOF",
    "save": "RDB snapshots on the service's schedule (memorystore.snapshotPeriod), not save points",
    "slowlog": "the service keeps its own slow-log settings",
}


def render(settings: RedisSettings) -> tuple[dict[str, str], dict[str, str]]:
    """(redisConfigs exactly as the instance gets them, directive -> why it is not rendered)."""
    directives = settings.directives()
    configs = {name: value for name, value in directives.items() if name in service.SUPPORTED_CONFIGS}
    skipped = {name: NOT_APPLICABLE[name] for name in directives if name not in configs}
    return configs, skipped


def effective_settings(settings: RedisSettings) -> dict[str, Any]:
    """The `settings` output: what a live instance shows, with the same keys as the Docker backend's."""
    effective = settings.effective()
    effective.update({
        "maxmemory": None, "appendonly": False, "appendfsync": None, "save": [],
        # What the server shows for the directives the service owns is the service's choice, not the stack's.
        "slowlog-log-slower-than": None, "slowlog-max-len": None, "tcp-keepalive": None,
        # Only what Memorystore itself blocks is unavailable (rules refuse any other entry).
        "disabled-commands": [c for c in settings.disabled_commands if c in service.BLOCKED_COMMANDS],
    })
    return contract.settings_output(effective, managed=MANAGED, restricted_commands=service.BLOCKED_COMMANDS)
