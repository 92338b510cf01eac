"""`loadtest`: can the deployed Redis serve N concurrent users within a p99 budget, without errors?
(infra.loadtest.runner)"""

from __future__ import annotations

import argparse
import json
import sys

from infra.cli import options as cli_options
from infra.cli.support import UsageError, add_connection_options, add_outputs_source, target_from


def progress_printer(seconds: float, stream=sys.stderr):  # noqa: ANN001, ANN201
    """A one-line live display on a terminal (rewritten in place); a line every 5 s when stderr is a file or pipe."""
    tty = stream.isatty()
    shown = {"at": -5.0}

    def show(elapsed: float, ops: int, errors: int) -> None:
        if not tty and elapsed - shown["at"] < 5:
            return
        shown["at"] = elapsed
        rate = ops / elapsed if elapsed > 0 else 0.0
        line = f"  {min(elapsed, seconds):5.1f}/{seconds:g} s  {ops:>11,} ops  {rate:>10,.0f} ops/s  errors {errors}"
        stream.write(f"\r{line}" if tty else f"{line}\n")
        stream.flush()

    return show


def cleanup_text(cleanup, args: argparse.Namespace) -> str:  # noqa: ANN001
    """What became of the run's keys, in words; never "removed" unless all were."""
    if cleanup.complete:
        return f"removed {cleanup.removed:,} test keys under {cleanup.prefix}"
    source = f"--stack {args.stack}" if args.stack else "--outputs FILE"
    count = "" if cleanup.remaining_at_most is None else f"up to {cleanup.remaining_at_most:,} "
    expiry = "" if cleanup.ttl is None else f", each expiring within {cleanup.ttl} s"
    return (f"cleanup {cleanup.problem}: {count}test keys under {cleanup.prefix} remain ({cleanup.removed:,} "
            f"removed){expiry}; remove them now with "
            f"`python -m infra.cli loadtest {source} --remove-keys {cleanup.prefix}`")


def report_text(target, result, args: argparse.Namespace) -> str:  # noqa: ANN001
    ms = result.latency_ms
    mix = result.mix
    lines = [
        f"loadtest {target.host}:{target.port} (tls {'on' if target.tls else 'off'}): {result.connections} "
        f"connections x {result.seconds:.1f} s, {1 - mix['set_ratio']:.0%} GET / {mix['set_ratio']:.0%} SET "
        f"(ttl {mix['ttl']} s, {mix['keys']:,} keys of {mix['value_bytes']} B), {result.workers} worker process(es) "
        f"on {result.event_loop}",
        f"  throughput  {result.ops_per_sec:,.0f} ops/s ({result.ops:,} ops)",
        f"  latency     p50 {ms['p50']:.2f} ms  p95 {ms['p95']:.2f} ms  p99 {ms['p99']:.2f} ms  "
        f"max {ms['max']:.2f} ms  mean {ms['mean']:.2f} ms",
        f"  errors      {result.errors}" + "".join(f"\n    {s}" for s in result.error_samples),
        f"  hit ratio   {'n/a' if result.hit_ratio is None else f'{result.hit_ratio:.1%}'}",
        f"  load gen    worker CPU {', '.join(f'{c:.0%}' for c in result.client_cpu)} of a core; "
        f"loop lag p99 {result.loop_lag_p99_ms:.1f} ms",
        f"  server CPU  {'unknown' if result.server_cpu is None else f'{result.server_cpu:.0%} of a core'}"
        + ("" if result.machine_cpu is None else f"; this machine {result.machine_cpu:.0%} busy"),
        f"  bottleneck  {result.bottleneck}",
        f"  cleanup     {cleanup_text(result.cleanup, args)}",
    ]
    verdict = "PASS" if result.passed else "FAIL: " + "; ".join(result.failures)
    lines.append(f"loadtest {verdict} (limits: p99 ≤ {mix['p99_ms_limit']:g} ms, zero errors)")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from infra.loadtest import runner as loadtest  # imported here: `python -m infra.cli verify` never pays for it

    plan = loadtest.Plan(connections=args.connections, seconds=args.seconds, warmup=args.warmup,
                         set_ratio=args.set_ratio, keys=args.keys, value_bytes=args.value_bytes, ttl=args.ttl,
                         workers=args.workers, p99_ms=args.p99_ms)
    target = target_from(args)  # --timeout bounds every connect and reply; --ca-cert verifies a private CA
    if args.remove_keys:
        return _remove_keys(target, args)
    show = None if args.quiet else progress_printer(plan.seconds)
    notice = lambda text: print(f"\n{text}", file=sys.stderr, flush=True)  # noqa: E731
    try:
        result = loadtest.run(target, plan, progress=show, notice=notice)
    except loadtest.Interrupted as interrupted:
        print(f"\nloadtest interrupted; {cleanup_text(interrupted.cleanup, args)}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:  # before the first key was written (connecting, the checks)
        print("\nloadtest interrupted; nothing was written", file=sys.stderr)
        return 130
    except loadtest.LoadTestError as error:
        message = target.scrub(str(error))
        if error.cleanup is not None:
            message += f"; {cleanup_text(error.cleanup, args)}"
        if show and sys.stderr.isatty():
            sys.stderr.write("\n")
        if args.json:
            print(json.dumps({"passed": False, "failures": [message]}, indent=2))
        print(f"loadtest FAILED: {message}", file=sys.stderr)
        return 1
    if show and sys.stderr.isatty():
        sys.stderr.write("\n")
    print(json.dumps({**result.as_dict(), "connected_as": target.principal}, indent=2) if args.json
          else f"connected as {target.principal}\n{report_text(target, result, args)}")
    return 0 if result.passed else 1


def _remove_keys(target, args: argparse.Namespace) -> int:  # noqa: ANN001
    """`--remove-keys PREFIX`: what an interrupted run left (only a prefix `loadtest` itself makes is accepted)."""
    from infra.loadtest import keys as loadtest_keys

    if not loadtest_keys.PREFIX_PATTERN.fullmatch(args.remove_keys):
        raise UsageError(f"--remove-keys {args.remove_keys!r}: not a loadtest prefix (loadtest:<12 hex digits>:, "
                         "as its report prints it)")
    try:
        client = target.operator_client()
        cleanup = loadtest_keys.clean_up(client, args.remove_keys, written=None, ttl=None)
    except Exception as error:  # noqa: BLE001 — connecting failed: one line, without the password
        print(target.scrub(f"error: cannot remove keys: {type(error).__name__}: {error}"),
              file=sys.stderr)
        return 1
    print(target.scrub(cleanup_text(cleanup, args)), file=sys.stderr if not cleanup.complete
          else sys.stdout)
    return 0 if cleanup.complete else 1


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("loadtest", help="drive N concurrent connections and judge p99 latency and errors",
                            description="Capacity check: N concurrent connections doing a cache mix (mostly GET, "
                            "some SET with TTL) under a throwaway key prefix that is removed afterwards. "
                            "Exit 0 pass, 1 fail, 2 bad usage.")
    add_outputs_source(parser)
    # Bounds live here, once: argparse refuses a value outside them (nan and inf included) before anything connects.
    parser.add_argument("--connections", "-n", type=cli_options.whole(1, 50_000, "connections"), default=1000,
                        help="concurrent connections, one per simulated user (default 1000, the guide's target)")
    parser.add_argument("--seconds", type=cli_options.seconds(0, 3600), default=30.0,
                        help="measured duration (default 30)")
    parser.add_argument("--warmup", type=cli_options.seconds(0, 600, low_open=False), default=1.0,
                        help="seconds of load before measuring (default 1)")
    parser.add_argument("--p99-ms", type=cli_options.number(0, 60_000, "ms", low_open=True), default=50.0,
                        help="pass when p99 latency is at most this many ms and nothing failed (default 50)")
    parser.add_argument("--set-ratio", type=cli_options.number(0, 1, "(a share of the commands)"), default=0.1,
                        help="share of SETs in the mix (default 0.1)")
    parser.add_argument("--keys", type=cli_options.whole(1, 1_000_000, "keys"), default=10_000,
                        help="distinct test keys (default 10000)")
    parser.add_argument("--value-bytes", type=cli_options.whole(1, 1_048_576, "bytes"), default=512,
                        help="size of each value (default 512)")
    parser.add_argument("--ttl", type=cli_options.whole(1, 86_400, "seconds"), default=300,
                        help="TTL of every test key in seconds (default 300)")
    parser.add_argument("--workers", type=cli_options.whole(0, 256, "workers"), default=0,
                        help="load-generator processes (default 0: one per CPU core)")
    add_connection_options(parser)  # --timeout: a connect or reply slower than this counts as an error; --ca-cert
    parser.add_argument("--json", action="store_true", help="print a machine-readable report")
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    parser.add_argument("--remove-keys", metavar="PREFIX", help="run nothing: remove the keys an interrupted run "
                        "left under PREFIX (loadtest:<12 hex>:, as its report prints it)")
    parser.set_defaults(func=run)
