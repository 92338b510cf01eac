"""ElastiCache backups through the API: manual snapshots named `<label>-<UTC stamp>`, waited for, pruned, exported.

ElastiCache blocks SYNC/BGSAVE, so a backup there is `CreateSnapshot` (AWS API reference: CreateSnapshot; the name
"is stored as a lowercase string", so we only ever produce lowercase names). There is no boto3 waiter for
snapshots, so `wait_available` polls `DescribeSnapshots` with a bound. Retention reads the time from the names we
gave (only snapshots matching `<label>-YYYYMMDD-HHMMSS` are ever deleted: automatic snapshots and anyone else's are
left alone), and is skipped when this machine's clock disagrees with AWS's (the `Date` of the CreateSnapshot
response): a backup run with the clock in 2099 would otherwise find every snapshot "old". `--export-bucket` is
`CopySnapshot` with `TargetBucket`; the bucket must be in the group's region and grant ElastiCache access (AWS guide:
"Exporting a backup", step "Grant ElastiCache access to your Amazon S3 bucket").
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable

from infra.clock import clock_problem

STAMP = "%Y%m%d-%H%M%S"
TERMINAL_FAILURES = {"failed", "deleting", "deleted"}


class SnapshotError(RuntimeError):
    """A snapshot could not be created, did not become available, or is not usable for a restore."""


def name_prefix(label: str) -> str:
    """ElastiCache names: letters, digits, hyphens; must start with a letter; no double or trailing hyphen."""
    cleaned = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]+", "-", label.lower())).strip("-")
    return cleaned if cleaned[:1].isalpha() else f"redis-{cleaned}".rstrip("-")


def snapshot_name(label: str, now: datetime) -> str:
    return f"{name_prefix(label)}-{now.astimezone(timezone.utc).strftime(STAMP)}"


def created_from_name(name: str, label: str) -> datetime | None:
    match = re.fullmatch(re.escape(name_prefix(label)) + r"-(\d{8}-\d{6})", name)
    return datetime.strptime(match.group(1), STAMP).replace(tzinfo=timezone.utc) if match else None


def describe(client: Any, name: str) -> dict[str, Any] | None:
    try:
        snapshots = client.describe_snapshots(SnapshotName=name)["Snapshots"]
    except client.exceptions.SnapshotNotFoundFault:
        return None
    return snapshots[0] if snapshots else None


def create(client: Any, group_id: str, name: str, tags: dict[str, str]) -> datetime | None:
    """Request the snapshot; returns AWS's clock at that moment (the response's `Date` header), when it has one."""
    response = client.create_snapshot(ReplicationGroupId=group_id, SnapshotName=name,
                                      Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    date = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    try:
        return parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError):
        return None


def wait_available(client: Any, name: str, timeout: float, interval: float, progress: Callable[[str], None],
                   sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Poll until the snapshot is `available`; raise on failure or after `timeout` seconds (snapshots of large
    nodes take minutes, AWS publishes no upper bound)."""
    started = time.monotonic()
    while True:
        snapshot = describe(client, name)
        status = (snapshot or {}).get("SnapshotStatus", "missing")
        elapsed = time.monotonic() - started
        progress(f"snapshot {name}: {status} ({elapsed:.0f}s)")
        if status == "available":
            return snapshot  # type: ignore[return-value]
        if status in TERMINAL_FAILURES or snapshot is None:
            raise SnapshotError(f"snapshot {name} is {status}; see the ElastiCache events of the group")
        if elapsed + interval > timeout:
            raise SnapshotError(f"snapshot {name} is still {status} after {elapsed:.0f}s; it may finish later: "
                                f"check with `aws elasticache describe-snapshots --snapshot-name {name}`")
        sleep(interval)


def manual_snapshots(client: Any, group_id: str) -> list[dict[str, Any]]:
    pages = client.get_paginator("describe_snapshots").paginate(ReplicationGroupId=group_id, SnapshotSource="user")
    return [snapshot for page in pages for snapshot in page["Snapshots"]]


def prune(client: Any, group_id: str, label: str, keep_days: int, now: datetime, keep: str) -> list[str]:
    """Delete this label's manual snapshots older than keep_days; never `keep` (just taken) nor the newest."""
    ours = sorted((created, s["SnapshotName"]) for s in manual_snapshots(client, group_id)
                  if (created := created_from_name(s["SnapshotName"], label)) is not None)
    protected = {keep} | ({ours[-1][1]} if ours else set())
    removed = []
    for created, name in ours:
        if created < now - timedelta(days=keep_days) and name not in protected:
            client.delete_snapshot(SnapshotName=name)
            removed.append(name)
    return removed


def export(client: Any, name: str, bucket: str) -> str:
    """Copy the snapshot to S3 (CopySnapshot with TargetBucket); the copy is named like the snapshot."""
    client.copy_snapshot(SourceSnapshotName=name, TargetSnapshotName=name, TargetBucket=bucket)
    return f"s3://{bucket}/{name}"


@dataclass(frozen=True)
class SnapshotBackup:
    name: str
    status: str
    pruned: list[str]
    exported_to: str | None
    warnings: list[str] = field(default_factory=list)


def take(client: Any, group_id: str, label: str, keep_days: int, *, export_bucket: str | None = None,
         timeout: float = 3600, interval: float = 15, progress: Callable[[str], None] = lambda _: None,
         now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
         sleep: Callable[[float], None] = time.sleep) -> SnapshotBackup:
    started = now()
    name = snapshot_name(label, started)
    aws_clock = create(client, group_id, name, {"profwise-redis:stack": label,
                                                "profwise-redis:kind": "manual-backup"})
    snapshot = wait_available(client, name, timeout, interval, progress, sleep)
    exported = export(client, name, export_bucket) if export_bucket else None
    problem = clock_problem(started, aws_clock)
    pruned = [] if problem else prune(client, group_id, label, keep_days, now(), keep=name)
    return SnapshotBackup(name, snapshot["SnapshotStatus"], pruned, exported, [problem] if problem else [])


def restore_steps(stack: str, snapshot: str) -> list[str]:
    """ElastiCache restores into a *new* group (snapshot_name forces a replacement, and the prod group is
    protected): a sibling stack with the same config plus `restoreFromSnapshot`."""
    new = f"{stack}-restore"
    return [
        f"pulumi stack init {new} --copy-config-from {stack}",
        f"pulumi config set --stack {new} --path 'elasticache.restoreFromSnapshot' {snapshot}",
        f"pulumi up --stack {new}",
        f"python -m infra.cli verify --stack {new}",
        f"python -m infra.cli env --stack {new} --write .env   # point the app at the restored group",
        f"# once the app runs on {new}: retire the old group (it is protected: `pulumi state unprotect` first)",
    ]
