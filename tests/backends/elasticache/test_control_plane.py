"""Control-plane checks against a real moto server (HTTP, boto3 pointed at it), and the parameter group through
botocore's Stubber, because moto 5 implements neither CreateCacheParameterGroup nor DescribeCacheParameters.

Moto quirks the fixtures work around, each as AWS itself would behave: moto sizes a cluster-mode-disabled group from
ReplicasPerNodeGroup (it ignores NumCacheClusters), and it does not materialise the member clusters, so the test
creates them (with their engine version) the way AWS lists them under DescribeCacheClusters.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any, Iterator

import boto3
import pytest
from botocore.stub import Stubber

from infra.backends.elasticache import control_plane
from support.aws_groups import KMS_KEY, REGION, SECURE_GROUP, create_group, expected_for  # noqa: F401

def statuses(results: list[control_plane.CheckResult]) -> dict[str, str]:
    return {r.name: r.status for r in results}


@pytest.mark.integration
def test_an_encrypted_backed_up_group_passes(moto_endpoint, aws_env):
    group_id = create_group(moto_endpoint)
    results = control_plane.run_checks(expected_for(group_id), {"kms_key_arn": KMS_KEY}, endpoint_url=moto_endpoint)
    # aws_users: this token group has no user group (test_rbac.py checks the users of an RBAC group)
    assert statuses(results) == {**{r.name: "pass" for r in results}, "aws_parameters": "skip", "aws_users": "skip"}
    detail = {r.name: r.detail for r in results}
    assert "mode required" in detail["aws_encryption_in_transit"] and KMS_KEY in detail["aws_encryption_at_rest"]
    assert "7.1.0 on 2 member(s)" in detail["aws_engine"]


# (how the live group differs from the secure one, the checks that must fail, what the first one must say)
INSECURE = [
    ("no encryption at rest", dict(AtRestEncryptionEnabled=False, KmsKeyId=None), {}, {"aws_encryption_at_rest"},
     "encryption at rest is off"),
    ("no backups", dict(SnapshotRetentionLimit=0), {}, {"aws_backups"}, "automatic backups are off"),
    ("transit mode preferred", dict(TransitEncryptionMode="preferred"), {}, {"aws_encryption_in_transit"},
     "preferred still accepts plaintext"),
    ("no transit encryption, no token", dict(TransitEncryptionEnabled=False, TransitEncryptionMode=None,
                                             AuthToken=None), {}, {"aws_encryption_in_transit", "aws_auth"},
     "encryption in transit is off"),
    ("single node, no failover", dict(ReplicasPerNodeGroup=0, AutomaticFailoverEnabled=False, MultiAZEnabled=False),
     {}, {"aws_high_availability", "aws_members"}, "automatic failover is disabled, expected enabled"),
    ("another KMS key", {}, {"kms_key_arn": KMS_KEY.replace("1111", "9999")}, {"aws_encryption_at_rest"},
     "not the stack's"),
    ("cluster mode expected", {}, {"cluster_mode": True}, {"aws_members"}, "cluster mode off, expected on"),
]


@pytest.mark.integration
@pytest.mark.parametrize(("live", "promised", "failing", "phrase"), [case[1:] for case in INSECURE],
                         ids=[case[0] for case in INSECURE])
def test_a_group_that_breaks_a_promise_fails_the_right_check(moto_endpoint, aws_env, live, promised, failing,
                                                               phrase):
    group_id = create_group(moto_endpoint, **live)
    results = control_plane.run_checks(expected_for(group_id, **promised), endpoint_url=moto_endpoint)
    assert {r.name for r in results if r.status == "fail"} == failing, results
    assert any(phrase in r.detail for r in results if r.name in failing)


@pytest.mark.integration
def test_a_different_engine_version_fails(moto_endpoint, aws_env):
    group_id = create_group(moto_endpoint, engine_version="6.2.6")
    results = statuses(control_plane.run_checks(expected_for(group_id), endpoint_url=moto_endpoint))
    assert [name for name, status in results.items() if status == "fail"] == ["aws_engine"]


@pytest.mark.parametrize(("wanted", "live", "ok"), [("7.1", "7.1.0", True), ("7.1", "7.10.0", False),
                                                    ("7", "7.1.0", True), ("7.1.0", "7.1.0", True)])
def test_engine_versions_compare_by_component(wanted, live, ok):
    observed = control_plane.Observed({"Engine": "redis"}, [{"EngineVersion": live}])
    assert control_plane.check_engine({"engine_version": wanted}, observed)[0] == ("pass" if ok else "fail")


@pytest.mark.integration
def test_a_missing_group_fails_and_skips_the_rest(moto_endpoint, aws_env):
    results = control_plane.run_checks(expected_for("pw-does-not-exist"), endpoint_url=moto_endpoint)
    assert results[0].status == "fail" and "ReplicationGroupNotFoundFault" in results[0].detail
    assert {r.status for r in results[1:]} == {"skip"}


@pytest.mark.integration
def test_no_credentials_is_a_clear_failure(moto_endpoint, aws_env, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    results = control_plane.run_checks(expected_for("pw-any"), endpoint_url=moto_endpoint)
    assert results[0].status == "fail" and "no AWS credentials" in results[0].detail


def test_an_unreachable_api_fails_within_the_timeout(aws_env):
    from support.redis_server import free_port

    results = control_plane.run_checks(expected_for("pw-any"), endpoint_url=f"http://127.0.0.1:{free_port()}",
                                       timeout=1)
    assert results[0].status == "fail" and "Could not connect" in results[0].detail and results[0].seconds < 10


def test_the_aws_client_is_bounded():
    """What the docs promise: connect and read timeouts, and at most 3 attempts (boto3's standard retry mode)."""
    config = control_plane.client(REGION, 3.0, endpoint_url="http://127.0.0.1:1").meta.config
    assert (config.connect_timeout, config.read_timeout) == (3.0, 3.0)
    assert config.retries == {"mode": "standard", "total_max_attempts": 3}


@pytest.fixture
def silent_endpoint() -> Iterator[tuple[str, list[socket.socket]]]:
    """An endpoint that accepts connections and never answers (a hung API, a proxy that black-holes requests)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                accepted.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", accepted
    stop.set()
    thread.join()
    for conn in [listener, *accepted]:
        conn.close()


def test_an_api_that_never_answers_fails_after_three_bounded_attempts(aws_env, silent_endpoint):
    url, accepted = silent_endpoint
    started = time.monotonic()
    results = control_plane.run_checks(expected_for("pw-any"), endpoint_url=url, timeout=1)
    elapsed = time.monotonic() - started
    assert results[0].status == "fail" and "Read timeout" in results[0].detail, results[0]
    assert len(accepted) == 3  # one connection per attempt
    assert elapsed < 8, f"{elapsed:.1f}s: three 1 s read timeouts plus the standard mode's backoff (< 1 s, < 2 s)"


def test_an_incomplete_description_is_a_failure_not_a_crash():
    results = control_plane.run_checks({"engine": "redis"})
    assert [(r.name, r.status) for r in results] == [("aws_group_available", "fail")]


# --- The parameter group: DescribeCacheParameters is not in moto, so botocore's Stubber answers instead. The
# Stubber checks every request we send and every canned response against the real ElastiCache API model. ---

PARAMETER_GROUP = "profwise-redis-redis7"
RENDERED = {"maxmemory-policy": "allkeys-lru", "slowlog-log-slower-than": "10000", "lazyfree-lazy-eviction": "yes"}


def stubbed_group(live_parameters: dict[str, str], member_groups: list[tuple[str, str]]) -> tuple[Any, Stubber]:
    api = boto3.client("elasticache", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(api)
    members = [f"pw-params-00{i + 1}" for i in range(len(member_groups))]
    stub.add_response("describe_replication_groups", {"ReplicationGroups": [{
        "ReplicationGroupId": "pw-params", "Status": "available", "MemberClusters": members}]},
        {"ReplicationGroupId": "pw-params"})
    for member, (group, apply_status) in zip(members, member_groups, strict=True):
        stub.add_response("describe_cache_clusters", {"CacheClusters": [{
            "CacheClusterId": member, "Engine": "redis", "EngineVersion": "7.1.0",
            "CacheParameterGroup": {"CacheParameterGroupName": group, "ParameterApplyStatus": apply_status}}]},
            {"CacheClusterId": member})
    items = [{"ParameterName": k, "ParameterValue": v, "Source": "user"} for k, v in live_parameters.items()]
    stub.add_response("describe_cache_parameters", {"Parameters": items[:2], "Marker": "page-2"},
                      {"CacheParameterGroupName": PARAMETER_GROUP})
    stub.add_response("describe_cache_parameters", {"Parameters": items[2:]},
                      {"CacheParameterGroupName": PARAMETER_GROUP, "Marker": "page-2"})
    return api, stub


@pytest.mark.parametrize(("live", "members", "status", "phrase"), [
    (RENDERED, [(PARAMETER_GROUP, "in-sync")] * 2, "pass", "3 rendered value(s) match"),
    ({**RENDERED, "maxmemory-policy": "volatile-lru"}, [(PARAMETER_GROUP, "in-sync")] * 2, "fail",
     "maxmemory-policy='volatile-lru', expected 'allkeys-lru'"),
    ({k: v for k, v in RENDERED.items() if k != "lazyfree-lazy-eviction"}, [(PARAMETER_GROUP, "in-sync")] * 2,
     "fail", "lazyfree-lazy-eviction=None"),
    (RENDERED, [(PARAMETER_GROUP, "in-sync"), (PARAMETER_GROUP, "pending-reboot")], "fail", "pending-reboot"),
    (RENDERED, [("default.redis7", "in-sync")] * 2, "fail", "uses default.redis7"),
])
def test_parameter_group_values_and_membership(live, members, status, phrase):
    api, stub = stubbed_group(live, members)
    expected = {"replication_group_id": "pw-params", "region": REGION, "parameter_group_name": PARAMETER_GROUP,
                "parameters": RENDERED}
    with stub:
        results = {r.name: r for r in control_plane.run_checks(expected, api=api)}
    stub.assert_no_pending_responses()
    assert results["aws_parameters"].status == status and phrase in results["aws_parameters"].detail


@pytest.mark.integration
def test_a_parameter_group_the_api_cannot_describe_fails(moto_endpoint, aws_env):
    group_id = create_group(moto_endpoint)  # moto answers DescribeCacheParameters with a 500: a real failure path
    expected = expected_for(group_id, parameter_group_name="pg", parameters=RENDERED)
    results = {r.name: r for r in control_plane.run_checks(expected, endpoint_url=moto_endpoint)}
    assert results["aws_parameters"].status == "fail" and "cannot read parameter group pg" in results[
        "aws_parameters"].detail
