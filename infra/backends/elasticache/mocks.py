"""What AWS computes for the prod stack's resources under the Pulumi mock engine (infra.tooling.mock_engine).

Endpoints, ARNs, member cache clusters, the region invoke: values no input states, shaped as the providers return
them, so the program's outputs and the deploy hook's view can be tested without AWS. Stdlib only.
"""

from __future__ import annotations

from typing import Any

from infra.backends.elasticache import REPLICATION_GROUP_TYPE


def _replication_group(args: Any) -> dict[str, Any]:
    """What AWS reports for a replication group: TLS endpoints and the member cache clusters it names."""
    group = args.inputs["replicationGroupId"]
    host = f"{group}.abc123.euw1.cache.amazonaws.com"
    if args.inputs.get("numNodeGroups"):
        per_shard = 1 + int(args.inputs.get("replicasPerNodeGroup", 0))
        members = [f"{group}-{s:04d}-{n:03d}" for s in range(1, int(args.inputs["numNodeGroups"]) + 1)
                   for n in range(1, per_shard + 1)]
        endpoints = {"configurationEndpointAddress": f"clustercfg.{host}"}
    else:
        members = [f"{group}-{n:03d}" for n in range(1, int(args.inputs.get("numCacheClusters", 1)) + 1)]
        endpoints = {"primaryEndpointAddress": f"master.{host}", "readerEndpointAddress": f"replica.{host}"}
    return {**endpoints, "memberClusters": members, "arn": f"arn:aws:elasticache:eu-west-1:{MOCK_ACCOUNT}:"
            f"replicationgroup:{group}", "clusterEnabled": bool(args.inputs.get("numNodeGroups"))}


MOCK_ACCOUNT = "123456789012"
MOCK_REGION = "eu-west-1"
OUTPUTS: dict[str, Any] = {
    "random:index/randomId:RandomId": {"hex": "5eed0fc0ffee", "b64Url": "Xu0PwP_u", "dec": "104205123456750"},
    REPLICATION_GROUP_TYPE: _replication_group,
    "aws:kms/key:Key": lambda args: {"arn": f"arn:aws:kms:{MOCK_REGION}:{MOCK_ACCOUNT}:key/"
                                            "1234abcd-12ab-34cd-56ef-1234567890ab",
                                     "keyId": "1234abcd-12ab-34cd-56ef-1234567890ab"},
    "aws:sns/topic:Topic": lambda args: {"arn": f"arn:aws:sns:{MOCK_REGION}:{MOCK_ACCOUNT}:{args.name}"},
    "aws:index/getRegion:getRegion": {"region": MOCK_REGION, "name": MOCK_REGION, "id": MOCK_REGION},
}
