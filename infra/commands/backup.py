"""`backup`: a checked, timestamped snapshot with retention — RDB over the network, or an ElastiCache snapshot."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import redis
from botocore.exceptions import BotoCoreError, ClientError

from infra import backup, cli_options, contract, elasticache_snapshots, table
from infra.cli_support import (INTERRUPTED, UsageError, add_connection_options, add_outputs_source, read_outputs,
                               target_from)
from infra.verify import scrub

DEFAULT_KEEP_DAYS = 7  # the guide's retention
MAX_KEEP_DAYS = 36_500  # a century: beyond it the date arithmetic of retention overflows, and nobody means it
NOT_WRITTEN = "no backup was written (its partial file was removed) and nothing was pruned"
ELASTICACHE_INTERRUPTED = ("a snapshot already requested continues on AWS (see `aws elasticache describe-snapshots`); "
                           "retention may have stopped part-way")


def progress(message: str) -> None:
    print(f"… {message}", file=sys.stderr, flush=True)


def error_text(error: Exception) -> str:
    """An AWS API error as `control_plane` words it (code and message); anything else as it is."""
    if isinstance(error, (BotoCoreError, ClientError)):
        from infra.control_plane import aws_error  # loads boto3: only after an AWS call failed

        return aws_error(error)
    return str(error)


def aws_client(args: argparse.Namespace, outputs: dict) -> Any:
    """The ElastiCache API client `verify` uses too: the stack's region, `--timeout` on every call, bounded retries."""
    from infra import control_plane  # only the ElastiCache path needs boto3

    if not outputs.get(contract.REGION):
        raise UsageError("the outputs lack region: is this the prod (elasticache) stack?")
    return control_plane.client(str(outputs[contract.REGION]), args.timeout)


def _label(args: argparse.Namespace) -> str:
    return args.label or args.stack or "redis"


def _elasticache(args: argparse.Namespace, outputs: dict) -> dict:
    group_id = outputs.get(contract.REPLICATION_GROUP_ID)
    if not group_id:
        raise UsageError("the outputs lack replication_group_id: is this the prod (elasticache) stack?")
    client = aws_client(args, outputs)
    result = elasticache_snapshots.take(client, group_id, _label(args), args.keep_days,
                                        export_bucket=args.export_bucket, timeout=args.wait_timeout,
                                        interval=args.poll, progress=progress)
    return {"backend": "elasticache", "snapshot": result.name, "status": result.status,
            "exported_to": result.exported_to, "pruned": result.pruned, "warnings": result.warnings}


def _local(args: argparse.Namespace, outputs: dict) -> dict:
    if args.export_bucket:
        raise UsageError("--export-bucket applies to ElastiCache snapshots; copy local backups with your own tools")
    target = target_from(args, outputs)
    dest = Path(args.dest) if args.dest else Path("backups") / _label(args)
    result = backup.take(target, dest, _label(args), args.keep_days, progress=progress)
    kept = result.retention
    return {"backend": outputs.get(contract.BACKEND, "docker"), "file": str(result.path),
            "manifest": result.manifest, "pruned": kept.pruned, "warnings": kept.warnings,
            "prune_errors": kept.errors, "interrupted": kept.interrupted}


def run(args: argparse.Namespace) -> int:
    outputs = read_outputs(args)
    password = str(outputs.get(contract.PASSWORD) or "")
    try:
        if outputs.get(contract.BACKEND) == "elasticache":
            report = _elasticache(args, outputs)
        else:
            report = _local(args, outputs)
    except (backup.BackupError, elasticache_snapshots.SnapshotError, redis.RedisError, OSError, BotoCoreError,
            ClientError) as error:
        print(scrub(f"error: backup failed, nothing was pruned: {error_text(error)}", password), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        said = NOT_WRITTEN if outputs.get(contract.BACKEND) != "elasticache" else ELASTICACHE_INTERRUPTED
        print(f"backup interrupted (Ctrl-C): {said}", file=sys.stderr)
        return INTERRUPTED
    _print(args, report)
    for warning in report.get("warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    if report.get("interrupted"):
        print(f"backup interrupted (Ctrl-C) after {report['file']} was complete: retention stopped "
              f"({len(report['pruned'])} pruned before it); the next backup prunes the rest", file=sys.stderr)
        return INTERRUPTED
    if report.get("prune_errors"):
        print(f"error: the backup {report['file']} is complete, but retention failed: "
              + "; ".join(report["prune_errors"]), file=sys.stderr)
        return 1
    return 0


def _print(args: argparse.Namespace, report: dict) -> None:
    if args.json:
        print(json.dumps(report, indent=2))
        return
    if "manifest" in report:
        m = report["manifest"]
        print(table.pairs([("backup", report["file"]), ("created", m["created_at"]), ("size", f"{m['size']:,} bytes"),
                           ("sha256", m["sha256"]), ("keys", f"{m['keys']:,}"), ("server", m["server_version"]),
                           ("rdb version", m["rdb_version"]), ("rdb checksum", m["rdb_checksum"])]))
    else:
        print(table.pairs([("snapshot", report["snapshot"]), ("status", report["status"]),
                           ("exported to", report["exported_to"] or "-")]))
    print(f"pruned {len(report['pruned'])} older backup(s)" + (": " + ", ".join(report["pruned"])
                                                                 if report["pruned"] else ""))


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("backup", help="take a checked, timestamped backup and prune old ones",
                            description="Local/self-hosted: the server's RDB over the network into --dest, with a "
                            "manifest. ElastiCache: a manual snapshot through the API.")
    add_outputs_source(parser)
    parser.add_argument("--dest", help="directory for local backups (default backups/<stack>)")
    parser.add_argument("--label", help="name prefix of the backups (default: the stack name)")
    parser.add_argument("--keep-days", type=cli_options.whole(0, MAX_KEEP_DAYS, "days"), default=DEFAULT_KEEP_DAYS,
                        help="delete this label's backups older than N days (0 to 36500), after the new one checks "
                        f"out; the newest one before it is always kept (default {DEFAULT_KEEP_DAYS})")
    parser.add_argument("--export-bucket", help="ElastiCache: also copy the snapshot to this S3 bucket")
    parser.add_argument("--wait-timeout", type=cli_options.seconds(0, 86_400), default=3600,
                        help="ElastiCache: seconds to wait for the snapshot (default 3600, at most 86400)")
    parser.add_argument("--poll", type=cli_options.seconds(0, 3600), default=15,
                        help="ElastiCache: seconds between status checks (default 15)")
    add_connection_options(parser, timeout=30.0)
    parser.add_argument("--json", action="store_true", help="print a machine-readable report")
    parser.set_defaults(func=run, interrupted="no backup was written and nothing was pruned")
