"""A replication group in moto, the way AWS would list it, and the `control_plane` output the prod stack exports for it.

Moto quirks worked around as AWS itself behaves: moto sizes a cluster-mode-disabled group from ReplicasPerNodeGroup
(it ignores NumCacheClusters), and it does not materialise the member clusters, so `create_group` creates them (with
their engine version) the way AWS lists them under DescribeCacheClusters.
"""

from __future__ import annotations

import uuid
from typing import Any

import boto3

REGION = "eu-west-1"
KMS_KEY = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
SECURE_GROUP = dict(Engine="redis", EngineVersion="7.1", ReplicasPerNodeGroup=1, AutomaticFailoverEnabled=True,
                    MultiAZEnabled=True, AtRestEncryptionEnabled=True, KmsKeyId=KMS_KEY, TransitEncryptionEnabled=True,
                    TransitEncryptionMode="required", AuthToken="Token-With-Enough-Length-0123",
                    SnapshotRetentionLimit=7)


def expected_for(group_id: str, **changes: Any) -> dict[str, Any]:
    """The control_plane output the prod stack exports for the secure group (keys as documented in contract.py)."""
    return {"replication_group_id": group_id, "region": REGION, "engine": "redis", "engine_version": "7.1",
            "cluster_mode": False, "member_count": 2, "multi_az": True, "automatic_failover": True,
            "at_rest_encryption": True, "transit_encryption_mode": "required", "auth_token_enabled": True,
            "snapshot_retention_days": 7, **changes}


def create_group(endpoint: str, engine_version: str = "7.1.0", **changes: Any) -> str:
    api = boto3.client("elasticache", region_name=REGION, endpoint_url=endpoint)
    group_id = f"pw-{uuid.uuid4().hex[:10]}"
    params = {k: v for k, v in {**SECURE_GROUP, **changes}.items() if v is not None}
    group = api.create_replication_group(ReplicationGroupId=group_id, ReplicationGroupDescription="profwise",
                                         **params)["ReplicationGroup"]
    for member in group["MemberClusters"]:
        api.create_cache_cluster(CacheClusterId=member, ReplicationGroupId=group_id, Engine="redis",
                                 EngineVersion=engine_version, CacheNodeType="cache.t4g.small")
    return group_id
