"""`restore`: replay a checked backup into the stack's running Redis, or (for a service that backs itself up, e.g.
ElastiCache) check a snapshot and print the restore steps."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

import redis

from infra import contract, table
from infra.cli.support import (UsageError, add_connection_options, add_outputs_source, progress, read_outputs,
                               service_backup, target_from)
from infra.endpoint import Target, scrub
from infra.ops import restore, sync_route


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


def _will(plan: restore.Plan) -> str:
    state, route = plan.target, plan.route
    persist = ("rewrite the AOF" if state.aof_enabled else "BGSAVE") + " so it is on disk"
    if isinstance(route, sync_route.Route):
        return (f"load the backup by replication: the target becomes a read-only replica of this tool at "
                f"{route.listen} ({route.how}) for the sync, then a primary again, and its own rewrite puts it on "
                f"disk; if it refuses, RESTORE every key instead, then {persist}")
    return ("RESTORE every key (TTLs kept, already-expired keys skipped)"
            + (", replacing keys of the same name; other keys stay" if state.keys and plan.replace else "")
            + f", then {persist}" + (f" (not by replication: {route})" if route not in ("--no-replication", "--force")
                                     else ""))


def show_plan_and_confirm(args: argparse.Namespace, target: Target, plan: restore.Plan) -> bool:
    summary, state = plan.summary, plan.target
    created = (plan.manifest or {}).get("created_at", "unknown (no manifest)")
    print(table.pairs([
        ("backup", f"{plan.path} ({created}, {summary.keys:,} keys, RDB v{summary.version}, "
                   f"from Redis {summary.aux.get('redis-ver', '?')}, checksum {summary.checksum})"),
        ("target", f"{target.host}:{target.port} (Redis {state.version}, {state.keys:,} keys now, "
                   f"AOF {'on' if state.aof_enabled else 'off'})"),
        ("connected as", target.principal),
        ("fit", f"the backup {plan.fit.describe()}"),
        ("will", _will(plan)),
    ]), file=sys.stderr)
    return _confirm(args)


def _address(text: str) -> str:
    if text == sync_route.AUTO:  # the default (argparse passes a string default through `type` too)
        return text
    try:
        return sync_route.parse_address(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _local(args: argparse.Namespace, outputs: dict) -> int:
    if not args.file:
        raise UsageError("name the backup file to restore (a .rdb made by `backup`)")
    target = target_from(args, outputs)
    try:
        result = restore.run(target, Path(args.file), use_manifest=not args.no_manifest, force=args.force,
                             confirm=lambda plan: show_plan_and_confirm(args, target, plan), progress=progress,
                             replication=args.replication)
    except restore.Cancelled as cancelled:
        print(cancelled, file=sys.stderr)
        return 1
    except restore.Interrupted as interrupted:
        print(f"\n{interrupted}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:  # before the replay began (checks, plan, version probe)
        print("\nrestore interrupted; nothing was written", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps({**asdict(result), "connected_as": target.principal}, indent=2))
    else:
        print(table.pairs([("connected as", target.principal), ("restored", f"{result.restored:,} keys"),
                           ("skipped", f"{result.skipped_expired:,} already expired"),
                           ("functions", result.functions), ("method", result.method),
                           ("persisted", result.persisted),
                           ("target now", f"{result.target_keys:,} keys")]))
    return 0


def run(args: argparse.Namespace) -> int:
    outputs = read_outputs(args)
    passwords = (str(outputs.get(contract.PASSWORD) or ""), str(outputs.get(contract.ADMIN_PASSWORD) or ""))
    service = service_backup(outputs)
    service_errors = service.ERRORS if service else ()
    errors: tuple[type[Exception], ...] = (restore.RestoreError, redis.RedisError, OSError, *service_errors)
    try:
        return service.restore(args, outputs) if service else _local(args, outputs)
    except errors as error:
        text = service.error_text(error) if service else str(error)
        print(scrub(f"error: restore failed: {text}", *passwords), file=sys.stderr)
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
    route = parser.add_mutually_exclusive_group()
    route.add_argument("--via-replication", dest="replication", metavar="ADDR", type=_address,
                       default=sync_route.AUTO,
                       help="into an empty target: load by replication, the target connecting to this machine at ADDR "
                       "(an IP it can reach; default: only for a target on this machine, at the address it sees "
                       "this tool at)")
    route.add_argument("--no-replication", dest="replication", action="store_const", const=sync_route.OFF,
                       help="always write every key with RESTORE")
    parser.add_argument("--no-manifest", action="store_true",
                        help="restore an RDB file without a manifest (checked by its own CRC64 only)")
    add_connection_options(parser, timeout=30.0)
    parser.add_argument("--json", action="store_true", help="print a machine-readable report")
    parser.set_defaults(func=run)
