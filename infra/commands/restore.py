"""`restore`: replay a checked backup into the stack's running Redis, or print the ElastiCache restore steps."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import redis
from botocore.exceptions import BotoCoreError, ClientError

from infra import contract, elasticache_snapshots, restore, table
from infra.cli_support import UsageError, add_outputs_source, read_outputs
from infra.commands.backup import progress
from infra.verify import Target


def _confirm(args: argparse.Namespace) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError("no terminal to confirm on: pass --yes to restore without asking")
    try:
        return input("Type 'yes' to restore: ").strip().lower() == "yes"
    except (EOFError, KeyboardInterrupt):
        print(file=sys.stderr)
        return False


def _local(args: argparse.Namespace, outputs: dict) -> int:
    if not args.file:
        raise UsageError("name the backup file to restore (a .rdb made by `backup`)")
    try:
        target = Target.from_outputs(outputs, timeout=args.timeout)
    except ValueError as error:
        raise UsageError(str(error)) from None
    manifest, summary = restore.check_file(Path(args.file), use_manifest=not args.no_manifest)
    client = target.client(target.password)
    state = restore.target_state(client)
    created = (manifest or {}).get("created_at", "unknown (no manifest)")
    print(table.pairs([
        ("backup", f"{args.file} ({created}, {summary.keys:,} keys, RDB v{summary.version}, "
                   f"from Redis {summary.aux.get('redis-ver', '?')}, checksum {summary.checksum})"),
        ("target", f"{target.host}:{target.port} (Redis {state.version}, {state.keys:,} keys now, "
                   f"AOF {'on' if state.aof_enabled else 'off'})"),
        ("will", "RESTORE every key (TTLs kept, already-expired keys skipped)"
                 + (", replacing keys of the same name; other keys stay" if state.keys and args.force else "")
                 + ", then " + ("rewrite the AOF" if state.aof_enabled else "BGSAVE") + " so it is on disk"),
    ]), file=sys.stderr)
    if state.keys and not args.force:
        print(f"error: the target already holds {state.keys:,} keys; refusing to mix a backup into live data. "
              "Pass --force to restore anyway (keys of the same name are replaced, others stay: FLUSHALL is "
              "disabled on these servers by design)", file=sys.stderr)
        return 1
    if not _confirm(args):
        print("restore cancelled; nothing was written", file=sys.stderr)
        return 1
    restore.probe_version(client, summary.version, state.version)
    with restore.mapped(Path(args.file)) as data:
        restored, expired, functions = restore.replay(target, data, replace=args.force, progress=progress)
    persisted = restore.persist(client, state.aof_enabled)
    after = restore.target_state(client)
    report = {"restored": restored, "skipped_expired": expired, "functions": functions, "persisted": persisted,
              "target_keys": after.keys}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(table.pairs([("restored", f"{restored:,} keys"), ("skipped", f"{expired:,} already expired"),
                           ("functions", functions), ("persisted", persisted), ("target now", f"{after.keys:,} keys")]))
    return 0


def _elasticache(args: argparse.Namespace, outputs: dict) -> int:
    import boto3  # only the ElastiCache path needs it

    if not args.snapshot:
        raise UsageError("ElastiCache restores from a snapshot: pass --snapshot NAME (see `backup` or "
                         "`aws elasticache describe-snapshots`)")
    client = boto3.client("elasticache", region_name=outputs.get(contract.REGION))
    snapshot = elasticache_snapshots.describe(client, args.snapshot)
    status = (snapshot or {}).get("SnapshotStatus", "not found")
    steps = elasticache_snapshots.restore_steps(args.stack or "<stack>", args.snapshot)
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


def run(args: argparse.Namespace) -> int:
    outputs = read_outputs(args)
    password = str(outputs.get(contract.PASSWORD) or "\0")
    try:
        if outputs.get(contract.BACKEND) == "elasticache":
            return _elasticache(args, outputs)
        return _local(args, outputs)
    except (restore.RestoreError, redis.RedisError, OSError, BotoCoreError, ClientError) as error:
        print(f"error: restore failed: {error}".replace(password, "***"), file=sys.stderr)
        return 1


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("restore", help="restore a backup into the stack's Redis (AOF on, survives restart)",
                            description="Local/self-hosted: RESTORE every key of a checked backup into the running "
                            "server. ElastiCache: check a snapshot and print the restore steps.")
    add_outputs_source(parser)
    parser.add_argument("file", nargs="?", help="the .rdb backup (its .manifest.json must sit beside it)")
    parser.add_argument("--snapshot", help="ElastiCache: the snapshot to restore")
    parser.add_argument("--force", action="store_true", help="restore into a target that already holds keys")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--no-manifest", action="store_true",
                        help="restore an RDB file without a manifest (checked by its own CRC64 only)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds each network operation may take")
    parser.add_argument("--json", action="store_true", help="print a machine-readable report")
    parser.set_defaults(func=run)
