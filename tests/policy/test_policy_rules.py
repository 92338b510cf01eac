"""policy/rules.py: every policy with passing and failing resources (props as Pulumi passes them: camelCase, numbers
possibly floats), and unknown values during a preview never reported as violations."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest
from pulumi.runtime import rpc

from policy import rules
from policy.rules import (
    CONTAINER,
    ELASTICACHE_USER,
    INGRESS_RULE,
    REPLICATION_GROUP,
    RULES,
    SECURITY_GROUP,
    SECURITY_GROUP_RULE,
    evaluate,
)

BACKEND_TESTS = Path(__file__).resolve().parents[1] / "backends"


def backend_cases() -> list[ModuleType]:
    """Each backend keeps its cases beside its tests, in tests/backends/<name>/<name>_policy_cases.py (CASES and
    UNKNOWN_CASES in this module's shapes), found by file name as policy/rules.py finds the rules."""
    return [importlib.import_module(f"backends.{path.parent.name}.{path.stem}")
            for path in sorted(BACKEND_TESTS.glob("*/*_policy_cases.py"))]


UNKNOWN = rpc.UNKNOWN  # what the engine sends for a value not known until apply
UNKNOWN_BOOL, UNKNOWN_NUMBER, UNKNOWN_ARRAY, UNKNOWN_OBJECT = (
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", "dd056dcd-154b-4c76-9bd3-c8f88648b5ff")
SLOW_LOG = {"destination": "/aws/elasticache/g/slow-log", "destinationType": "cloudwatch-logs", "logFormat": "json",
            "logType": "slow-log"}
ENGINE_LOG = {**SLOW_LOG, "destination": "/aws/elasticache/g/engine-log", "logType": "engine-log"}
GROUP = {
    "engine": "redis", "atRestEncryptionEnabled": True, "kmsKeyId": "arn:aws:kms:eu-west-1:123456789012:key/k",
    "transitEncryptionEnabled": True, "transitEncryptionMode": "required", "authToken": "t" * 40,
    "snapshotRetentionLimit": 7.0, "automaticFailoverEnabled": True, "multiAzEnabled": True,
    "autoMinorVersionUpgrade": True, "subnetGroupName": "g-subnets",
    "logDeliveryConfigurations": [SLOW_LOG, ENGINE_LOG],
}
INGRESS = {"securityGroupId": "sg-1", "ipProtocol": "tcp", "fromPort": 6379.0, "toPort": 6379.0,
           "referencedSecurityGroupId": "sg-0a1b2c3d4e5f67893"}
SG_RULE = {"type": "ingress", "securityGroupId": "sg-1", "protocol": "tcp", "fromPort": 6379, "toPort": 6379,
           "cidrBlocks": ["10.0.0.0/16"]}
PORT = {"internal": 6379.0, "external": 6379.0, "ip": "127.0.0.1", "protocol": "tcp"}


def group(**changes):
    return {k: v for k, v in {**GROUP, **changes}.items() if v is not None}


def user(access: str, name: str = "default") -> dict:
    return {"userId": f"g-{name}", "userName": name, "engine": "redis", "accessString": access,
            "passwords": ["p" * 32]}


def sg_with(*ingress):
    return {"vpcId": "vpc-1", "ingress": list(ingress)}


# (policy, resource type, props, violates)
CASES = [
    ("elasticache-encryption-at-rest", REPLICATION_GROUP, group(), False),
    ("elasticache-encryption-at-rest", REPLICATION_GROUP, group(atRestEncryptionEnabled=False), True),
    ("elasticache-encryption-at-rest", REPLICATION_GROUP, group(atRestEncryptionEnabled=None), True),
    ("elasticache-encryption-at-rest", REPLICATION_GROUP, group(atRestEncryptionEnabled=None, engine="valkey"), False),
    ("elasticache-encryption-in-transit", REPLICATION_GROUP, group(), False),
    ("elasticache-encryption-in-transit", REPLICATION_GROUP, group(transitEncryptionEnabled=False), True),
    ("elasticache-encryption-in-transit", REPLICATION_GROUP, group(transitEncryptionMode="preferred"), True),
    ("elasticache-encryption-in-transit", REPLICATION_GROUP, group(transitEncryptionMode=None), True),
    ("elasticache-default-user-denies-flush", ELASTICACHE_USER, user("on ~* &* +@all -flushall -flushdb"), False),
    ("elasticache-default-user-denies-flush", ELASTICACHE_USER, user("on ~* +@all", name="profwise-admin"), False),
    ("elasticache-default-user-denies-flush", ELASTICACHE_USER, user("on ~* +@all -flushall -flushdb -@all"), False),
    ("elasticache-default-user-denies-flush", ELASTICACHE_USER, user("on ~* &* +@all"), True),
    ("elasticache-default-user-denies-flush", ELASTICACHE_USER, user("on ~* +@all -flushall"), True),
    ("elasticache-default-user-denies-flush", ELASTICACHE_USER, user("on ~* +@all -flushall -flushdb +@write"), True),
    ("elasticache-default-user-denies-flush", ELASTICACHE_USER, user("on ~* -flushall -flushdb allcommands"), True),
    ("elasticache-default-user-denies-flush", ELASTICACHE_USER, user("on ~* +@all -flushall -flushdb|async"), True),
    ("elasticache-auth", REPLICATION_GROUP, group(), False),
    ("elasticache-auth", REPLICATION_GROUP, group(authToken=None, userGroupIds=["profwise-users"]), False),
    ("elasticache-auth", REPLICATION_GROUP, group(authToken=None, authTokenWo="w" * 32), False),
    ("elasticache-auth", REPLICATION_GROUP, group(authToken=None), True),
    ("elasticache-auth", REPLICATION_GROUP, group(authToken="", userGroupIds=[]), True),
    ("elasticache-customer-kms-key", REPLICATION_GROUP, group(), False),
    ("elasticache-customer-kms-key", REPLICATION_GROUP, group(kmsKeyId=None), True),
    ("elasticache-customer-kms-key", REPLICATION_GROUP, group(kmsKeyId=""), True),
    ("elasticache-backup-retention", REPLICATION_GROUP, group(snapshotRetentionLimit=35), False),
    ("elasticache-backup-retention", REPLICATION_GROUP, group(snapshotRetentionLimit=6), True),
    ("elasticache-backup-retention", REPLICATION_GROUP, group(snapshotRetentionLimit=0.0), True),
    ("elasticache-backup-retention", REPLICATION_GROUP, group(snapshotRetentionLimit=None), True),
    ("elasticache-failover-multi-az", REPLICATION_GROUP, group(), False),
    ("elasticache-failover-multi-az", REPLICATION_GROUP, group(automaticFailoverEnabled=False), True),
    ("elasticache-failover-multi-az", REPLICATION_GROUP, group(multiAzEnabled=False), True),
    ("elasticache-failover-multi-az", REPLICATION_GROUP, group(multiAzEnabled=None), True),
    ("elasticache-auto-minor-version-upgrade", REPLICATION_GROUP, group(), False),
    ("elasticache-auto-minor-version-upgrade", REPLICATION_GROUP, group(autoMinorVersionUpgrade=None), False),
    ("elasticache-auto-minor-version-upgrade", REPLICATION_GROUP, group(autoMinorVersionUpgrade=False), True),
    ("elasticache-custom-subnet-group", REPLICATION_GROUP, group(), False),
    ("elasticache-custom-subnet-group", REPLICATION_GROUP, group(subnetGroupName="default"), True),
    ("elasticache-custom-subnet-group", REPLICATION_GROUP, group(subnetGroupName=None), True),
    ("elasticache-slow-log-delivery", REPLICATION_GROUP, group(), False),
    ("elasticache-slow-log-delivery", REPLICATION_GROUP,
     group(logDeliveryConfigurations=[{**SLOW_LOG, "destinationType": "kinesis-firehose"}]), False),
    ("elasticache-slow-log-delivery", REPLICATION_GROUP, group(logDeliveryConfigurations=[ENGINE_LOG]), True),
    ("elasticache-slow-log-delivery", REPLICATION_GROUP,
     group(logDeliveryConfigurations=[{**SLOW_LOG, "destination": ""}]), True),
    ("elasticache-slow-log-delivery", REPLICATION_GROUP, group(logDeliveryConfigurations=None), True),
    ("redis-port-not-public", INGRESS_RULE, INGRESS, False),
    ("redis-port-not-public", INGRESS_RULE, {**INGRESS, "cidrIpv4": "10.0.0.0/16"}, False),
    ("redis-port-not-public", INGRESS_RULE, {**INGRESS, "cidrIpv4": "0.0.0.0/0", "fromPort": 443, "toPort": 443},
     False),
    ("redis-port-not-public", INGRESS_RULE, {**INGRESS, "cidrIpv4": "0.0.0.0/0", "ipProtocol": "udp"}, False),
    ("redis-port-not-public", INGRESS_RULE, {**INGRESS, "cidrIpv4": "0.0.0.0/0"}, True),
    ("redis-port-not-public", INGRESS_RULE, {**INGRESS, "cidrIpv6": "::/0", "ipProtocol": "6"}, True),
    ("redis-port-not-public", INGRESS_RULE, {**INGRESS, "cidrIpv4": "0.0.0.0/0", "fromPort": 6000, "toPort": 7000},
     True),
    ("redis-port-not-public", INGRESS_RULE, {"securityGroupId": "sg-1", "cidrIpv4": "0.0.0.0/0", "ipProtocol": "-1"},
     True),
    ("redis-port-not-public", SECURITY_GROUP_RULE, SG_RULE, False),
    ("redis-port-not-public", SECURITY_GROUP_RULE, {**SG_RULE, "type": "egress", "cidrBlocks": ["0.0.0.0/0"]},
     False),
    ("redis-port-not-public", SECURITY_GROUP_RULE, {**SG_RULE, "cidrBlocks": ["10.0.0.0/8", "0.0.0.0/0"]}, True),
    ("redis-port-not-public", SECURITY_GROUP_RULE, {**SG_RULE, "cidrBlocks": [], "ipv6CidrBlocks": ["::/0"]}, True),
    ("redis-port-not-public", SECURITY_GROUP, sg_with(), False),
    ("redis-port-not-public", SECURITY_GROUP,
     sg_with({"protocol": "tcp", "fromPort": 6379, "toPort": 6379, "securityGroups": ["sg-2"]}), False),
    ("redis-port-not-public", SECURITY_GROUP,
     sg_with({"protocol": "tcp", "fromPort": 6379, "toPort": 6379, "cidrBlocks": ["0.0.0.0/0"]}), True),
    ("redis-port-not-public", SECURITY_GROUP,
     sg_with({"protocol": "-1", "fromPort": 0, "toPort": 0, "ipv6CidrBlocks": ["::/0"]}), True),
    ("docker-port-loopback-only", CONTAINER, {"ports": [PORT]}, False),
    ("docker-port-loopback-only", CONTAINER, {"ports": [{**PORT, "ip": "::1"}]}, False),
    ("docker-port-loopback-only", CONTAINER, {}, False),
    ("docker-port-loopback-only", CONTAINER, {"ports": [{**PORT, "ip": "0.0.0.0"}]}, True),
    ("docker-port-loopback-only", CONTAINER, {"ports": [{**PORT, "ip": "192.168.1.20"}]}, True),
    ("docker-port-loopback-only", CONTAINER, {"ports": [{k: v for k, v in PORT.items() if k != "ip"}]}, True),
]
CASES += [case for module in backend_cases() for case in module.CASES]
BY_NAME = {rule.name: rule for rule in RULES}


@pytest.mark.parametrize(("policy", "type_", "props", "violates"), CASES,
                         ids=[f"{c[0]}-{'fail' if c[3] else 'pass'}-{i}" for i, c in enumerate(CASES)])
def test_policy(policy, type_, props, violates):
    messages = BY_NAME[policy].violations(type_, props)
    assert bool(messages) is violates, messages
    # Only the policy under test objects: the base resources comply with every other one.
    assert {rule.name for rule, _ in evaluate(type_, props)} == ({policy} if violates else set())


def test_every_policy_has_a_passing_and_a_failing_case_and_cites_its_control():
    assert {(c[0], c[3]) for c in CASES} == {(rule.name, v) for rule in RULES for v in (False, True)}
    assert len(BY_NAME) == len(RULES)
    for rule in RULES:
        assert rule.controls and rule.description and rule.resource_types


def test_messages_name_the_property_and_read_numbers_as_written():
    (message,) = BY_NAME["elasticache-backup-retention"].violations(REPLICATION_GROUP,
                                                                  group(snapshotRetentionLimit=1.0))
    assert message.startswith("snapshotRetentionLimit is 1:")
    (message,) = BY_NAME["docker-port-loopback-only"].violations(CONTAINER, {"ports": [{**PORT, "ip": "0.0.0.0"}]})
    assert "port 6379 is published on '0.0.0.0'" in message


def test_a_policy_ignores_other_resource_types():
    assert evaluate("aws:kms/key:Key", {"enableKeyRotation": False}) == []
    assert BY_NAME["docker-port-loopback-only"].violations(REPLICATION_GROUP, {"ports": [{"ip": "0.0.0.0"}]}) == []


# A weak resource whose decisive value is unknown during a preview: no rule may report it.
UNKNOWN_CASES = [
    ("elasticache-encryption-at-rest", REPLICATION_GROUP, group(atRestEncryptionEnabled=UNKNOWN_BOOL)),
    ("elasticache-encryption-in-transit", REPLICATION_GROUP,
     group(transitEncryptionEnabled=UNKNOWN_BOOL, transitEncryptionMode=UNKNOWN)),
    ("elasticache-auth", REPLICATION_GROUP, group(authToken=UNKNOWN)),
    ("elasticache-default-user-denies-flush", ELASTICACHE_USER, user(UNKNOWN)),
    ("elasticache-default-user-denies-flush", ELASTICACHE_USER, user("on ~* +@all", name=UNKNOWN)),
    ("elasticache-auth", REPLICATION_GROUP, group(authToken=None, userGroupIds=[UNKNOWN])),
    ("elasticache-customer-kms-key", REPLICATION_GROUP, group(kmsKeyId=UNKNOWN)),
    ("elasticache-backup-retention", REPLICATION_GROUP, group(snapshotRetentionLimit=UNKNOWN_NUMBER)),
    ("elasticache-failover-multi-az", REPLICATION_GROUP,
     group(automaticFailoverEnabled=UNKNOWN_BOOL, multiAzEnabled=UNKNOWN_BOOL)),
    ("elasticache-auto-minor-version-upgrade", REPLICATION_GROUP, group(autoMinorVersionUpgrade=UNKNOWN_BOOL)),
    ("elasticache-custom-subnet-group", REPLICATION_GROUP, group(subnetGroupName=UNKNOWN)),
    ("elasticache-slow-log-delivery", REPLICATION_GROUP, group(logDeliveryConfigurations=UNKNOWN_ARRAY)),
    ("elasticache-slow-log-delivery", REPLICATION_GROUP, group(logDeliveryConfigurations=[UNKNOWN_OBJECT])),
    ("elasticache-slow-log-delivery", REPLICATION_GROUP,
     group(logDeliveryConfigurations=[{**SLOW_LOG, "logType": UNKNOWN}])),
    ("redis-port-not-public", INGRESS_RULE, {**INGRESS, "cidrIpv4": "0.0.0.0/0", "ipProtocol": UNKNOWN}),
    ("redis-port-not-public", INGRESS_RULE, {**INGRESS, "cidrIpv4": "0.0.0.0/0", "toPort": UNKNOWN_NUMBER}),
    ("redis-port-not-public", INGRESS_RULE, {**INGRESS, "cidrIpv4": UNKNOWN}),
    ("redis-port-not-public", SECURITY_GROUP, {"ingress": UNKNOWN_ARRAY}),
    ("redis-port-not-public", SECURITY_GROUP, sg_with(UNKNOWN_OBJECT)),
    ("docker-port-loopback-only", CONTAINER, {"ports": UNKNOWN_ARRAY}),
    ("docker-port-loopback-only", CONTAINER, {"ports": [{**PORT, "ip": UNKNOWN}]}),
]
UNKNOWN_CASES += [case for module in backend_cases() for case in module.UNKNOWN_CASES]


@pytest.mark.parametrize(("policy", "type_", "props"), UNKNOWN_CASES, ids=[c[0] for c in UNKNOWN_CASES])
def test_unknown_values_are_not_violations(policy, type_, props):
    assert BY_NAME[policy].violations(type_, props) == []


def test_the_unknown_sentinels_are_the_engines():
    assert rules.is_unknown(rpc.UNKNOWN) and not rules.is_unknown("0.0.0.0/0")
    assert {UNKNOWN, UNKNOWN_BOOL, UNKNOWN_NUMBER, UNKNOWN_ARRAY, UNKNOWN_OBJECT} <= rules.UNKNOWN_VALUES
