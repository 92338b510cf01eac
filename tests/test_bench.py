"""The bench's pure parts: medians and min–max, paired ratios, goals, the redis-benchmark blend, the results table.

The bench itself is not a test (it measures, it does not judge a build); `make bench` runs it.
"""

from __future__ import annotations

import pytest

from bench.harness import alternating
from bench.run import DOC, MARK_END, MARK_START, with_results
from bench.sections import capacity_rows, mixed
from bench.stats import Figure, Goal, Row, fmt, markdown_table, ratios


@pytest.mark.parametrize("samples, median, low, high", [
    ((3.0,), 3.0, 3.0, 3.0),
    ((5.0, 1.0, 3.0), 3.0, 1.0, 5.0),
    ((4.0, 1.0, 2.0, 3.0), 2.5, 1.0, 4.0),
])
def test_figure_median_and_range(samples, median, low, high):
    figure = Figure(samples, " s")
    assert (figure.median, figure.low, figure.high) == (median, low, high)
    assert figure.as_dict()["samples"] == list(samples)


@pytest.mark.parametrize("value, text", [
    (0, "0"), (0.0123456, "0.0123"), (1.23456, "1.23"), (12.3456, "12.3"), (123.456, "123"), (84512.3, "84,512"),
    (2.0, "2.00"),
])
def test_fmt_three_significant_digits(value, text):
    assert fmt(value) == text


def test_figure_show():
    assert Figure((0.4, 0.2, 0.3), " s").show() == "0.300 s (0.200–0.400)"


def test_ratios_are_paired_run_by_run():
    figure = ratios([2.0, 4.0, 9.0], [1.0, 1.0, 3.0])
    assert figure.samples == (2.0, 4.0, 3.0) and figure.median == 3.0 and figure.unit == "×"
    with pytest.raises(ValueError, match="paired runs"):
        ratios([1.0], [1.0, 2.0])
    with pytest.raises(ValueError):
        ratios([], [])


@pytest.mark.parametrize("goal, value, met", [
    (Goal("<=", 3), 2.99, True), (Goal("<=", 3), 3.0, True), (Goal("<=", 3), 3.01, False),
    (Goal(">=", 0.9), 0.9, True), (Goal(">=", 0.9), 0.89, False),
])
def test_goal(goal, value, met):
    assert goal.met(value) is met
    assert Row("s", "w", ratio=Figure((value,)), goal=goal).verdict == ("met" if met else "NOT met")


def test_class_paths_name_the_sdk_classes_of_any_provider_package():
    from bench.eval_stack import class_paths

    assert class_paths(["azure-native:redisenterprise:Database", "aws:ec2/securityGroup:SecurityGroup",
                        "random:index/randomPassword:RandomPassword", "profwise:redis:AzureManagedRedis",
                        "pulumi:providers:azure-native"]) == [
        "pulumi_aws.ec2.SecurityGroup", "pulumi_azure_native.redisenterprise.Database",
        "pulumi_random.RandomPassword"]


def test_table_rows_including_a_stack_that_cannot_be_evaluated_yet():
    floor = Figure((0.2, 0.25), " s")
    rows = [
        Row("program", "`dev` stack", ours=Figure((0.3, 0.3), " s"), baseline=floor, baseline_name="bare imports",
            ratio=ratios([0.3, 0.3], [0.2, 0.25]), goal=Goal("<=", 1.5)),
        Row("program", "`prod` stack", baseline=floor, baseline_name="bare imports", note="not evaluable yet: boom"),
    ]
    lines = markdown_table(rows).splitlines()
    assert lines[0].startswith("| measurement |") and len(lines) == 4
    assert lines[2] == ("| `dev` stack | 0.300 s (0.300–0.300) | bare imports: 0.225 s (0.200–0.250) | "
                        "1.35× (1.20–1.50) | ≤ 1.50× | met |")
    assert "not evaluable yet: boom" in lines[3] and lines[3].endswith("| — | — | — |")
    assert rows[1].as_dict()["verdict"] == "—"


def bench(set_rps: float, get_rps: float, **latency: float) -> dict:
    row = {"avg_latency_ms": 1.0, "p50_latency_ms": 1.0, "p99_latency_ms": 2.0, **latency}
    return {"SET": {"rps": set_rps, **row}, "GET": {"rps": get_rps, **row}}


def test_mixed_throughput_is_the_harmonic_blend():
    # 10 % SET at 50k/s and 90 % GET at 100k/s: 0.1/50k + 0.9/100k = 11 µs per op -> 90,909 ops/s
    assert mixed(bench(50_000, 100_000), 0.1, "rps") == pytest.approx(90_909.09, rel=1e-6)
    assert mixed(bench(1, 1, p50_latency_ms=4.0), 0.1, "p50_latency_ms") == pytest.approx(4.0)


def test_capacity_rows_from_synthetic_runs():
    ours = [{"ops_per_sec": 50_000.0, "latency_ms": {"p50": 19.0, "p99": 40.0, "mean": 20.0}}]
    theirs = [bench(100_000, 100_000, avg_latency_ms=5.0, p50_latency_ms=4.0, p99_latency_ms=10.0)]
    rows = {row.what: row for row in capacity_rows(ours, theirs, 1000, 0.1)}
    throughput = rows["`loadtest`, 1000 connections: throughput"]
    assert throughput.ratio.median == pytest.approx(0.5) and throughput.verdict == "met"
    in_flight = rows["… in flight ÷ connections (Little's law: ops/s × mean latency)"]
    assert in_flight.ours.median == pytest.approx(1.0) and in_flight.baseline.median == pytest.approx(0.5)
    tail = rows["… tail shape p99 ÷ p50"]
    assert tail.ratio.median == pytest.approx((40 / 19) / 2.5) and tail.verdict == "met"


def test_rounds_alternate_direction_so_drift_favours_no_side():
    orders = [alternating(["stock", "shipped", "no-aof"], r) for r in range(4)]
    assert orders == [["stock", "shipped", "no-aof"], ["no-aof", "shipped", "stock"]] * 2


def test_results_replace_only_the_marked_block_of_the_page():
    page = f"# Title\n\n## Performance\n{MARK_START}\nold table\n{MARK_END}\n\n## Next\n"
    results = "# Benchmark results\n\n- machine: X\n\n| a |\n"
    updated = with_results(page, results)
    assert updated == f"# Title\n\n## Performance\n{MARK_START}\n- machine: X\n\n| a |\n{MARK_END}\n\n## Next\n"
    assert with_results("no markers here\n", results) == "no markers here\n"


def test_the_page_make_bench_writes_has_its_markers_once():
    page = DOC.read_text()  # without them `make bench` would silently leave the published figures stale
    assert DOC.name == "performance.md" and page.count(MARK_START) == page.count(MARK_END) == 1
    assert page.index(MARK_START) < page.index(MARK_END)
    assert with_results(page, "# Benchmark results\n\n- when: now\n") != page


@pytest.mark.parametrize("text, sizes", [("300000", (300_000,)), ("300000,3_000_000", (300_000, 3_000_000))])
def test_restore_sizes_parse(text, sizes):
    from bench.run import parse_args

    assert parse_args(["--restore-keys", text]).restore_keys == sizes


@pytest.mark.parametrize("text", ["", "3e5", "0", "1,-2"])
def test_restore_sizes_refuse_what_is_not_a_key_count(text):
    from bench.run import parse_args

    with pytest.raises(SystemExit):
        parse_args(["--restore-keys", text])


@pytest.mark.parametrize("rdb_bytes, maxmemory", [(55 * 2**20, "512mb"), (580 * 2**20, "2320mb")])
def test_restore_bench_keeps_the_shipped_maxmemory_unless_the_data_needs_more(rdb_bytes, maxmemory):
    from bench.restore_bench import _maxmemory

    assert _maxmemory(rdb_bytes) == maxmemory


def test_restore_rows_pair_each_run_with_its_native_load():
    from bench.restore_bench import size_rows

    rows = size_rows(300_000, 55_000_000, "512mb", {"native": [0.5, 0.4], "sync": [2.0, 2.8], "sync_rss": [40.0, 42.0],
                                                    "restore": [3.0, 2.8], "floor": [2.5, 2.0], "rss": [60.0, 62.0],
                                                    "load": [1.0, 1.5]})
    assert rows[0].ratio.samples == pytest.approx((4, 7)) and rows[0].goal.limit == 6 and rows[0].verdict == "met"
    assert "by replication" in rows[0].what and "load average" in rows[0].note
    assert rows[1].ours.median == 41.0 and rows[1].baseline_name == "the RDB file's size"
    assert [row.ratio.samples for row in rows[2:5]] == [pytest.approx(pair) for pair in [(6, 7), (5, 5), (1.2, 1.4)]]
    assert rows[2].goal.limit == 6 and rows[2].verdict == "NOT met"
    assert rows[5].ours.median == 61.0 and rows[5].baseline_name == "the RDB file's size"
