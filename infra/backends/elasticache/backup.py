"""The elasticache backend's `backup` (infra.backends.spec.ServiceBackup): snapshots through the AWS API.

ElastiCache blocks SYNC and BGSAVE, so `python -m infra.cli backup` takes a manual snapshot (`snapshots.take`: waited
for, pruned, optionally exported to S3) and `restore` checks a snapshot and prints the steps that seed a new group
from it (the running group is left alone). The API client is the one the control-plane checks use: the stack's
region, `--timeout` on every call, bounded retries. boto3 loads only when one of these runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable

from botocore.exceptions import BotoCoreError, ClientError

from infra import contract
from infra.backends.elasticache import snapshots
from infra.backends.spec import UsageError

INTERRUPTED = ("a snapshot already requested continues on AWS (see `aws elasticache describe-snapshots`); "
               "retention may have stopped part-way")
ERRORS: tuple[type[Exception], ...] = (snapshots.SnapshotError, BotoCoreError, ClientError)


def error_text(error: Exception) -> str:
    """An AWS API error as the control-plane checks word it (code and message); anything else as it is."""
    if isinstance(error, (BotoCoreError, ClientError)):
        from infra.backends.elasticache.control_plane import aws_error

        return aws_error(error)
    return str(error)


def _client(args: argparse.Namespace, outputs: dict[str, Any]) -> Any:
    from infra.backends.elasticache import control_plane

    if not outputs.get(contract.REGION):
        raise UsageError("the outputs lack region: is this the prod (elasticache) stack?")
    return control_plane.client(str(outputs[contract.REGION]), args.timeout)


def backup(args: argparse.Namespace, outputs: dict[str, Any], progress: Callable[[str], None]) -> dict[str, Any]:
    group_id = outputs.get(contract.REPLICATION_GROUP_ID)
    if not group_id:
        raise UsageError("the outputs lack replication_group_id: is this the prod (elasticache) stack?")
    label = args.label or args.stack or "redis"
    result = snapshots.take(_client(args, outputs), group_id, label, args.keep_days,
                            export_bucket=args.export_bucket, timeout=args.wait_timeout, interval=args.poll,
                            progress=progress)
    return {"backend": outputs.get(contract.BACKEND), "snapshot": result.name, "status": result.status,
            "exported_to": result.exported_to, "pruned": result.pruned, "warnings": result.warnings}


def rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [("snapshot", report["snapshot"]), ("status", report["status"]),
            ("exported to", report["exported_to"] or "-")]


def restore(args: argparse.Namespace, outputs: dict[str, Any]) -> int:
    if not args.snapshot:
        raise UsageError("ElastiCache restores from a snapshot: pass --snapshot NAME (see `backup` or "
                         "`aws elasticache describe-snapshots`)")
    snapshot = snapshots.describe(_client(args, outputs), args.snapshot)
    status = (snapshot or {}).get("SnapshotStatus", "not found")
    steps = snapshots.restore_steps(args.stack or "<stack>", args.snapshot)
    report = {"snapshot": args.snapshot, "status": status, "available": status == "available", "steps": steps}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"snapshot {args.snapshot}: {status}")
        print("A restore creates a new replication group from the snapshot (the running one is left alone):")
        print("\n".join(f"  {step}" for step in steps))
    if status != "available":
        print(f"error: snapshot {args.snapshot} is {status}; choose an available one", file=sys.stderr)
        return 1
    return 0


