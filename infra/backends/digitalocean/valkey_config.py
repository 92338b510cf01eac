"""Render the Redis settings model as DigitalOcean's Valkey config: a pure function, like `redis_conf` and the
ElastiCache parameter group.

DigitalOcean exposes few server settings (`DatabaseValkeyConfig`, the API's valkey_advanced_config): the eviction
policy, the idle timeout, RDB persistence (`rdb` or `off`) with frequent snapshots, and `ssl`. `render()` maps the
model onto those; what the model carries but DigitalOcean does not let a user set is listed in `NOT_APPLICABLE` with
the reason, never dropped silently, and `settings()` is the stack's `settings` output: what a live node shows, with
`managed` naming each setting the service decides itself (verify and health skip those, giving the reason).
"""

from __future__ import annotations

from typing import Any

from infra.backends.digitalocean.limits import EVICTION_POLICIES
from infra.config.redis import RedisSettings

# valkey_persistence: "When persistence is 'rdb', Valkey does RDB dumps each 10 minutes if any key is changed"
# (valkey_advanced_config.yml): that schedule is fixed, so it is what the settings output promises.
RDB_SCHEDULE = [[600, 1]]
_NO_FIELD = "not in DigitalOcean's Valkey config (the API's valkey_advanced_config has no such field)"
# Directive (as RedisSettings.directives() names it) -> why it is not rendered.
NOT_APPLICABLE: dict[str, str] = {
    "maxmemory": "set by the size slug; DigitalOcean does not let it be changed (choose digitalocean.size instead)",
    "appendonly": "DigitalOcean Valkey has no AOF: persistence is RDB dumps (rdb) or none (off)",
    "appendfsync": "only meaningful with AOF, which DigitalOcean Valkey does not offer",
    "save": "DigitalOcean's RDB schedule is fixed (a dump every 10 minutes when a key changed); savePoints cannot "
            "change it",
    "protected-mode": "not configurable: the cluster's firewall (trusted sources), its password and required TLS "
                      "guard every connection",
    "tcp-keepalive": _NO_FIELD,
    "slowlog-log-slower-than": _NO_FIELD,
    "slowlog-max-len": _NO_FIELD,
    "lazyfree": "Valkey 8 frees lazily by default (valkey-io/valkey#913) and DigitalOcean offers no setting for it",
    "disabled-commands": "DigitalOcean has no rename-command and no user or ACL management for Valkey (API: \"User "
                         "management is not supported for Caching or Valkey clusters\"), so no command can be "
                         "removed; the commands DigitalOcean itself blocks are not listed in its documentation",
}


def persistence(settings: RedisSettings) -> str:
    """RDB snapshots in the model (save points) -> DigitalOcean's `rdb`; none -> `off` (the policy refuses it)."""
    return "rdb" if settings.save_points else "off"


def render(settings: RedisSettings) -> dict[str, Any]:
    """The DatabaseValkeyConfig arguments (snake_case, as the SDK takes them), cluster_id aside.

    The eviction policy keeps Redis's spelling (allkeys-lru): the provider validates that form for
    valkey_maxmemory_policy, and its acceptance test applies it to the real API ("volatile-random"). An LFU policy
    raises here (the rules refuse it first, naming the key). `ssl` and `frequent_snapshots` are set explicitly so the
    stack states them, rather than relying on DigitalOcean's defaults.
    """
    if settings.maxmemory_policy not in EVICTION_POLICIES:
        raise ValueError(f"DigitalOcean Valkey has no {settings.maxmemory_policy} eviction policy")
    return {
        "valkey_maxmemory_policy": settings.maxmemory_policy,
        "timeout": settings.timeout,  # DigitalOcean's default is 300 s; the model's (0, never) is written out
        "persistence": persistence(settings),
        "frequent_snapshots": True,
        "ssl": True,
    }


def settings_output(settings: RedisSettings) -> dict[str, Any]:
    """The `settings` stack output: the keys every backend exports, plus what the service manages itself."""
    effective = settings.effective()
    effective.update({
        "maxmemory": None,
        "appendonly": False,
        "appendfsync": None,
        "save": RDB_SCHEDULE if persistence(settings) == "rdb" else [],
        "slowlog-log-slower-than": None,
        "slowlog-max-len": None,
        "tcp-keepalive": None,
        "lazyfree": True,
        "disabled-commands": [],
        "managed": {key: NOT_APPLICABLE[key] for key in ("maxmemory", "appendonly", "slowlog-log-slower-than",
                                                          "slowlog-max-len", "tcp-keepalive", "disabled-commands")},
        "restricted_commands": [],
        "cluster_mode": False,
    })
    return effective
