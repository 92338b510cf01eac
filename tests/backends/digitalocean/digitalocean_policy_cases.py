"""Policy cases for the DigitalOcean rules, in the shared table's shape (tests/policy/test_policy_rules.py discovers
this file, so the pure rules and the real CrossGuard pack in test_policy_pack.py judge every case): the resources
the component registers for the example stack pass (test_policy.py checks GOOD equals what it registers), and each
weakened copy fails the one rule that guards it. Props are camelCase, numbers floats, as Pulumi passes them."""

from __future__ import annotations

from typing import Any

from policy.digitalocean_rules import CLUSTER, FIREWALL, VALKEY_CONFIG

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown string
UNKNOWN_NUMBER, UNKNOWN_ARRAY = "3eeb2bf0-c639-47a8-9e75-3b44932eb421", "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2"
UNKNOWN_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"
GOOD: dict[str, dict[str, Any]] = {
    CLUSTER: {"region": "fra1", "name": "profwise-redis-digitalocean", "engine": "valkey",
              "privateNetworkUuid": "d455e75d-4858-4eec-8c95-da2f0a5f93a7", "nodeCount": 2.0,
              "size": "db-s-1vcpu-2gb", "maintenanceWindows": [{"hour": "05:00", "day": "sunday"}], "version": "8",
              "tags": ["profwise-redis", "profwise-redis:digitalocean", "profwise-backend"]},
    FIREWALL: {"rules": [{"value": "163973392", "type": "droplet"}, {"value": "profwise-backend", "type": "tag"}],
               "clusterId": "redis-cluster-id"},
    VALKEY_CONFIG: {"ssl": True, "valkeyMaxmemoryPolicy": "allkeys-lru", "persistence": "rdb", "timeout": 0.0,
                    "frequentSnapshots": True, "clusterId": "redis-cluster-id"},
}


def weakened(type_: str, **changes: Any) -> dict[str, Any]:
    """GOOD[type_] with `changes` (None removes a key)."""
    return {k: v for k, v in {**GOOD[type_], **changes}.items() if v is not None}


def ip(*values: str) -> dict[str, Any]:
    return weakened(FIREWALL, rules=[{"type": "ip_addr", "value": value} for value in values])


STANDBY, NETWORK = "digitalocean-valkey-standby", "digitalocean-valkey-private-network"
WINDOW, SOURCES = "digitalocean-valkey-maintenance-window", "digitalocean-valkey-trusted-sources"
TLS, PERSISTENCE = "digitalocean-valkey-tls", "digitalocean-valkey-persistence"

# (policy, resource type, props, violates)
CASES = [
    (STANDBY, CLUSTER, GOOD[CLUSTER], False),
    (STANDBY, CLUSTER, weakened(CLUSTER, nodeCount=1.0), True),
    (STANDBY, CLUSTER, weakened(CLUSTER, nodeCount=None), True),
    (STANDBY, CLUSTER, weakened(CLUSTER, nodeCount=True), True),
    (STANDBY, CLUSTER, weakened(CLUSTER, engine="pg", nodeCount=1.0), False),  # another engine: not judged
    (NETWORK, CLUSTER, GOOD[CLUSTER], False),
    (NETWORK, CLUSTER, weakened(CLUSTER, privateNetworkUuid=None), True),
    (NETWORK, CLUSTER, weakened(CLUSTER, privateNetworkUuid=""), True),
    (WINDOW, CLUSTER, GOOD[CLUSTER], False),
    (WINDOW, CLUSTER, weakened(CLUSTER, maintenanceWindows=None), True),
    (WINDOW, CLUSTER, weakened(CLUSTER, maintenanceWindows=[]), True),
    (SOURCES, FIREWALL, GOOD[FIREWALL], False),
    (SOURCES, FIREWALL, ip("10.110.0.0/20", "fd00::1"), False),
    (SOURCES, FIREWALL, weakened(FIREWALL, rules=[]), True),
    (SOURCES, FIREWALL, ip("0.0.0.0/0"), True),
    (SOURCES, FIREWALL, ip("::/0"), True),
    (SOURCES, FIREWALL, ip("198.51.100.4"), True),
    (TLS, VALKEY_CONFIG, GOOD[VALKEY_CONFIG], False),
    (TLS, VALKEY_CONFIG, weakened(VALKEY_CONFIG, ssl=False), True),
    (TLS, VALKEY_CONFIG, weakened(VALKEY_CONFIG, ssl=None), True),
    (PERSISTENCE, VALKEY_CONFIG, GOOD[VALKEY_CONFIG], False),
    (PERSISTENCE, VALKEY_CONFIG, weakened(VALKEY_CONFIG, persistence="off"), True),
    (PERSISTENCE, VALKEY_CONFIG, weakened(VALKEY_CONFIG, persistence=None), True),
]

# A weak resource whose decisive value is unknown during a preview: no rule may report it.
UNKNOWN_CASES = [
    (STANDBY, CLUSTER, weakened(CLUSTER, nodeCount=UNKNOWN_NUMBER)),
    (NETWORK, CLUSTER, weakened(CLUSTER, privateNetworkUuid=UNKNOWN)),
    (WINDOW, CLUSTER, weakened(CLUSTER, maintenanceWindows=UNKNOWN_ARRAY)),
    (SOURCES, FIREWALL, weakened(FIREWALL, rules=UNKNOWN_ARRAY)),
    (SOURCES, FIREWALL, ip(UNKNOWN)),
    (TLS, VALKEY_CONFIG, weakened(VALKEY_CONFIG, ssl=UNKNOWN_BOOL)),
    (PERSISTENCE, VALKEY_CONFIG, weakened(VALKEY_CONFIG, persistence=UNKNOWN)),
]
