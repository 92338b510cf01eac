"""`python -m infra.cli loadtest` end to end against a real redis-server booted from the dev stack's config.

Small runs (tens of connections, about a second): these prove the tool's behaviour — sane figures, zero errors,
pass/fail, exit codes, only its own keys touched, no password printed — not the machine's capacity, which
`make bench` measures.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time

import pytest

from conftest import container_boot
from infra.verify import metrics as checks_metrics
from infra.loadtest import runner as loadtest
from infra.loadtest.keys import LoadTestError, check_room, cleanup
from infra.loadtest.limits import diagnose
from infra.latency import Histogram
from infra.loadtest.worker import WorkerSpec, drive
from support.ops_support import outputs_for, run_cli
from support.redis_server import RedisServer, free_port
from support.stack_harness import REPO_ROOT

SMALL = ("--connections", "24", "--seconds", "1", "--warmup", "0.2", "--keys", "200", "--workers", "2")


def stdin_for(server, password: str, **admin) -> str:
    """The outputs on stdin (`--outputs -`), as `pulumi stack output --json --show-secrets | ...` feeds them."""
    return json.dumps(outputs_for(server, password, **admin))


@pytest.mark.integration
def test_reports_sane_figures_and_touches_only_its_own_keys(dev_server):
    server, password = dev_server
    client = server.client(password)
    client.set("app:session:1", "keep me")  # the app's data: must survive untouched
    client.set("loadtest:someone-else:1", "not ours either")  # same word, different prefix
    done = run_cli("loadtest", *SMALL, "--json", "--p99-ms", "10000", "--outputs", "-",
                   stdin=stdin_for(server, password))
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    ms = report["latency_ms"]
    assert report["passed"] is True and report["failures"] == []
    assert report["errors"] == 0 and report["error_samples"] == []
    assert report["ops"] > 100 and report["ops_per_sec"] > 100
    assert 0 < ms["p50"] <= ms["p95"] <= ms["p99"] <= ms["max"] and ms["p50"] <= ms["mean"] * 3
    assert report["connections"] == 24 and report["workers"] == 2 and len(report["client_cpu"]) == 2
    assert report["hit_ratio"] == 1.0  # prefilled: every GET of the mix hits
    assert report["cleaned_keys"] == 200 and report["prefix"].startswith("loadtest:")
    assert client.get("app:session:1") == b"keep me"
    assert client.get("loadtest:someone-else:1") == b"not ours either"
    assert list(client.scan_iter(match=report["prefix"] + "*")) == []
    assert client.dbsize() == 2
    assert password not in done.stdout + done.stderr


@pytest.mark.integration
def test_human_report_and_the_p99_limit_flips_the_verdict(dev_server):
    server, password = dev_server
    done = run_cli("loadtest", *SMALL, "--p99-ms", "0.001", "--outputs", "-", stdin=stdin_for(server, password))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "throughput" in done.stdout and "p99" in done.stdout and "bottleneck" in done.stdout
    assert "loadtest FAIL: p99 latency" in done.stdout and "above --p99-ms 0.001" in done.stdout
    assert "ops/s  errors 0" in done.stderr  # the progress display (a line every 5 s when not on a terminal)
    assert password not in done.stdout + done.stderr
    assert server.client(password).dbsize() == 0


@pytest.mark.integration
def test_tls_endpoint_with_a_private_ca(dev_run, tls_files, tmp_path):
    conf, command, password = container_boot(dev_run)
    with RedisServer.from_container(conf, tmp_path / "tls", command, tls=tls_files) as server:
        done = run_cli("loadtest", *SMALL, "--json", "--p99-ms", "10000", "--ca-cert", str(tls_files.ca),
                       "--outputs", "-", stdin=stdin_for(server, password))
        assert done.returncode == 0, done.stdout + done.stderr
        assert json.loads(done.stdout)["errors"] == 0
        assert server.client(password).dbsize() == 0


@pytest.mark.integration
@pytest.mark.parametrize("args, fragment", [
    (("--connections", "0"), "argument --connections/-n: 0 is out of range: use 1 to 50000 connections"),
    (("--set-ratio", "1.5"), "argument --set-ratio: 1.5 is out of range: use 0 to 1"),
    (("--set-ratio", "nan"), "argument --set-ratio: nan is out of range"),
    (("--seconds", "0"), "argument --seconds: 0 is out of range: use more than 0"),
    (("--seconds", "inf"), "argument --seconds: inf is out of range"),
    (("--p99-ms", "-1"), "argument --p99-ms: -1 is out of range: use more than 0"),
    (("--p99-ms", "inf"), "argument --p99-ms: inf is out of range"),
    (("--keys", "1e3"), "argument --keys: '1e3' is not a whole number of keys"),
    (("--workers", "257"), "argument --workers: 257 is out of range"),
])
def test_bad_options_exit_2_naming_the_flag(args, fragment):
    done = run_cli("loadtest", *args, "--outputs", "-", stdin=stdin_for(1, "x" * 20))
    assert done.returncode == 2 and fragment in done.stderr


@pytest.mark.integration
def test_unreadable_or_masked_outputs_exit_2(tmp_path):
    assert run_cli("loadtest", "--outputs", str(tmp_path / "missing.json")).returncode == 2
    masked = run_cli("loadtest", "--outputs", "-", stdin=json.dumps({"host": "h", "port": 1, "password": "[secret]"}))
    assert masked.returncode == 2 and "--show-secrets" in masked.stderr


@pytest.mark.integration
def test_wrong_password_fails_without_printing_it(dev_server):
    server, _ = dev_server
    for admin in ({"admin_password": "Wrong-Password-123456"}, {"admin_password": None}):  # loadtest runs as the admin
        done = run_cli("loadtest", *SMALL, "--json", "--outputs", "-",
                       stdin=stdin_for(server, "Wrong-Password-123456", **admin))
        assert done.returncode == 1
        assert json.loads(done.stdout)["passed"] is False
        assert "Wrong-Password-123456" not in done.stdout + done.stderr


@pytest.mark.integration
def test_unreachable_and_frozen_servers_fail_fast(dev_server):
    started = time.monotonic()
    done = run_cli("loadtest", *SMALL, "--timeout", "1", "--outputs", "-", stdin=stdin_for(free_port(), "x" * 20))
    assert done.returncode == 1 and "cannot use 127.0.0.1" in done.stderr
    server, password = dev_server
    server.signal(signal.SIGSTOP)  # accepts TCP (kernel backlog) but never answers
    try:
        done = run_cli("loadtest", *SMALL, "--timeout", "1", "--outputs", "-", stdin=stdin_for(server, password))
    finally:
        server.signal(signal.SIGCONT)
    assert done.returncode == 1 and "Timeout" in done.stderr
    assert time.monotonic() - started < 30


@pytest.mark.integration
def test_connections_refused_by_the_server_fail_the_run_and_still_clean_up(dev_run, tmp_path):
    conf, command, password = container_boot(dev_run)
    with RedisServer.from_container(conf, tmp_path / "few", command, extra_conf="maxclients 20") as server:
        started = time.monotonic()
        done = run_cli("loadtest", *SMALL[2:], "--connections", "40", "--outputs", "-",
                       stdin=stdin_for(server, password))
        assert done.returncode == 1 and "of 40 connections opened" in done.stderr
        assert "max number of clients" in done.stderr
        assert time.monotonic() - started < 20
        assert server.client(password).dbsize() == 0  # the prefilled keys were removed after the refusal


@pytest.mark.integration
def test_lifts_a_low_open_files_limit_or_says_which_limit_to_raise(dev_server):
    server, password = dev_server
    many = ("loadtest", "--connections", "300", "--workers", "1", "--seconds", "0.5", "--warmup", "0", "--keys",
            "100", "--p99-ms", "10000", "--json")
    done = run_cli(*many, "--outputs", "-", stdin=stdin_for(server, password), nofile=(128, 4096))
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["errors"] == 0
    done = run_cli(*many, "--outputs", "-", stdin=stdin_for(server, password), nofile=(128, 128))
    assert done.returncode == 1 and "the hard limit is 128" in done.stderr
    assert server.client(password).dbsize() == 0


@pytest.mark.integration
def test_refuses_test_data_that_would_make_redis_evict(dev_server):
    server, password = dev_server
    done = run_cli("loadtest", "--keys", "1000000", "--value-bytes", "1048576", "--outputs", "-",
                   stdin=stdin_for(server, password))
    assert done.returncode == 1 and "80 % of maxmemory" in done.stderr
    assert "lower --connections, --keys or --value-bytes" in done.stderr
    assert server.client(password).dbsize() == 0  # refused before writing anything


@pytest.mark.integration
def test_cleanup_matches_only_the_prefix_even_with_glob_characters(dev_server):
    server, password = dev_server
    client = server.client(password)
    prefix = "loadtest:a*[b]?:"
    for key in (f"{prefix}1", f"{prefix}2", "loadtest:aXbY:1", "loadtest:ab:1", "other"):
        client.set(key, "1")
    assert cleanup(client, prefix) == 2
    assert sorted(client.scan_iter()) == [b"loadtest:aXbY:1", b"loadtest:ab:1", b"other"]  # unescaped, aXbY matches


MIB = 2**20


@pytest.mark.parametrize("info, refusal", [
    ({"cluster_enabled": 1, "maxmemory": 0, "used_memory": MIB}, "cluster mode"),
    ({"cluster_enabled": 0, "maxmemory": 0, "used_memory": MIB}, None),  # no limit: nothing to evict for
    ({"cluster_enabled": 0, "maxmemory": 512 * MIB, "used_memory": 300 * MIB}, None),
    ({"cluster_enabled": 0, "maxmemory": 512 * MIB, "used_memory": 405 * MIB}, "80 % of maxmemory"),
])
def test_check_room_refuses_cluster_mode_and_data_that_would_cause_evictions(info, refusal):
    plan = loadtest.Plan(keys=10_000, value_bytes=512)  # ~6 MiB of test data
    if refusal is None:
        check_room(info, plan, "loadtest:0123456789ab:")
    else:
        with pytest.raises(LoadTestError, match=refusal):
            check_room(info, plan, "loadtest:0123456789ab:")


class Inbox:
    """The parent's queue, in this process: keeps the worker's messages and calls `on_progress(n)` on its n-th
    progress report (one every 0.5 s of the measured window)."""

    def __init__(self, on_progress):
        self.messages, self.on_progress, self.reports = [], on_progress, 0

    def put(self, message):
        self.messages.append(message)
        if message[0] == "progress":
            self.reports += 1
            self.on_progress(self.reports)


def run_worker(server, password: str, on_progress, seconds: float = 2.0) -> dict:
    """One load-generator process's work (`drive`: 4 connections, --timeout 0.3 s), run here against `server`;
    returns its final report."""
    spec = WorkerSpec("127.0.0.1", server.port, None, password, False, None, "loadtest:worker:", 4, keys=50,
                      value_bytes=16, ttl=60, set_ratio=0.1, seconds=seconds, warmup=0.0, timeout=0.3, seed=1)
    go, inbox = threading.Event(), Inbox(on_progress)
    go.set()
    try:
        asyncio.run(drive(spec, 0, inbox, go))
    finally:
        server.signal(signal.SIGCONT)
    assert inbox.messages[-1][0] == "done"
    return inbox.messages[-1][2]


@pytest.mark.integration
def test_a_reply_slower_than_the_timeout_counts_as_an_error(dev_server):
    """The server freezes for 0.8 s in the middle of the run: every user's reply then takes longer than --timeout
    (0.3 s) and counts as an error, though it did arrive; afterwards the run goes on."""
    server, password = dev_server

    def freeze_once(report: int) -> None:
        if report == 1:
            server.signal(signal.SIGSTOP)
            threading.Timer(0.8, server.signal, (signal.SIGCONT,)).start()

    done = run_worker(server, password, freeze_once, seconds=3.0)  # thawed at ~1.3 s, long before the end
    assert done["errors"] == 4 and done["ops"] > 0
    assert all("more than --timeout" in sample for sample in done["samples"]), done["samples"]


@pytest.mark.integration
def test_commands_unanswered_at_the_end_are_cancelled_and_count_as_errors(dev_server):
    """The server freezes for good 0.5 s before the end: no reply comes, yet the worker finishes within --timeout of
    its deadline and counts each user's unanswered command."""
    server, password = dev_server
    started = time.monotonic()
    done = run_worker(server, password, lambda report: report == 3 and server.signal(signal.SIGSTOP))
    assert done["errors"] == 4
    assert all("no reply within --timeout (0.3s)" in sample for sample in done["samples"]), done["samples"]
    assert time.monotonic() - started < 2.0 + 0.3 + 2  # the deadline, the timeout, and connecting


@pytest.mark.parametrize("cpu, server, machine, expected", [
    ([0.97, 0.5], 0.4, 0.9, "load generator"),
    ([0.5, 0.5], 0.95, 0.9, "server"),
    ([0.5, 0.5], 0.6, 0.96, "this machine's CPUs"),
    ([0.3], 0.4, 0.5, "neither saturated"),
    ([0.3], None, None, "Redis unknown"),
])
def test_diagnose_names_the_saturated_side(cpu, server, machine, expected):
    assert expected in diagnose(cpu, server, machine, lag_p99_ms=1.0)


@pytest.mark.parametrize("p99, errors, ops, expected", [
    (10.0, 0, 100, []),
    (60.0, 0, 100, ["p99 latency 60.0 ms is above --p99-ms 50"]),
    (10.0, 3, 100, ["3 command(s) failed"]),
    (0.0, 0, 0, ["no command completed"]),
])
def test_judge(p99, errors, ops, expected):
    assert loadtest.judge(loadtest.Plan(p99_ms=50), p99, errors, ops) == expected


def test_verify_reports_percentiles_as_loadtest_does():
    """Both nearest-rank from the same histogram: p99 of 100 samples is the 99th value, not an interpolation."""
    samples_ms = [0.1] * 98 + [5.0, 9.0]
    hist = Histogram()
    for ms in samples_ms:
        hist.record(round(ms * 1000))
    assert 5000 <= hist.percentile(99) <= 5005  # the 99th value, to the histogram's 0.1 %
    assert "p50 0.10 ms, p99 5.00 ms" in checks_metrics.evaluate_latency(samples_ms)[1]


@pytest.mark.integration
def test_verify_does_not_import_the_loadtest_modules():
    probe = ("import sys; from infra.cli import main as cli; cli.build_parser(['verify', '--help']); "
             "print(sorted(m for m in sys.modules if m.startswith('infra.')))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)
    assert "infra.cli.commands.verify" in done.stdout and "loadtest" not in done.stdout, done.stdout + done.stderr
