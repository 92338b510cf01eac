"""`make bench` (`python -m bench.run`): our code against the practical limits on this machine, side by side.

Runs the four comparisons in `bench.sections` and the restore one in `bench.restore_bench`, prints one table of
ratios and writes it, with the machine it ran on, to `bench/results/latest.md` (and into `docs/performance.md`,
between its bench markers) and every raw sample to `bench/results/latest.json`. Not a test: nothing here
fails a build; the goals are shown met or not met, to be read (on a quiet machine) and acted on.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench import restore_bench, sections
from bench.harness import REPO_ROOT, machine, need
from bench.stats import Row, markdown_table

RESULTS = REPO_ROOT / "bench" / "results"
SECTIONS = ("verify", "program", "config", "capacity", "restore")
MARK_START, MARK_END = "<!-- bench-results:start -->", "<!-- bench-results:end -->"
DOC = REPO_ROOT / "docs" / "performance.md"  # the page whose "Latest results" the bench rewrites


def with_results(page: str, results: str) -> str:
    """Page text with the block between the bench markers replaced by `results` (unchanged without markers)."""
    start, end = page.find(MARK_START), page.find(MARK_END)
    if start < 0 or end < start:
        return page
    body = results.split("\n", 2)[2]  # drop the results file's own title
    return f"{page[:start + len(MARK_START)]}\n{body.strip()}\n{page[end:]}"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", 7)),
                        help="runs per start-up figure (default 7; BENCH_RUNS)")
    parser.add_argument("--load-runs", type=int, default=int(os.environ.get("BENCH_LOAD_RUNS", 5)),
                        help="runs per throughput figure (default 5; BENCH_LOAD_RUNS)")
    parser.add_argument("--connections", type=int, default=1000, help="capacity comparison concurrency (1000)")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per loadtest run (default 5)")
    parser.add_argument("--requests", type=int, default=100_000,
                        help="redis-benchmark requests per config test (100000)")
    parser.add_argument("--restore-keys", type=_sizes, default=(300_000,),
                        help="restore comparison sizes, comma-separated (default 300000; add 3000000 for the large "
                             "case, ~6 more minutes)")
    parser.add_argument("--restore-runs", type=int, default=int(os.environ.get("BENCH_RESTORE_RUNS", 3)),
                        help="runs per restore figure (default 3; BENCH_RESTORE_RUNS)")
    parser.add_argument("--only", choices=SECTIONS, action="append", help="run only these sections")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where latest.md/latest.json go")
    parser.add_argument("--no-docs", "--no-readme", dest="no_docs", action="store_true",
                        help="do not copy the results into docs/performance.md")
    return parser.parse_args(argv)


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part.replace("_", "")) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of key counts") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("key counts must be positive")
    return sizes


def report(rows: list, host: dict[str, str], args: argparse.Namespace, started: float) -> str:
    return "\n".join([
        "# Benchmark results (`make bench`)",
        "",
        f"- when: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {time.monotonic() - started:.0f} s",
        f"- machine: {host['cpu']}, {host['cores']} cores; {host['os']}; Python {host['python']}; "
        f"Redis {host['redis']}",
        f"- load average before → after: {host['load_average']} → {host['load_average_after']} "
        "(anything near the core count means other work shared the CPUs: treat ratios as indicative)",
        f"- runs: {args.runs} per start-up figure, {args.load_runs} per throughput figure (after a discarded "
        f"warm-up); capacity at {args.connections} connections, {args.seconds:g} s per loadtest run; "
        f"{args.restore_runs} per restore figure at {', '.join(f'{n:,}' for n in args.restore_keys)} keys",
        "",
        markdown_table(rows),
        "",
        "Each cell: median (min–max) over the runs; ratios are taken per back-to-back pair, then summarised.",
        "",
    ])


def run_section(name: str, args: argparse.Namespace, tmp: Path) -> list[Row]:
    if name == "verify":
        return sections.verify_startup(args.runs, tmp)
    if name == "program":
        return sections.program_eval(args.runs)
    if name == "config":
        return sections.config_cost(args.load_runs, tmp, args.requests)
    if name == "restore":
        return restore_bench.restore_rows(args.restore_runs, tmp, args.restore_keys)
    return sections.capacity(args.load_runs, tmp, args.connections, args.seconds)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for tool in ("redis-server", "redis-cli", "redis-benchmark"):
        need(tool)
    chosen, started, host = args.only or SECTIONS, time.monotonic(), machine()
    rows = []
    with tempfile.TemporaryDirectory(prefix="profwise-bench-") as tmp:
        for name in chosen:
            print(f"bench: {name} …", flush=True)
            try:
                rows += run_section(name, args, Path(tmp))
            except Exception as error:  # noqa: BLE001 — one broken section must not lose the others' figures
                rows.append(Row(name, f"{name} section", note=f"could not run: {type(error).__name__}: {error}"))
    host["load_average_after"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
    text = report(rows, host, args, started)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.md").write_text(text)
    (args.out / "latest.json").write_text(json.dumps({"machine": host, "rows": [r.as_dict() for r in rows]},
                                                     indent=2) + "\n")
    print(text)
    print(f"bench: wrote {args.out / 'latest.md'} and latest.json")
    if not args.no_docs and not args.only and DOC.exists():
        DOC.write_text(with_results(DOC.read_text(), text))
        print(f"bench: {DOC.relative_to(REPO_ROOT)}'s latest results now show these numbers")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
