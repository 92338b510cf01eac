"""ElastiCache backups and restore checks against the suite's moto server (real HTTP; boto3 via AWS_ENDPOINT_URL).

moto implements CreateSnapshot/DescribeSnapshots/DeleteSnapshot (snapshots are `available` at once) but not
CopySnapshot, so the S3 export is checked with botocore's Stubber, which validates the request against the real
ElastiCache API model before answering.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.stub import Stubber

from infra.backends.elasticache import snapshots as snaps
from support.ops_support import run_cli

REGION = "eu-central-1"
GROUP = "profwise-prod"
NOW = datetime(2025, 3, 10, 12, 0, 0, tzinfo=timezone.utc)


@pytest.fixture
def elasticache_api(moto_endpoint, aws_env, monkeypatch):
    """boto3 (here and in the CLI's subprocesses, which inherit the environment) pointed at the shared moto server."""
    # the server outlives this test and keeps its state: start every test from an empty account
    urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    client = boto3.client("elasticache", region_name=REGION)
    client.create_replication_group(ReplicationGroupId=GROUP, ReplicationGroupDescription="profwise prod",
                                    Engine="redis", CacheNodeType="cache.t4g.small", NumCacheClusters=2)
    return client


@pytest.mark.parametrize("label, expected", [
    ("prod", "prod-20250310-120000"), ("Org/Project/Prod", "org-project-prod-20250310-120000"),
    ("2024_stack", "redis-2024-stack-20250310-120000"), ("a--b", "a-b-20250310-120000"),
])
def test_snapshot_names_follow_the_elasticache_rules(label, expected):
    name = snaps.snapshot_name(label, NOW)
    assert name == expected and name[0].isalpha() and "--" not in name and name == name.lower()
    assert snaps.created_from_name(name, label) == NOW


@pytest.mark.integration
def test_take_creates_waits_and_prunes_only_our_old_snapshots(elasticache_api):
    """The real clock (retention checks it against AWS's); moto dates every snapshot now, so age comes from names."""
    client = elasticache_api
    now = datetime.now(timezone.utc)
    old, older, recent = (snaps.snapshot_name("prod", now - timedelta(days=d)) for d in (9, 70, 1))
    for name in (old, older, recent, "someone-elses", "prod"):
        client.create_snapshot(ReplicationGroupId=GROUP, SnapshotName=name)
    messages: list[str] = []
    result = snaps.take(client, GROUP, "prod", 7, progress=messages.append, sleep=lambda _: None)
    assert result.name.startswith("prod-") and result.status == "available" and result.warnings == []
    assert sorted(result.pruned) == sorted([old, older])
    left = {s["SnapshotName"] for s in snaps.manual_snapshots(client, GROUP)}
    assert left == {recent, "someone-elses", "prod", result.name}
    assert any("available" in m for m in messages)
    tags = client.list_tags_for_resource(ResourceName=snaps.describe(client, result.name)["ARN"])["TagList"]
    assert {"Key": "profwise-redis:stack", "Value": "prod"} in tags


@pytest.mark.integration
def test_a_clock_in_2099_prunes_no_snapshot(elasticache_api):
    """The names say every snapshot is decades old; AWS's clock (the response's Date) says this machine is wrong."""
    client = elasticache_api
    client.create_snapshot(ReplicationGroupId=GROUP, SnapshotName="prod-20250101-000000")
    result = snaps.take(client, GROUP, "prod", 7, now=lambda: datetime(2099, 1, 1, tzinfo=timezone.utc),
                        sleep=lambda _: None)
    assert result.name == "prod-20990101-000000" and result.pruned == []
    assert "retention skipped" in result.warnings[0]
    assert "prod-20250101-000000" in {s["SnapshotName"] for s in snaps.manual_snapshots(client, GROUP)}


def test_waiting_reports_progress_and_gives_up_at_the_bound():
    states = iter(["creating", "creating", "available"])

    class FakeApi:  # DescribeSnapshots as a real snapshot moves through its states (moto jumps to available)
        class exceptions:
            SnapshotNotFoundFault = KeyError

        def describe_snapshots(self, SnapshotName):
            return {"Snapshots": [{"SnapshotName": SnapshotName, "SnapshotStatus": next(states)}]}

    seen: list[str] = []
    snaps.wait_available(FakeApi(), "s", timeout=60, interval=1, progress=seen.append, sleep=lambda _: None)
    assert [m.split(":")[1].split()[0] for m in seen] == ["creating", "creating", "available"]
    states = iter(["creating"] * 100)
    with pytest.raises(snaps.SnapshotError, match="still creating"):
        snaps.wait_available(FakeApi(), "s", timeout=0, interval=1, progress=seen.append, sleep=lambda _: None)
    states = iter(["failed"])
    with pytest.raises(snaps.SnapshotError, match="is failed"):
        snaps.wait_available(FakeApi(), "s", timeout=60, interval=1, progress=seen.append, sleep=lambda _: None)


def test_export_sends_a_valid_copy_snapshot_request():
    client = boto3.client("elasticache", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_response("copy_snapshot", {"Snapshot": {"SnapshotName": "prod-20250310-120000"}},
                          {"SourceSnapshotName": "prod-20250310-120000", "TargetSnapshotName": "prod-20250310-120000",
                           "TargetBucket": "profwise-backups"})
        assert snaps.export(client, "prod-20250310-120000", "profwise-backups") == \
            "s3://profwise-backups/prod-20250310-120000"
        stub.assert_no_pending_responses()


def elasticache_outputs(tmp_path, group: str = GROUP):
    path = tmp_path / f"outputs-{group}.json"
    path.write_text(json.dumps({"backend": "elasticache", "host": "master.example", "port": 6379, "tls": True,
                                "password": "x" * 32, "replication_group_id": group, "region": REGION}))
    return str(path)


@pytest.mark.integration
def test_backup_and_restore_cli_against_the_api(elasticache_api, tmp_path):
    outputs = elasticache_outputs(tmp_path)
    done = run_cli("backup", "--outputs", outputs, "--label", "prod", "--json")
    assert done.returncode == 0, done.stderr
    name = json.loads(done.stdout)["snapshot"]
    assert name.startswith("prod-")

    done = run_cli("restore", "--outputs", outputs, "--snapshot", name)
    assert done.returncode == 0, done.stderr
    assert f"--path 'elasticache.restoreFromSnapshot' {name}" in done.stdout and "available" in done.stdout

    done = run_cli("restore", "--outputs", outputs, "--snapshot", "does-not-exist", "--json")
    assert done.returncode == 1 and json.loads(done.stdout)["status"] == "not found"


@pytest.mark.integration
def test_an_api_error_is_reported_in_one_line_with_its_code(elasticache_api, tmp_path):
    done = run_cli("backup", "--outputs", elasticache_outputs(tmp_path, "no-such-group"), "--label", "prod")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: backup failed, nothing was pruned: ReplicationGroupNotFoundFault: "), \
        done.stderr
