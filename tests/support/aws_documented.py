"""An independent oracle for the generative config test: what AWS documents for the inputs the prod stack registers.

Written from AWS's documentation, not from the program's validation (sharing its code would make the test agree
with itself): node types from the CacheNode documentation botocore ships (the ElastiCache API Reference text),
tag rules from the ElastiCache tag schema, identifier rules from CreateReplicationGroup, windows from their API
descriptions, and Pulumi's own rule that no two resources share a URN. `violations(run)` lists every breach.
"""

from __future__ import annotations

import gzip
import html
import ipaddress
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import botocore

RG = "aws:elasticache/replicationGroup:ReplicationGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
TAG_TEXT = re.compile(r"[a-zA-Z0-9 _./=+:\-@]*")  # AWS::ElastiCache::* Tag, Pattern (keys also not aws:)
GROUP_ID = re.compile(r"[a-z][a-z0-9-]{0,39}")
WINDOW = r"(?:[01]\d|2[0-3]):[0-5]\d"
DAY = r"(?:sun|mon|tue|wed|thu|fri|sat)"
RETENTION_DAYS = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
                  3653}  # CloudWatch Logs PutRetentionPolicy
LLONG_MAX = 2**63 - 1


@cache
def creatable_node_types() -> frozenset[str]:
    """Current-generation node types in the API Reference's CacheNode text, minus T2 (no longer creatable)."""
    model = Path(botocore.__file__).parent / "data" / "elasticache" / "2015-02-02" / "service-2.json.gz"
    doc = json.loads(gzip.open(model).read())["shapes"]["CacheNode"]["documentation"]
    text = html.unescape(re.sub(r"<[^>]+>", " ", doc))
    current = "".join(part.split("Previous generation")[0] for part in text.split("Current generation")[1:])
    return frozenset(t for t in re.findall(r"cache\.[a-z0-9]+\.[a-z0-9]+", current) if not t.startswith("cache.t2."))


def _tags(resource: Any) -> list[str]:
    tags = resource.plain("tags")
    if tags is None:
        return []
    found = []
    if len(tags) > 50:
        found.append(f"{len(tags)} tags (AWS: at most 50)")
    for key, value in tags.items():
        if not 1 <= len(key) <= 128 or len(value) > 256 or key.lower().startswith("aws:"):
            found.append(f"tag {key!r}: key 1-128, value 0-256 characters, no aws: prefix")
        if not TAG_TEXT.fullmatch(key) or not TAG_TEXT.fullmatch(value):
            found.append(f"tag {key!r}={value!r}: characters outside the ElastiCache tag pattern")
    return found


def _minutes(text: str) -> int:
    *day, hours, minutes = text.split(":")
    days = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
    return (days.index(day[0]) * 1440 if day else 0) + int(hours) * 60 + int(minutes)


def _replication_group(group: Any) -> list[str]:
    found = []
    inputs = {key: group.plain(key) for key in group.inputs}
    gid = inputs["replicationGroupId"]
    if not GROUP_ID.fullmatch(gid) or "--" in gid or gid.endswith("-"):
        found.append(f"replicationGroupId {gid!r} (1-40 letters, digits, hyphens; a letter first)")
    if inputs["nodeType"] not in creatable_node_types():
        found.append(f"nodeType {inputs['nodeType']!r} is not a creatable node type")
    if not 0 <= inputs["snapshotRetentionLimit"] <= 35:
        found.append("snapshotRetentionLimit outside 0-35")
    snapshot, maintenance = inputs["snapshotWindow"], inputs["maintenanceWindow"]
    if not re.fullmatch(f"{WINDOW}-{WINDOW}", snapshot) or not re.fullmatch(f"{DAY}:{WINDOW}-{DAY}:{WINDOW}",
                                                                         maintenance):
        found.append(f"windows {snapshot!r} / {maintenance!r} are not hh24:mi-hh24:mi / ddd:hh24:mi-ddd:hh24:mi")
    else:
        s_start, s_end = (_minutes(p) for p in snapshot.split("-"))
        m_start, m_end = (_minutes(p) for p in maintenance.split("-"))
        if (s_end - s_start) % 1440 < 60 or (m_end - m_start) % 10080 < 60:
            found.append("a window shorter than 60 minutes")
        for day in range(7):
            start, length = day * 1440 + s_start, (s_end - s_start) % 1440
            if (start - m_start) % 10080 < (m_end - m_start) % 10080 or (m_start - start) % 10080 < length:
                found.append("the snapshot and maintenance windows overlap")
                break
    if inputs.get("numNodeGroups"):
        if not 1 <= inputs["numNodeGroups"] <= 500 or not 0 <= inputs["replicasPerNodeGroup"] <= 5:
            found.append("numNodeGroups 1-500, replicasPerNodeGroup 0-5")
    elif not 1 <= inputs["numCacheClusters"] <= 6:
        found.append("numCacheClusters outside 1-6")
    if inputs.get("automaticFailoverEnabled") and not inputs.get("numNodeGroups") and inputs["numCacheClusters"] < 2:
        found.append("automatic failover with fewer than 2 nodes")
    for arn in inputs.get("snapshotArns") or []:
        if not re.fullmatch(r"arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/[^,]+", arn):
            found.append(f"snapshotArns {arn!r} is not an S3 object ARN")
    token = inputs.get("authToken")
    if token is not None and not re.fullmatch(r"[A-Za-z0-9!&#$^<>-]{16,128}", token):
        found.append("authToken outside 16-128 of the allowed characters")
    return found


def _parameters(group: Any) -> list[str]:
    found = []
    for parameter in group.plain("parameters") or []:
        name, value = parameter["name"], parameter["value"]
        if name in ("slowlog-log-slower-than", "slowlog-max-len", "tcp-keepalive", "timeout"):
            if not re.fullmatch(r"\d+", value) or int(value) > LLONG_MAX:
                found.append(f"parameter {name}={value!r} is not a 64-bit count")
            elif name == "timeout" and 1 <= int(value) <= 19:
                found.append("timeout 1-19 (ElastiCache: invalid values)")
    return found


def violations(run: Any) -> list[str]:
    found = []
    urns = [(r.type, r.name) for r in run.resources]
    found += [f"two resources named {urn}" for urn in {u for u in urns if urns.count(u) > 1}]
    rules = [(r.plain("referencedSecurityGroupId"), r.plain("cidrIpv4")) for r in run.of_type(INGRESS)]
    if len(set(rules)) != len(rules):
        found.append("two ingress rules for the same source (InvalidPermission.Duplicate)")
    for _, cidr in rules:
        if cidr is not None and not ipaddress.ip_network(cidr).is_private:
            found.append(f"ingress from a public range {cidr}")
    for resource in run.resources:
        found += _tags(resource)
        if resource.type == RG:
            found += _replication_group(resource)
        elif resource.type == "aws:elasticache/parameterGroup:ParameterGroup":
            found += _parameters(resource)
        elif resource.type == "aws:elasticache/subnetGroup:SubnetGroup":
            subnets = resource.plain("subnetIds")
            if len(set(subnets)) != len(subnets):
                found.append("a subnet listed twice in the subnet group")
        elif resource.type == "aws:cloudwatch/logGroup:LogGroup" and \
                resource.plain("retentionInDays") not in RETENTION_DAYS:
            found.append(f"log retention {resource.plain('retentionInDays')} is not a CloudWatch Logs value")
    return found
