"""Control-plane checks (ElastiCache): what Redis cannot tell about itself, read from the AWS API with boto3.

The prod stack exports `control_plane`, the non-secret description of the group it asked for (keys documented in
`infra.contract`). `observe()` reads the live group once — DescribeReplicationGroups, DescribeCacheClusters for each
member, DescribeCacheParameters (paginated) for the parameter group — and pure `check_*` functions compare it with the
description (the RBAC users: `rbac_check`).
Calls are bounded (connect/read timeouts, standard retry mode with 3 attempts); the endpoint and the
credentials are boto3's usual ones (AWS_PROFILE, AWS_ENDPOINT_URL, ...), the same `pulumi up` uses.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, NoCredentialsError

from infra import contract
from infra.backends.elasticache import rbac_check
from infra.results import FAIL, PASS, SKIP, WARN, CheckResult

Outcome = tuple[str, str]


@dataclass(frozen=True)
class Observed:
    group: Mapping[str, Any]
    members: list[Mapping[str, Any]] = field(default_factory=list)
    members_error: str = ""
    parameters: dict[str, str | None] | None = None  # None: not read (no parameter group expected, or the call failed)
    parameters_error: str = ""
    users: rbac_check.ObservedUsers = field(default_factory=rbac_check.ObservedUsers)


def client(region: str, timeout: float, endpoint_url: str | None = None) -> Any:
    # https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html (standard mode). botocore's
    # `max_attempts` counts retries (3 would make 4 attempts); `total_max_attempts` counts the first request too.
    config = Config(connect_timeout=timeout, read_timeout=timeout,
                    retries={"mode": "standard", "total_max_attempts": 3})
    # A fresh session reads the credentials now (boto3's default session keeps the first ones it found).
    return boto3.session.Session().client("elasticache", region_name=region, endpoint_url=endpoint_url, config=config)


def aws_error(error: Exception) -> str:
    if isinstance(error, NoCredentialsError):
        return "no AWS credentials: use the ones `pulumi up` uses (AWS_PROFILE, or AWS_ACCESS_KEY_ID/SECRET)"
    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        return f"{info.get('Code', 'error')}: {info.get('Message', error)}"
    first_line = (str(error).splitlines() or [""])[0]  # an HTML error page says nothing more after its first line
    return f"{type(error).__name__}: {first_line}"


def observe(api: Any, expected: Mapping[str, Any]) -> Observed:
    """Read the live group; a failure to read the group itself raises, later reads are recorded per check."""
    group = api.describe_replication_groups(ReplicationGroupId=expected["replication_group_id"])["ReplicationGroups"][0]
    members, members_error, parameters, parameters_error = [], "", None, ""
    try:
        for member in group.get("MemberClusters", []):
            members += api.describe_cache_clusters(CacheClusterId=member)["CacheClusters"]
    except Exception as error:  # noqa: BLE001 — any failure to read is reported by the checks that need it
        members_error = aws_error(error)
    if expected.get("parameter_group_name"):
        try:
            pages = api.get_paginator("describe_cache_parameters").paginate(
                CacheParameterGroupName=expected["parameter_group_name"])
            parameters = {p["ParameterName"]: p.get("ParameterValue") for page in pages for p in page["Parameters"]}
        except Exception as error:  # noqa: BLE001 — e.g. an emulator answering 500 for a call it lacks
            parameters_error = aws_error(error)
    users = rbac_check.observe(api, expected, aws_error)
    return Observed(group, members, members_error, parameters, parameters_error, users)


def _enabled(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "enabled", "yes")


def check_available(exp: Mapping[str, Any], obs: Observed) -> Outcome:
    status = obs.group.get("Status")
    detail = f"replication group {obs.group.get('ReplicationGroupId')} is {status}"
    return (PASS, detail) if status == "available" else (FAIL, f"{detail}, not available")


def check_engine(exp: Mapping[str, Any], obs: Observed) -> Outcome:
    if obs.members_error:
        return FAIL, f"cannot read the member clusters ({obs.members_error})"
    engine = obs.group.get("Engine") or next((m.get("Engine") for m in obs.members), None)
    if exp.get("engine") and engine != exp["engine"]:
        return FAIL, f"the engine is {engine} but the stack asked for {exp['engine']}"
    wanted = str(exp.get("engine_version") or "")
    versions = sorted({str(m.get("EngineVersion")) for m in obs.members})
    # "7.1" asks for any 7.1.x: compare dotted components, so 7.1 matches 7.1.0 but not 7.10
    off = [v for v in versions if wanted and v.split(".")[:len(wanted.split("."))] != wanted.split(".")]
    if off or not versions:
        return FAIL, f"member engine versions {versions or 'unknown'} do not match the requested {wanted}"
    return PASS, f"{engine} {', '.join(versions)} on {len(obs.members)} member(s)"


def check_at_rest(exp: Mapping[str, Any], obs: Observed) -> Outcome:
    enabled, key = obs.group.get("AtRestEncryptionEnabled") is True, obs.group.get("KmsKeyId")
    if _enabled(exp.get("at_rest_encryption", True)) and not enabled:
        return FAIL, "encryption at rest is off: data and snapshots are stored unencrypted"
    if exp.get("kms_key_arn") and key != exp["kms_key_arn"]:
        return FAIL, f"encrypted with KMS key {key}, not the stack's {exp['kms_key_arn']}"
    return PASS, f"encryption at rest {'on' if enabled else 'off'}" + (f" with {key}" if key else "")


def check_in_transit(exp: Mapping[str, Any], obs: Observed) -> Outcome:
    enabled, mode = obs.group.get("TransitEncryptionEnabled") is True, obs.group.get("TransitEncryptionMode")
    wanted = exp.get("transit_encryption_mode", "required")
    if not enabled:
        return FAIL, "encryption in transit is off: clients connect in plaintext"
    if wanted and mode != wanted:
        return FAIL, f"transit encryption mode is {mode} but must be {wanted} (preferred still accepts plaintext)"
    return PASS, f"encryption in transit on, mode {mode}"


def check_auth(exp: Mapping[str, Any], obs: Observed) -> Outcome:
    enabled = obs.group.get("AuthTokenEnabled") is True
    if _enabled(exp.get("auth_token_enabled", True)) != enabled:
        hint = " (a group created with a token that has not migrated to its user group yet: docs/prod.md)" \
            if enabled and exp.get("user_group_id") else ""
        return FAIL, f"AUTH token {'enabled' if enabled else 'disabled'}, not as the stack asked{hint}"
    groups = obs.group.get("UserGroupIds") or []
    return PASS, f"AUTH token {'enabled' if enabled else 'disabled'}" + (
        f", RBAC user group {', '.join(groups)}" if groups else "")


def check_users(exp: Mapping[str, Any], obs: Observed) -> Outcome:
    return rbac_check.check_users(exp, obs.group, obs.users)


def check_backups(exp: Mapping[str, Any], obs: Observed) -> Outcome:
    actual, wanted = int(obs.group.get("SnapshotRetentionLimit") or 0), exp.get("snapshot_retention_days")
    if wanted is not None and actual != int(wanted):
        return FAIL, f"snapshots kept {actual} day(s) but the stack asked for {wanted}" + (
            ": automatic backups are off" if actual == 0 else "")
    if actual == 0:
        return WARN, "automatic backups are off (snapshot retention 0)"
    return PASS, f"daily snapshots kept {actual} day(s)"


def check_high_availability(exp: Mapping[str, Any], obs: Observed) -> Outcome:
    failover, multi_az = obs.group.get("AutomaticFailover"), obs.group.get("MultiAZ")
    wrong = [f"{label} is {actual}, expected {'enabled' if _enabled(exp[key]) else 'disabled'}"
             for label, key, actual in (("automatic failover", "automatic_failover", failover),
                                        ("multi-AZ", "multi_az", multi_az))
             if key in exp and _enabled(exp[key]) != (actual == "enabled")]
    return (FAIL, "; ".join(wrong)) if wrong else (PASS, f"automatic failover {failover}, multi-AZ {multi_az}")


def check_members(exp: Mapping[str, Any], obs: Observed) -> Outcome:
    members, cluster = obs.group.get("MemberClusters", []), obs.group.get("ClusterEnabled") is True
    wrong = []
    if exp.get("member_count") is not None and len(members) != int(exp["member_count"]):
        wrong.append(f"{len(members)} member node(s), expected {exp['member_count']}")
    if "cluster_mode" in exp and _enabled(exp["cluster_mode"]) != cluster:
        wanted = "on" if _enabled(exp["cluster_mode"]) else "off"
        wrong.append(f"cluster mode {'on' if cluster else 'off'}, expected {wanted}")
    return (FAIL, "; ".join(wrong)) if wrong else (PASS, f"{len(members)} member node(s), cluster mode "
                                                          f"{'on' if cluster else 'off'}")


def check_parameters(exp: Mapping[str, Any], obs: Observed) -> Outcome:
    name = exp.get("parameter_group_name")
    if not name:
        return SKIP, "the control_plane output names no parameter group"
    if obs.parameters_error or obs.members_error:
        return FAIL, f"cannot read parameter group {name} ({obs.parameters_error or obs.members_error})"
    problems = []
    for member in obs.members:
        group = member.get("CacheParameterGroup") or {}
        if group.get("CacheParameterGroupName") != name:
            problems.append(f"{member.get('CacheClusterId')} uses {group.get('CacheParameterGroupName')}")
        elif group.get("ParameterApplyStatus", "in-sync") != "in-sync":
            problems.append(f"{member.get('CacheClusterId')} is {group['ParameterApplyStatus']} (not applied yet)")
    live = obs.parameters or {}
    problems += [f"{key}={live.get(key)!r}, expected {str(value)!r}"
                 for key, value in (exp.get("parameters") or {}).items() if live.get(key) != str(value)]
    if problems:
        return FAIL, f"parameter group {name}: " + "; ".join(problems)
    return PASS, f"{name}: {len(exp.get('parameters') or {})} rendered value(s) match, every member in sync"


CHECKS: list[tuple[str, Callable[[Mapping[str, Any], Observed], Outcome]]] = [
    ("aws_group_available", check_available), ("aws_engine", check_engine),
    ("aws_encryption_at_rest", check_at_rest), ("aws_encryption_in_transit", check_in_transit),
    ("aws_auth", check_auth), ("aws_users", check_users), ("aws_backups", check_backups),
    ("aws_high_availability", check_high_availability),
    ("aws_members", check_members), ("aws_parameters", check_parameters),
]


def run_checks(expected: Mapping[str, Any], outputs: Mapping[str, Any] | None = None, *, timeout: float = 10.0,
               endpoint_url: str | None = None, api: Any = None) -> list[CheckResult]:
    outputs = outputs or {}
    exp = {**expected, "kms_key_arn": expected.get("kms_key_arn") or outputs.get(contract.KMS_KEY_ARN)}
    region = exp.get("region") or outputs.get(contract.REGION)
    if not exp.get("replication_group_id") or not region:
        return [CheckResult(CHECKS[0][0], FAIL, "the control_plane output lacks replication_group_id or region", 0.0)]
    started = time.monotonic()
    try:
        observed = observe(api or client(region, timeout, endpoint_url), exp)
    except Exception as error:  # noqa: BLE001 — a check reports its failure; it never raises to the caller
        where = f"replication group {exp['replication_group_id']} in {region}"
        first = CheckResult(CHECKS[0][0], FAIL, f"cannot describe {where}: {aws_error(error)}",
                            round(time.monotonic() - started, 3))
        return [first] + [CheckResult(name, SKIP, f"skipped: {CHECKS[0][0]} failed", 0.0) for name, _ in CHECKS[1:]]
    results = [CheckResult(CHECKS[0][0], *check_available(exp, observed), round(time.monotonic() - started, 3))]
    for name, check in CHECKS[1:]:
        results.append(CheckResult(name, *check(exp, observed), 0.0))
    return results
