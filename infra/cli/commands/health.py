"""`health`: the guide's monitoring table (memory, hit ratio, clients, evictions, persistence, slow log)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime

import redis

from infra import contract, table
from infra.cli import options as cli_options
from infra.ops import health
from infra.cli.support import INTERRUPTED, add_connection_options, add_outputs_source, read_outputs, target_from
from infra.results import FAIL


def _print(report: health.Report, as_json: bool, principal: str) -> None:
    if as_json:  # one JSON object per line, so --watch output is JSON Lines
        print(json.dumps({"time": datetime.now().astimezone().isoformat(timespec="seconds"), "connected_as": principal,
                          **report.as_dict()}), flush=True)
        return
    print(f"health at {datetime.now().astimezone():%Y-%m-%d %H:%M:%S %Z} (connected as {principal}): "
          f"{report.status}")
    print(table.render(("metric", "value", "status", "threshold", "detail"),
                       [(m.name, m.value, m.status, m.threshold, m.detail) for m in report.metrics]))
    if report.slowest:
        print(f"\n{len(report.slowest)} slowest commands (slow log):")
        print(table.render(("id", "at", "ms", "command"),
                           [(s.id, datetime.fromtimestamp(s.started).strftime("%H:%M:%S"), f"{s.duration_ms:.1f}",
                             s.command) for s in report.slowest]))
    print(flush=True)


def run(args: argparse.Namespace) -> int:
    outputs = read_outputs(args)
    target = target_from(args, outputs)
    client = target.operator_client()
    settings = outputs.get(contract.SETTINGS) or {}
    code: int | None = None  # no report yet
    try:
        while True:
            try:
                report = health.evaluate(*health.collect(client), settings)
            except redis.RedisError as error:
                print(target.scrub(f"error: cannot read health from {target.host}:{target.port}: {error}"),
                      file=sys.stderr)
                code = 1
            else:
                code = 1 if report.status == FAIL else 0
                if args.watch and not args.json and sys.stdout.isatty():
                    print("\033[H\033[J", end="")  # redraw in place on a terminal; plain appends otherwise
                _print(report, args.json, target.principal)
            if not args.watch:
                return code
            time.sleep(args.watch)
    except KeyboardInterrupt:
        if code is None:  # stopped before any verdict: not a pass
            print("health interrupted (Ctrl-C) before its first report: no verdict", file=sys.stderr)
            return INTERRUPTED
        return code  # --watch ends with Ctrl-C: the last report's verdict


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("health", help="the key metrics with thresholds: pass / warn / fail",
                            description="Exit 1 when a metric fails. " + "; ".join(
                                f"{k}: {v}" for k, v in health.THRESHOLDS.items()))
    add_outputs_source(parser)
    parser.add_argument("--watch", type=cli_options.seconds(0, 3600), metavar="SECONDS",
                        help="refresh every SECONDS (at most 3600) until Ctrl-C, then exit with the last verdict")
    add_connection_options(parser)
    parser.add_argument("--json", action="store_true", help="print a machine-readable report (JSON Lines)")
    parser.set_defaults(func=run)
