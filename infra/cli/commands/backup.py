"""`backup`: a checked, timestamped backup with retention — RDB over the network, or the service's own snapshot.

A backend whose service backs itself up names a `backup` module in its spec (ElastiCache: a snapshot through the
API); every other backend's server streams its RDB here (`infra.ops.backup`), checked, with a manifest.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import redis

from infra import contract, table
from infra.backends.spec import ServiceBackup
from infra.cli import options as cli_options
from infra.cli.support import (INTERRUPTED, UsageError, add_connection_options, add_outputs_source, progress,
                               read_outputs, service_backup, target_from)
from infra.endpoint import scrub
from infra.ops import backup

DEFAULT_KEEP_DAYS = 7  # the guide's retention
MAX_KEEP_DAYS = 36_500  # a century: beyond it the date arithmetic of retention overflows, and nobody means it
NOT_WRITTEN = "no backup was written (its partial file was removed) and nothing was pruned"


def _label(args: argparse.Namespace) -> str:
    return args.label or args.stack or "redis"


def _local(args: argparse.Namespace, outputs: dict) -> dict:
    if args.export_bucket:
        raise UsageError("--export-bucket applies to service snapshots (ElastiCache); copy RDB backups with your own "
                         "tools")
    target = target_from(args, outputs)
    dest = Path(args.dest) if args.dest else Path("backups") / _label(args)
    result = backup.take(target, dest, _label(args), args.keep_days, progress=progress)
    kept = result.retention
    return {"backend": outputs.get(contract.BACKEND), "connected_as": target.principal, "file": str(result.path),
            "manifest": result.manifest, "pruned": kept.pruned, "warnings": kept.warnings,
            "prune_errors": kept.errors, "interrupted": kept.interrupted}


def run(args: argparse.Namespace) -> int:
    outputs = read_outputs(args)
    passwords = (str(outputs.get(contract.PASSWORD) or ""), str(outputs.get(contract.ADMIN_PASSWORD) or ""))
    service = service_backup(outputs)
    service_errors = service.ERRORS if service else ()
    errors: tuple[type[Exception], ...] = (backup.BackupError, redis.RedisError, OSError, *service_errors)
    try:
        report = service.backup(args, outputs, progress) if service else _local(args, outputs)
    except errors as error:
        text = service.error_text(error) if service else str(error)
        print(scrub(f"error: backup failed, nothing was pruned: {text}", *passwords), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"backup interrupted (Ctrl-C): {service.INTERRUPTED if service else NOT_WRITTEN}", file=sys.stderr)
        return INTERRUPTED
    _print(args, report, service)
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


def _print(args: argparse.Namespace, report: dict, service: ServiceBackup | None) -> None:
    if args.json:
        print(json.dumps(report, indent=2))
        return
    if service is None:
        m = report["manifest"]
        print(table.pairs([("backup", report["file"]), ("connected as", report["connected_as"]),
                           ("created", m["created_at"]), ("size", f"{m['size']:,} bytes"),
                           ("sha256", m["sha256"]), ("keys", f"{m['keys']:,}"), ("server", m["server_version"]),
                           ("rdb version", m["rdb_version"]), ("rdb checksum", m["rdb_checksum"])]))
    else:
        print(table.pairs(service.rows(report)))
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
