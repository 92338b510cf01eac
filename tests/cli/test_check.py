"""`python -m infra.cli check`: the policies offline over the real program under the mock engine. The shipped stack
files pass; weakened configs fail naming the policy — where the settings validation refuses a weakening first, that
refusal is shown, and the resource props are then weakened directly to prove the policy itself catches it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml
from pulumi.runtime import rpc
from support.stack_harness import SHIPPED_STACKS, prod_overrides, run_stack

from infra.cli import main as cli
from infra.cli.commands import check
from infra.config.errors import ConfigError
from infra.config.stack_files import REPO_ROOT
from policy.rules import CONTAINER, INGRESS_RULE, MIN_RETENTION_DAYS, REPLICATION_GROUP, RULES

ELASTICACHE_RULES = {rule.name for rule in RULES if REPLICATION_GROUP in rule.resource_types}


def setting(type_: str, only: str | None = None, **changes):
    """A transform that changes (None: removes) inputs of the resources of `type_` (those with an `only` input, when
    given), as a stack transform would."""
    def transform(typ: str, name: str, inputs: dict) -> dict:
        if typ != type_ or (only is not None and only not in inputs):
            return inputs
        return {k: v for k, v in {**inputs, **changes}.items() if v is not None}
    return transform


def policies(report: check.Report) -> set[str]:
    return {f.policy for f in report.findings}



@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_the_shipped_stack_files_pass(stack, capsys):
    assert cli.main(["check", "--stack", stack]) == 0
    out = capsys.readouterr().out
    assert "check passed: no mandatory violation" in out and "FAIL" not in out
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("policy "))
    assert header.split() == ["policy", "status", "controls"]
    status_at = header.index("status")
    for rule in RULES:  # one row per policy: name, status, controls, in aligned columns
        (row,) = [line for line in lines if line.startswith(f"{rule.name} ")]
        assert row.endswith(f"  {rule.controls}") and row[status_at:].split()[0] in ("pass", "not")


def test_prod_placeholders_get_stand_ins_and_the_output_says_so(capsys):
    stack_file = yaml.safe_load((REPO_ROOT / "Pulumi.prod.yaml").read_text())["config"]
    with pytest.raises(ConfigError, match="placeholder"):  # the program itself refuses the shipped ids
        run_stack("prod")
    assert cli.main(["check", "--stack", "prod", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] and report["config_error"] is None and report["findings"] == []
    assert {s["key"] for s in report["standins"]} == {
        "elasticache.vpcId", "elasticache.subnetIds[0]", "elasticache.subnetIds[1]",
        "elasticache.allowedSecurityGroupIds[0]"}
    assert all("REPLACE-ME" in s["placeholder"] for s in report["standins"])
    # Nothing but the placeholder ids is changed.
    effective = check.placeholder_standins("prod").overrides
    original = stack_file["profwise-redis:elasticache"]
    assert set(effective) == {"elasticache"}
    assert {k for k, v in effective["elasticache"].items() if v != original[k]} == {
        "vpcId", "subnetIds", "allowedSecurityGroupIds"}
    assert all(report["checked"][name] >= 1 for name in ELASTICACHE_RULES)
    assert report["checked"]["redis-port-not-public"] >= 2  # the security group and its ingress rule


def test_dev_has_nothing_stood_in_and_checks_the_container(capsys):
    assert cli.main(["check", "--stack", "dev", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["standins"] == [] and report["checked"]["docker-port-loopback-only"] == 1
    assert all(report["checked"][name] == 0 for name in ELASTICACHE_RULES)


def test_secure_values_get_a_stand_in_and_the_output_says_so(monkeypatch, capsys):
    encrypted = {"password": {"secure": "v1:ciphertext-only-the-secrets-provider-can-open"}}
    report = check.run_check("dev", encrypted)
    assert report.passed and report.stood_in_secrets == ["profwise-redis:password"]
    real = check.run_check
    monkeypatch.setattr(check, "run_check", lambda stack: real(stack, encrypted))
    assert cli.main(["check", "--stack", "dev"]) == 0
    assert "secret values stood in (they need the stack's secrets provider): profwise-redis:password" in \
        capsys.readouterr().out


# Weakenings the settings validation refuses before any resource exists: (name, stack, overrides, the key it names,
# a phrase it says — for what the policy pack would block, the policy's name).
REFUSED = [
    ("public CIDR", "prod", prod_overrides({"allowedCidrs": ["0.0.0.0/0"]}), "elasticache.allowedCidrs[0]", ""),
    ("retention 0", "prod", prod_overrides({"snapshotRetentionDays": 0}), "elasticache.snapshotRetentionDays",
     "elasticache-backup-retention"),
    ("retention 3", "prod", prod_overrides({"snapshotRetentionDays": 3}), "elasticache.snapshotRetentionDays",
     "elasticache-backup-retention"),
    ("no failover, no Multi-AZ", "prod", prod_overrides({"multiAz": False, "automaticFailover": False}),
     "elasticache.automaticFailover", "elasticache-failover-multi-az"),
    ("no Multi-AZ", "prod", prod_overrides({"multiAz": False}), "elasticache.multiAz", "elasticache-failover-multi-az"),
    ("public bind", "dev", {"docker": {"bindAddress": "0.0.0.0"}}, "docker.bindAddress", ""),
]


@pytest.mark.parametrize(("stack", "overrides", "key", "phrase"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_validation_refuses_some_weakenings_first(stack, overrides, key, phrase):
    report = check.run_check(stack, overrides)
    assert not report.passed and report.resources == 0 and report.findings == []
    assert f"profwise-redis:{key}:" in (report.config_error or "")
    assert phrase in (report.config_error or "")


def _accepted_by(policy: str, props: dict) -> bool:
    (rule,) = [rule for rule in RULES if rule.name == policy]
    return not rule.violations(REPLICATION_GROUP, props)


@pytest.mark.parametrize("days", [0, 1, MIN_RETENTION_DAYS - 1, MIN_RETENTION_DAYS, 35])
def test_validation_accepts_exactly_the_retention_the_policy_accepts(days):
    """Else `pulumi up` (which applies the pack) would stop part-way, after the first resources exist."""
    report = check.run_check("prod", prod_overrides({"snapshotRetentionDays": days}))
    accepted = _accepted_by("elasticache-backup-retention", {"snapshotRetentionLimit": days})
    assert (report.config_error is None) == accepted
    assert report.passed == (report.config_error is None)


@pytest.mark.parametrize(("failover", "multi_az"), [(True, True), (True, False), (False, True), (False, False)])
def test_validation_accepts_exactly_the_failover_and_multi_az_the_policy_accepts(failover, multi_az):
    report = check.run_check("prod", prod_overrides({"automaticFailover": failover, "multiAz": multi_az}))
    props = {"automaticFailoverEnabled": failover, "multiAzEnabled": multi_az}
    assert (report.config_error is None) == _accepted_by("elasticache-failover-multi-az", props)
    assert report.passed == (report.config_error is None)


# Weakenings that reach the resources, through config validation allows or by weakening the props directly
# (what validation refuses first, REFUSED above, is weakened here to prove the policy itself catches it):
# (name, stack, overrides, transform, the policy that must fail).
WEAKENED = [
    ("encryption off", "prod", prod_overrides(), setting(REPLICATION_GROUP, atRestEncryptionEnabled=False),
     "elasticache-encryption-at-rest"),
    ("transit preferred", "prod", prod_overrides(), setting(REPLICATION_GROUP, transitEncryptionMode="preferred"),
     "elasticache-encryption-in-transit"),
    ("no user group", "prod", prod_overrides(), setting(REPLICATION_GROUP, userGroupIds=None), "elasticache-auth"),
    ("default user may flush", "prod", prod_overrides(),
     setting("aws:elasticache/user:User", accessString="on ~* &* +@all"),
     "elasticache-default-user-denies-flush"),
    ("AWS-owned key", "prod", prod_overrides(), setting(REPLICATION_GROUP, kmsKeyId=None),
     "elasticache-customer-kms-key"),
    ("public CIDR", "prod", prod_overrides({"allowedCidrs": ["10.0.0.0/16"]}),
     setting(INGRESS_RULE, only="cidrIpv4", cidrIpv4="0.0.0.0/0"), "redis-port-not-public"),
    ("retention 0", "prod", prod_overrides(), setting(REPLICATION_GROUP, snapshotRetentionLimit=0),
     "elasticache-backup-retention"),
    ("retention 3", "prod", prod_overrides(), setting(REPLICATION_GROUP, snapshotRetentionLimit=3),
     "elasticache-backup-retention"),
    ("no failover, no Multi-AZ", "prod", prod_overrides(),
     setting(REPLICATION_GROUP, multiAzEnabled=False, automaticFailoverEnabled=False), "elasticache-failover-multi-az"),
    ("no Multi-AZ", "prod", prod_overrides(), setting(REPLICATION_GROUP, multiAzEnabled=False),
     "elasticache-failover-multi-az"),
    ("minor upgrades off", "prod", prod_overrides(), setting(REPLICATION_GROUP, autoMinorVersionUpgrade=False),
     "elasticache-auto-minor-version-upgrade"),
    ("default subnet group", "prod", prod_overrides(), setting(REPLICATION_GROUP, subnetGroupName="default"),
     "elasticache-custom-subnet-group"),
    ("no slow log", "prod", prod_overrides(), setting(REPLICATION_GROUP, logDeliveryConfigurations=[]),
     "elasticache-slow-log-delivery"),
    ("public bind (opted in)", "dev", {"docker": {"bindAddress": "0.0.0.0", "dangerouslyAllowPublicBind": True}},
     None, "docker-port-loopback-only"),
    ("port published on all interfaces", "dev", None, setting(CONTAINER, ports=[{"internal": 6379, "external": 6379}]),
     "docker-port-loopback-only"),
]


@pytest.mark.parametrize(("stack", "overrides", "transform", "policy"), [w[1:] for w in WEAKENED],
                         ids=[w[0] for w in WEAKENED])
def test_a_weakened_stack_fails_naming_the_policy(stack, overrides, transform, policy):
    report = check.run_check(stack, overrides, transform=transform)
    assert report.config_error is None and not report.passed
    assert policies(report) == {policy}
    assert all(f.controls for f in report.findings)


def test_unknown_values_do_not_fail_the_check():
    unknown = setting(REPLICATION_GROUP, kmsKeyId=rpc.UNKNOWN, snapshotRetentionLimit=rpc.UNKNOWN)
    assert check.run_check("prod", prod_overrides(), transform=unknown).passed


def test_the_cli_exits_1_and_names_the_policy(monkeypatch, capsys):
    weak = {"docker": {"bindAddress": "0.0.0.0", "dangerouslyAllowPublicBind": True}}
    real = check.run_check
    monkeypatch.setattr(check, "run_check", lambda stack: real(stack, weak))
    assert cli.main(["check", "--stack", "dev"]) == 1
    out = capsys.readouterr().out
    assert "VIOLATION docker-port-loopback-only (CIS Docker Benchmark" in out and "check FAILED" in out
    assert cli.main(["check", "--stack", "dev", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] is False and [f["policy"] for f in report["findings"]] == ["docker-port-loopback-only"]


def test_an_unknown_stack_is_a_usage_error(capsys):
    assert cli.main(["check", "--stack", "staging"]) == 2
    assert "no stack file Pulumi.staging.yaml" in capsys.readouterr().err


@pytest.mark.integration
def test_check_runs_as_a_command_without_credentials_or_the_pulumi_cli(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # no pulumi on PATH, no AWS variables
    done = subprocess.run([sys.executable, "-m", "infra.cli", "check", "--stack", "prod"], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "vpc-REPLACE-ME -> vpc-00000000000000000" in done.stdout
