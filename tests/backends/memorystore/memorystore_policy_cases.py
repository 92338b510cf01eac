"""Policy cases for the Memorystore rules, in the shape of tests/test_policy_rules.py's CASES (which includes them, so
the pure rules and the real CrossGuard pack in test_policy_pack.py judge every one): the instance the example stack
registers passes, and each weakened copy fails the one rule that guards it. Props are camelCase, as Pulumi passes
them; numbers may arrive as floats."""

from __future__ import annotations

from typing import Any

from policy.memorystore_rules import INSTANCE

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown string
UNKNOWN_OBJECT = "dd056dcd-154b-4c76-9bd3-c8f88648b5ff"
WINDOW = {"day": "SUNDAY", "startTime": {"hours": 5.0, "minutes": 0.0, "seconds": 0.0, "nanos": 0.0}}
GOOD: dict[str, Any] = {
    "name": "profwise-redis-memorystore", "tier": "STANDARD_HA", "redisVersion": "REDIS_7_2", "memorySizeGb": 5.0,
    "authEnabled": True, "transitEncryptionMode": "SERVER_AUTHENTICATION", "connectMode": "PRIVATE_SERVICE_ACCESS",
    "authorizedNetwork": "projects/my-project-123/global/networks/backend-vpc",
    "persistenceConfig": {"persistenceMode": "RDB", "rdbSnapshotPeriod": "ONE_HOUR"},
    "maintenancePolicy": {"weeklyMaintenanceWindows": [WINDOW]}, "deletionProtection": True,
    "readReplicasMode": "READ_REPLICAS_ENABLED", "replicaCount": 1.0,
}


def instance(**changes: Any) -> dict[str, Any]:
    return {k: v for k, v in {**GOOD, **changes}.items() if v is not None}


# (policy, resource type, props, violates)
CASES = [
    ("memorystore-auth", INSTANCE, instance(), False),
    ("memorystore-auth", INSTANCE, instance(authEnabled=False), True),
    ("memorystore-auth", INSTANCE, instance(authEnabled=None), True),
    ("memorystore-transit-encryption", INSTANCE, instance(), False),
    ("memorystore-transit-encryption", INSTANCE, instance(transitEncryptionMode="DISABLED"), True),
    ("memorystore-transit-encryption", INSTANCE, instance(transitEncryptionMode=None), True),
    ("memorystore-standard-tier", INSTANCE, instance(), False),
    ("memorystore-standard-tier", INSTANCE, instance(tier="BASIC"), True),
    ("memorystore-standard-tier", INSTANCE, instance(tier=None), True),
    ("memorystore-private-service-access", INSTANCE, instance(), False),
    ("memorystore-private-service-access", INSTANCE, instance(connectMode="DIRECT_PEERING"), True),
    ("memorystore-private-service-access", INSTANCE, instance(connectMode=None), True),
    ("memorystore-private-service-access", INSTANCE, instance(authorizedNetwork=None), True),
    ("memorystore-private-service-access", INSTANCE,
     instance(authorizedNetwork="projects/my-project-123/global/networks/default"), True),
    ("memorystore-rdb-persistence", INSTANCE, instance(), False),
    ("memorystore-rdb-persistence", INSTANCE, instance(persistenceConfig={"persistenceMode": "DISABLED"}), True),
    ("memorystore-rdb-persistence", INSTANCE, instance(persistenceConfig=None), True),
    ("memorystore-maintenance-window", INSTANCE, instance(), False),
    ("memorystore-maintenance-window", INSTANCE, instance(maintenancePolicy={"weeklyMaintenanceWindows": []}), True),
    ("memorystore-maintenance-window", INSTANCE, instance(maintenancePolicy=None), True),
    ("memorystore-deletion-protection", INSTANCE, instance(), False),
    ("memorystore-deletion-protection", INSTANCE, instance(deletionProtection=None), False),
    ("memorystore-deletion-protection", INSTANCE, instance(deletionProtection=False), True),
]
# A weak instance whose decisive value is unknown during a preview: no rule may report it.
UNKNOWN_CASES = [
    ("memorystore-auth", INSTANCE, instance(authEnabled="1c4a061d-8072-4f0a-a4cb-0ff528b18fe7")),
    ("memorystore-transit-encryption", INSTANCE, instance(transitEncryptionMode=UNKNOWN)),
    ("memorystore-standard-tier", INSTANCE, instance(tier=UNKNOWN)),
    ("memorystore-private-service-access", INSTANCE, instance(authorizedNetwork=UNKNOWN)),
    ("memorystore-rdb-persistence", INSTANCE, instance(persistenceConfig=UNKNOWN_OBJECT)),
    ("memorystore-rdb-persistence", INSTANCE, instance(persistenceConfig={"persistenceMode": UNKNOWN})),
    ("memorystore-maintenance-window", INSTANCE, instance(maintenancePolicy=UNKNOWN_OBJECT)),
]
