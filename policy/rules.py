"""The compliance rules, written once: pure functions from a resource's type and properties to violations.

Both the CrossGuard pack (`policy/__main__.py`, which `pulumi preview/up --policy-pack policy` runs) and the offline
`python -m infra.cli check` import this module, so a rule cannot drift between them. Properties are what Pulumi hands
a policy: the resource's inputs with camelCase keys and secrets unwrapped (numbers may arrive as floats). During a
preview some values are not known yet: inside the pack pulumi_policy raises `UnknownValueError` when one is read and
reports "can't run policy during preview" as advisory; offline the unknown sentinel itself reaches the rule, and each
check skips what it cannot know. Either way an unknown value is never a violation. Standard library only: the pack
runs in its own virtualenv. Every rule cites the AWS Security Hub / checkov / CIS control it implements.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__:  # offline (`infra.cli check`, tests): `policy.rules`
    from policy.common import UNKNOWN_VALUES, Props, Rule, is_unknown, sibling  # noqa: F401 — re-exported
    from policy.common import shown as _shown
else:  # inside the pack: top-level modules
    from common import UNKNOWN_VALUES, Props, Rule, is_unknown, sibling  # type: ignore[no-redef,import-not-found]  # noqa: F401
    from common import shown as _shown  # type: ignore[no-redef]

access_string = sibling("access_string", __package__)  # the access-string evaluator (standard library only)

REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
ELASTICACHE_USER = "aws:elasticache/user:User"
# What the app's `default` user must never run, whatever else the stack disables: the guide's wipe commands.
DEFAULT_USER_DENIED = ("FLUSHALL", "FLUSHDB")
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
CONTAINER = "docker:index/container:Container"
REDIS_PORT = 6379
MIN_RETENTION_DAYS = 7


def _must_be_true(props: Props, key: str, why: str) -> list[str]:
    value = props.get(key)
    return [] if value is True or is_unknown(value) else [f"{key} is {value!r}: {why}"]


def _encryption_at_rest(_: str, props: Props) -> list[str]:
    # pulumi-aws ReplicationGroup.at_rest_encryption_enabled: "When engine is valkey, default is true".
    if props.get("atRestEncryptionEnabled") is None and props.get("engine") == "valkey":
        return []
    return _must_be_true(props, "atRestEncryptionEnabled", "data and snapshots would be stored unencrypted")


def _encryption_in_transit(_: str, props: Props) -> list[str]:
    found = _must_be_true(props, "transitEncryptionEnabled", "clients would talk to Redis in plaintext")
    mode = props.get("transitEncryptionMode")
    if not is_unknown(mode) and mode != "required":
        found.append(f"transitEncryptionMode is {mode!r}: only 'required' refuses plaintext clients "
                     "('preferred' still accepts them)")
    return found


def _auth(_: str, props: Props) -> list[str]:
    token = props.get("authToken") or props.get("authTokenWo")
    groups = props.get("userGroupIds") or []
    if is_unknown(token) or is_unknown(groups) or any(is_unknown(g) for g in groups):
        return []
    if (isinstance(token, str) and token) or any(groups):
        return []
    return ["neither authToken nor userGroupIds is set: any client that reaches the port can read and write"]


def _default_user_denies(_: str, props: Props) -> list[str]:
    """Only the user named `default` (the one one-argument AUTH reaches, the app's): an admin user may flush."""
    name, access = props.get("userName"), props.get("accessString")
    if is_unknown(name) or name != "default" or is_unknown(access):
        return []
    allowed = access_string.undenied(access if isinstance(access, str) else "", DEFAULT_USER_DENIED)
    return [f"the default user's accessString {access!r} lets the app run {', '.join(allowed)}: end it with "
            f"{' '.join('-' + c.lower() for c in allowed)} (the admin user runs them)"] if allowed else []


def _customer_key(_: str, props: Props) -> list[str]:
    key = props.get("kmsKeyId")
    if is_unknown(key) or (isinstance(key, str) and key):
        return []
    return ["kmsKeyId is not set: at-rest encryption would use the AWS-owned key instead of a customer-managed one"]


def _backups(_: str, props: Props) -> list[str]:
    days = props.get("snapshotRetentionLimit")
    if is_unknown(days):
        return []
    days = 0 if days is None else days  # the provider's default, 0, turns automatic backups off
    if isinstance(days, (int, float)) and days >= MIN_RETENTION_DAYS:
        return []
    return [f"snapshotRetentionLimit is {_shown(days)}: keep automatic daily snapshots for at least "
            f"{MIN_RETENTION_DAYS} days"]


def _failover(_: str, props: Props) -> list[str]:
    return (_must_be_true(props, "automaticFailoverEnabled", "a failed primary would not be replaced by a replica")
            + _must_be_true(props, "multiAzEnabled", "an availability-zone outage would take the cache down"))


def _minor_upgrades(_: str, props: Props) -> list[str]:
    # Unset means AWS's default, true (pulumi-aws ReplicationGroup.auto_minor_version_upgrade).
    value = props.get("autoMinorVersionUpgrade")
    return [] if value is not False else ["autoMinorVersionUpgrade is False: security patches would not be applied"]


def _subnet_group(_: str, props: Props) -> list[str]:
    name = props.get("subnetGroupName")
    if is_unknown(name) or (isinstance(name, str) and name and name != "default"):
        return []
    return [f"subnetGroupName is {name!r}: the group would land in the default subnet group (the default VPC's "
            "subnets, often public)"]


def _slow_log(_: str, props: Props) -> list[str]:
    configs = props.get("logDeliveryConfigurations") or []
    if is_unknown(configs):
        return []
    for config in configs:
        if is_unknown(config):
            return []
        kind, destination = config.get("logType"), config.get("destination")
        if is_unknown(kind) or (kind == "slow-log" and destination
                                and config.get("destinationType") in ("cloudwatch-logs", "kinesis-firehose")):
            return []
    return ["no slow-log delivery is configured: slow commands would leave no trace to investigate latency with"]


def _world(cidrs: Sequence[Any]) -> list[str]:
    """The CIDRs that admit the whole internet (0.0.0.0/0, ::/0: any /0)."""
    found = []
    for cidr in cidrs:
        try:
            if isinstance(cidr, str) and ipaddress.ip_network(cidr, strict=False).prefixlen == 0:
                found.append(cidr)
        except ValueError:
            continue
    return found


def _reaches_redis(protocol: Any, from_port: Any, to_port: Any) -> bool:
    """Whether a rule's protocol and port range include the Redis port; an unknown part means "cannot tell"."""
    if is_unknown(protocol):
        return False
    proto = str(protocol).lower()
    if proto in ("-1", "all"):  # all protocols and all ports (ip_protocol -1)
        return True
    if proto not in ("tcp", "6", "6.0") or is_unknown(from_port) or is_unknown(to_port):
        return False
    try:
        return int(from_port) <= REDIS_PORT <= int(to_port)
    except (TypeError, ValueError):
        return False


def _public_redis(resource_type: str, props: Props) -> list[str]:
    if resource_type == INGRESS_RULE:
        entries = [(props, [props.get("cidrIpv4"), props.get("cidrIpv6")], props.get("ipProtocol"))]
    elif resource_type == SECURITY_GROUP_RULE:
        if props.get("type") != "ingress":
            return []
        entries = [(props, [*(props.get("cidrBlocks") or []), *(props.get("ipv6CidrBlocks") or [])],
                    props.get("protocol"))]
    else:
        ingress = props.get("ingress") or []
        entries = [] if is_unknown(ingress) else [
            (rule, [*(rule.get("cidrBlocks") or []), *(rule.get("ipv6CidrBlocks") or [])], rule.get("protocol"))
            for rule in ingress if not is_unknown(rule)]
    found = []
    for rule, cidrs, protocol in entries:
        world = _world([c for c in cidrs if c is not None])
        if world and _reaches_redis(protocol, rule.get("fromPort"), rule.get("toPort")):
            found.append(f"ingress from {', '.join(world)} reaches the Redis port {REDIS_PORT}: admit the "
                         "backend's security group or a private range instead")
    return found


def _docker_loopback(_: str, props: Props) -> list[str]:
    ports = props.get("ports") or []
    if is_unknown(ports):
        return []
    found = []
    for port in ports:
        if is_unknown(port):
            continue
        ip = port.get("ip")
        if is_unknown(ip):
            continue
        try:
            loopback = ip is not None and ipaddress.ip_address(ip).is_loopback
        except ValueError:
            loopback = False
        if not loopback:  # pulumi-docker ContainerPortArgs.ip: "Defaults to 0.0.0.0"
            shown = "unset (Docker binds 0.0.0.0)" if ip is None else repr(ip)
            found.append(f"port {_shown(port.get('external'))} is published on {shown}: bind it to 127.0.0.1 so only "
                         "this machine reaches Redis")
    return found


RG = (REPLICATION_GROUP,)
RULES: tuple[Rule, ...] = (
    Rule("elasticache-encryption-at-rest", "ElastiCache encrypts data and snapshots at rest.",
         "AWS Security Hub ElastiCache.4; checkov CKV_AWS_29", RG, _encryption_at_rest),
    Rule("elasticache-encryption-in-transit", "ElastiCache requires TLS (transitEncryptionMode 'required').",
         "AWS Security Hub ElastiCache.5; checkov CKV_AWS_30", RG, _encryption_in_transit),
    Rule("elasticache-auth", "ElastiCache requires an AUTH token or an RBAC user group.",
         "AWS Security Hub ElastiCache.6; checkov CKV_AWS_31 (with the in-transit rule)", RG, _auth),
    Rule("elasticache-default-user-denies-flush", "The RBAC default user (the app) cannot run FLUSHALL or FLUSHDB.",
         "no Security Hub or checkov control covers access strings; Redis 7 redis.conf, rename-command: \"use ACLs "
         "to remove commands from the default user, and put them only in some admin user\"", (ELASTICACHE_USER,),
         _default_user_denies),
    Rule("elasticache-customer-kms-key", "ElastiCache encrypts at rest with a customer-managed KMS key.",
         "checkov CKV_AWS_191", RG, _customer_key),
    Rule("elasticache-backup-retention", f"ElastiCache keeps automatic backups for at least {MIN_RETENTION_DAYS} "
         "days.", f"AWS Security Hub ElastiCache.1 (snapshotRetentionPeriod={MIN_RETENTION_DAYS}); checkov "
         "CKV_AWS_134 is the same check for single clusters", RG, _backups),
    Rule("elasticache-failover-multi-az", "ElastiCache has automatic failover and Multi-AZ enabled.",
         "AWS Security Hub ElastiCache.3; checkov CKV2_AWS_50", RG, _failover),
    Rule("elasticache-auto-minor-version-upgrade", "ElastiCache applies minor engine upgrades automatically.",
         "AWS Security Hub ElastiCache.2", RG, _minor_upgrades),
    Rule("elasticache-custom-subnet-group", "ElastiCache uses its own subnet group, never 'default'.",
         "AWS Security Hub ElastiCache.7; checkov CKV_AWS_323", RG, _subnet_group),
    Rule("elasticache-slow-log-delivery", "ElastiCache delivers its slow log to CloudWatch Logs or Firehose.",
         "no Security Hub or checkov control covers log delivery; ElastiCache User Guide, Log delivery", RG,
         _slow_log),
    Rule("redis-port-not-public", f"No security-group ingress from 0.0.0.0/0 or ::/0 reaches port {REDIS_PORT}.",
         "AWS Security Hub EC2.18 (vpc-sg-open-only-to-authorized-ports: only 80/443 may be open to the world)",
         (SECURITY_GROUP, SECURITY_GROUP_RULE, INGRESS_RULE), _public_redis),
    Rule("docker-port-loopback-only", "The dev container publishes Redis on a loopback address only.",
         "CIS Docker Benchmark v1.6.0 5.14 (incoming container traffic bound to a specific host interface)",
         (CONTAINER,), _docker_loopback),
)


def evaluate(resource_type: str, props: Props) -> list[tuple[Rule, str]]:
    """Every (rule, message) the resource violates; empty when it complies or no rule applies to its type."""
    return [(rule, message) for rule in RULES for message in rule.violations(resource_type, props)]


def backend_rules(directory: Path = Path(__file__).parent) -> tuple[Rule, ...]:
    """The rules of every backend that has any: each `policy/<backend>_rules.py` exports `RULES`, found by its file
    name (adding a backend adds a file; nothing here names one), in file-name order."""
    return tuple(rule for path in sorted(directory.glob("*_rules.py"))
                 for rule in sibling(path.stem, __package__).RULES)


RULES = (*RULES, *backend_rules())
