"""The azure policies' table cases for tests/policy/test_policy_rules.py (which requires a passing and a failing
case per policy, and unknown values never reported): props as Pulumi passes them (camelCase)."""

from __future__ import annotations

from pulumi.runtime import rpc

from policy.azure_rules import CLUSTER, DATABASE

UNKNOWN = rpc.UNKNOWN
CLUSTER_PROPS = {"clusterName": "c", "resourceGroupName": "rg", "location": "westeurope",
                 "sku": {"name": "Balanced_B5"}, "highAvailability": "Enabled", "minimumTlsVersion": "1.2",
                 "publicNetworkAccess": "Disabled"}
DATABASE_PROPS = {"clusterName": "c", "resourceGroupName": "rg", "clientProtocol": "Encrypted", "port": 10000.0,
                  "persistence": {"aofEnabled": True, "aofFrequency": "1s", "rdbEnabled": False}}


def cluster(**changes):
    return {k: v for k, v in {**CLUSTER_PROPS, **changes}.items() if v is not None}


def database(**changes):
    return {k: v for k, v in {**DATABASE_PROPS, **changes}.items() if v is not None}


CASES = [
    ("azure-redis-public-network-disabled", CLUSTER, cluster(), False),
    ("azure-redis-public-network-disabled", CLUSTER, cluster(publicNetworkAccess="Enabled"), True),
    ("azure-redis-public-network-disabled", CLUSTER, cluster(publicNetworkAccess=None), True),
    ("azure-redis-minimum-tls-1-2", CLUSTER, cluster(), False),
    ("azure-redis-minimum-tls-1-2", CLUSTER, cluster(minimumTlsVersion="1.1"), True),
    ("azure-redis-minimum-tls-1-2", CLUSTER, cluster(minimumTlsVersion=None), True),
    ("azure-redis-high-availability", CLUSTER, cluster(), False),
    ("azure-redis-high-availability", CLUSTER, cluster(highAvailability="Disabled"), True),
    ("azure-redis-tls-only", DATABASE, database(), False),
    ("azure-redis-tls-only", DATABASE, database(clientProtocol="Plaintext"), True),
    ("azure-redis-tls-only", DATABASE, database(clientProtocol=None), True),
    ("azure-redis-persistence", DATABASE, database(persistence={"rdbEnabled": True, "rdbFrequency": "1h"}), False),
    ("azure-redis-persistence", DATABASE, database(persistence={"aofEnabled": False}), True),
    ("azure-redis-persistence", DATABASE, database(persistence=None), True),
]
UNKNOWN_CASES = [
    ("azure-redis-public-network-disabled", CLUSTER, cluster(publicNetworkAccess=UNKNOWN)),
    ("azure-redis-minimum-tls-1-2", CLUSTER, cluster(minimumTlsVersion=UNKNOWN)),
    ("azure-redis-high-availability", CLUSTER, cluster(highAvailability=UNKNOWN)),
    ("azure-redis-tls-only", DATABASE, database(clientProtocol=UNKNOWN)),
    ("azure-redis-persistence", DATABASE, database(persistence=UNKNOWN)),
    ("azure-redis-persistence", DATABASE, database(persistence={"aofEnabled": UNKNOWN})),
]
