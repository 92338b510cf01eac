"""The CrossGuard pack itself, run the way the Pulumi CLI runs it, with this test acting as the engine.

There is no Pulumi CLI here, so the test does what the CLI's pulumi-analyzer-policy-python does: it starts
`policy/venv/bin/python -u -m pulumi.policy <engine> .` in the pack directory (the pack's own virtualenv, built from
policy/requirements.txt by `make policy-venv`), reads the port it prints, and speaks the analyzer gRPC protocol to it:
GetAnalyzerInfo, then Analyze with each resource's properties as the engine marshals them. The verdicts must equal
the pure rules' on every case of test_policy_rules, the real stacks must pass, and unknown values must never yield
a mandatory violation.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from support.stack_harness import prod_overrides, run_stack
from test_policy_rules import CASES, UNKNOWN_CASES

from infra.config.stack_files import REPO_ROOT
from policy.rules import RULES, UNKNOWN_VALUES

PACK = REPO_ROOT / "policy"
PACK_PYTHON = PACK / "venv" / "bin" / "python"
MANDATORY = analyzer_pb2.EnforcementLevel.Value("MANDATORY")
ADVISORY = analyzer_pb2.EnforcementLevel.Value("ADVISORY")


def _first_line(process: subprocess.Popen[str], timeout: float) -> str:
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline() if process.stdout else ""))
    reader.start()
    reader.join(timeout)
    return line[0].strip() if line else ""


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    subprocess.run(["make", "-s", "policy-venv"], cwd=REPO_ROOT, check=True, capture_output=True, timeout=600)
    process = subprocess.Popen([str(PACK_PYTHON), "-u", "-m", "pulumi.policy", "127.0.0.1:1", "."], cwd=PACK,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = _first_line(process, timeout=60)
        assert port.isdigit(), f"the pack did not start: {process.stderr.read() if process.poll() else port!r}"
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        process.kill()
        process.wait(timeout=10)


def analyze(stub: analyzer_pb2_grpc.AnalyzerStub, type_: str, props: dict[str, Any], name: str = "r"):
    properties = struct_pb2.Struct()
    properties.update(props)
    request = analyzer_pb2.AnalyzeRequest(type=type_, properties=properties, name=name,
                                          urn=f"urn:pulumi:test::profwise-redis::{type_}::{name}")
    return list(stub.Analyze(request, timeout=30).diagnostics)


def mandatory(diagnostics) -> set[str]:
    return {d.policyName for d in diagnostics if d.enforcementLevel == MANDATORY}


@pytest.mark.integration
def test_the_pack_offers_every_rule_as_a_mandatory_policy(analyzer):
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
    assert info.name == "profwise-redis"
    assert [p.name for p in info.policies] == [rule.name for rule in RULES]
    for policy, rule in zip(info.policies, RULES, strict=True):
        assert policy.enforcementLevel == MANDATORY
        assert rule.controls in policy.description


@pytest.mark.integration
@pytest.mark.parametrize(("policy", "type_", "props", "violates"), CASES,
                         ids=[f"{c[0]}-{'fail' if c[3] else 'pass'}-{i}" for i, c in enumerate(CASES)])
def test_the_pack_and_the_offline_rules_agree(analyzer, policy, type_, props, violates):
    diagnostics = analyze(analyzer, type_, props)
    assert mandatory(diagnostics) == ({policy} if violates else set())
    # Same messages, word for word: pulumi_policy prefixes each with the policy's description and a newline.
    pure = next(rule for rule in RULES if rule.name == policy).violations(type_, props)
    assert [d.message.split("\n", 1)[1] for d in diagnostics if d.policyName == policy] == pure


@pytest.mark.integration
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_real_stacks_pass_the_pack(analyzer, stack):
    run = run_stack(stack, overrides=prod_overrides() if stack == "prod" else None)
    for resource in run.resources:  # secret inputs stay wrapped, as the engine sends them
        assert analyze(analyzer, resource.type, resource.inputs, resource.name) == [], resource.name


@pytest.mark.integration
@pytest.mark.parametrize(("policy", "type_", "props"), UNKNOWN_CASES, ids=[c[0] for c in UNKNOWN_CASES])
def test_unknown_values_during_a_preview_are_never_mandatory_violations(analyzer, policy, type_, props):
    diagnostics = analyze(analyzer, type_, props)
    assert mandatory(diagnostics) == set()
    # pulumi_policy's proxy raised on reading the unknown value; it notes, as advisory, that the policy could not run
    # during the preview (at `pulumi up` the value is known and the policy runs before the resource is created).
    assert diagnostics and all(d.enforcementLevel == ADVISORY and d.policyName == policy
                               and "during preview" in d.message for d in diagnostics)


@pytest.mark.integration
def test_the_offline_rules_know_the_same_unknown_sentinels_as_pulumi_policy():
    script = ("import json, pulumi_policy.proxy as p; print(json.dumps(sorted(v for k, v in vars(p).items() "
              "if k.startswith('UNKNOWN_') and k.endswith('_VALUE'))))")
    subprocess.run(["make", "-s", "policy-venv"], cwd=REPO_ROOT, check=True, capture_output=True, timeout=600)
    done = subprocess.run([str(PACK_PYTHON), "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert set(json.loads(done.stdout)) == UNKNOWN_VALUES
