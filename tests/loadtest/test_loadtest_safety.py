"""`loadtest` never costs the app its keys and never claims a cleanup it did not finish, against real servers booted
from the dev container's config: refused before writing where its connections' buffers would make Redis evict, on a
replica and on a loading server; stopped at the first eviction; Ctrl-C pressed twice still removes its keys, pressed
three times says truthfully what is left (and `--remove-keys` removes it)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from infra.loadtest import runner as loadtest
from infra.loadtest import keys as loadtest_keys
from infra.ops import write_guard
from infra.endpoint import Target
from support.ops_support import outputs_for, run_cli
from support.server_states import loading_server, replica_pair
from support.stack_harness import REPO_ROOT


def stdin_for(server, password: str) -> str:
    return json.dumps(outputs_for(server, password))


def app_data(client, n: int = 8_000) -> None:
    """~9 MB of the app's keys (random 1 KB values)."""
    pipe = client.pipeline(transaction=False)
    for i in range(n):
        pipe.set(f"app:{i}", os.urandom(1000))
    pipe.execute()


@pytest.mark.integration
def test_refuses_where_its_connections_buffers_would_evict_the_apps_keys(dev_servers):
    """Found: 1,000 connections against a 64 MB server 62 % full evicted ~47,000 app keys and reported PASS; the
    check counted only the test data (here ~1 MB), not the connections' buffers (200 x ~36 KB on Redis 7.0)."""
    start, password = dev_servers
    server = start("full", extra_conf="maxmemory 16mb")
    client = server.client(password)
    app_data(client)
    done = run_cli("loadtest", "--connections", "200", "--seconds", "1", "--warmup", "0", "--keys", "2000",
                   "--value-bytes", "400", "--workers", "2", "--outputs", "-", stdin=stdin_for(server, password))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "nothing was written: the test data does not fit" in done.stderr
    assert "of client buffers for 201 connection(s)" in done.stderr and "lower --connections" in done.stderr
    assert client.dbsize() == 8_000 and client.info("stats")["evicted_keys"] == 0


@pytest.mark.integration
@pytest.mark.parametrize("state, message", [
    ("replica", "is a replica (role:slave), which refuses writes: point --stack/--outputs at the primary"),
    ("loading", "is still loading its data (loading:1"),
])
def test_a_replica_or_a_loading_server_is_refused_in_one_line(dev_servers, state, message):
    """Found: ReadOnlyError / BusyLoadingError tracebacks."""
    start, password = dev_servers
    server = replica_pair(start, password)[1] if state == "replica" else loading_server(start, password)
    done = run_cli("loadtest", "--connections", "4", "--seconds", "1", "--keys", "10", "--workers", "1",
                   "--outputs", "-", stdin=stdin_for(server, password))
    assert done.returncode == 1 and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def _press_once_the_run_has_started(server, password: str, connections: int) -> threading.Thread:
    """Memory the app takes while the load test runs: once the workers' connections are up (so the prefill and its
    own eviction check are over), write 256 KiB values until Redis evicts. Deterministic, unlike relying on the
    connections' buffers alone to cross maxmemory at some moment of a 3 s run on a loaded machine."""
    client = server.client(password)
    baseline = client.info("clients")["connected_clients"]

    def press() -> None:
        deadline = time.monotonic() + 60
        while client.info("clients")["connected_clients"] < baseline + connections and time.monotonic() < deadline:
            time.sleep(0.02)
        for i in range(200):
            if client.info("stats")["evicted_keys"] or time.monotonic() > deadline:
                return
            client.set(f"app:later:{i}", os.urandom(256 * 1024))

    thread = threading.Thread(target=press, daemon=True)
    thread.start()
    return thread


@pytest.mark.integration
@pytest.mark.parametrize("phase, plan", [
    ("while the test data was written", loadtest.Plan(connections=4, seconds=1, warmup=0, keys=20_000,
                                                      value_bytes=400, workers=1)),
    ("during the run", loadtest.Plan(connections=40, seconds=30, warmup=0.5, keys=1_000, value_bytes=400,
                                     workers=2, p99_ms=10_000)),
])
def test_the_first_eviction_stops_the_run(dev_servers, monkeypatch, phase, plan):
    """The second line of defence, for an estimate that came out too low (stood in for by a zero one): evictions in
    the prefill, or from memory taken while the mix runs (the app writing, stood in for by the test), stop it at once
    and say so — never a PASS."""
    start, password = dev_servers
    server = start("full", extra_conf="maxmemory 14mb")
    client = server.client(password)
    app_data(client)
    monkeypatch.setattr(loadtest_keys, "need_of", lambda plan, prefix: write_guard.Need("the test data", 0, 1, 0))
    press = _press_once_the_run_has_started(server, password, plan.connections) if phase == "during the run" else None
    started = time.monotonic()
    with pytest.raises(loadtest.LoadTestError) as stopped:
        loadtest.run(Target.from_outputs(outputs_for(server, password)), plan)
    assert "Redis evicted" in str(stopped.value) and phase in str(stopped.value), str(stopped.value)
    if press:
        press.join(timeout=60)
        assert time.monotonic() - started < plan.seconds, "stopped at once, not at the end of the run"
    cleanup = stopped.value.cleanup
    assert cleanup.complete and not list(client.scan_iter(match=cleanup.prefix + "*"))


KEYS = 30_000  # enough that removing them takes longer than the presses are apart


def _loadtest_in_its_own_session(server, password: str) -> subprocess.Popen:
    """The CLI as a terminal runs it: its own process group, which Ctrl-C signals as a whole (parent and workers)."""
    args = ["loadtest", "--connections", "20", "--seconds", "60", "--warmup", "0", "--keys", str(KEYS),
            "--value-bytes", "16", "--workers", "2", "--outputs", "-"]
    cli = subprocess.Popen([sys.executable, "-m", "infra.cli", *args], cwd=REPO_ROOT, stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    cli.stdin.write(stdin_for(server, password))
    cli.stdin.close()
    return cli


@pytest.mark.integration
@pytest.mark.parametrize("presses", [2, 3])
def test_ctrl_c_pressed_again_never_skips_the_cleanup_silently(dev_server, presses):
    """Found: a double Ctrl-C left 200,000 test keys while printing that they were removed. Twice: the second press
    only prints a note and the keys are removed. Three times: the cleanup may stop, and then the report says how many
    keys may remain and how to remove them — which works. Whatever the timing, the report matches the server."""
    server, password = dev_server
    client = server.client(password)
    cli = _loadtest_in_its_own_session(server, password)
    try:
        for line in cli.stderr:  # the first progress line: the keys are written and the mix is running
            if "ops/s" in line:
                break
        for _ in range(presses):
            os.killpg(cli.pid, signal.SIGINT)
            time.sleep(0.03)
        stderr = cli.stderr.read()
        cli.wait(timeout=60)
    finally:
        if cli.poll() is None:
            os.killpg(cli.pid, signal.SIGKILL)
    last = stderr.strip().splitlines()[-1]
    left = len(list(client.scan_iter(match="loadtest:*", count=1000)))
    if presses == 2 or "remain" not in last:
        assert left == 0 and re.fullmatch(rf"loadtest interrupted; removed {KEYS:,} test keys under "
                                          r"loadtest:[0-9a-f]{12}:", last), (left, last)
    assert cli.returncode == 130 and "Traceback" not in stderr, stderr
    assert "press Ctrl-C again to leave them" in stderr
    if left == 0:
        return
    prefix = re.search(r"(loadtest:[0-9a-f]{12}:)", last).group(1)
    remaining = int(re.search(r"up to ([\d,]+) test keys", last).group(1).replace(",", ""))
    assert last.startswith("loadtest interrupted; cleanup interrupted: up to") and 0 < left <= remaining, last
    assert "each expiring within 300 s" in last and f"--remove-keys {prefix}" in last
    done = run_cli("loadtest", "--remove-keys", prefix, "--outputs", "-", stdin=stdin_for(server, password))
    assert done.returncode == 0 and f"removed {left:,} test keys under {prefix}" in done.stdout, done.stderr
    assert not list(client.scan_iter(match=prefix + "*"))


@pytest.mark.integration
def test_an_interrupted_cleanup_reports_what_it_did_and_what_may_remain(dev_server):
    server, password = dev_server
    client = server.client(password)
    prefix = "loadtest:0123456789ab:"
    for start in range(0, 3_000, 1000):
        client.mset({f"{prefix}{i}": "v" for i in range(start, start + 1000)})

    class CtrlCAfterOneBatch:
        def __init__(self, real):
            self.real, self.unlinks = real, 0

        def scan_iter(self, **kwargs):
            return self.real.scan_iter(**kwargs)

        def unlink(self, *keys):
            self.unlinks += 1
            if self.unlinks > 1:
                raise KeyboardInterrupt
            return self.real.unlink(*keys)

    cleanup = loadtest_keys.clean_up(CtrlCAfterOneBatch(client), prefix, written=3_000, ttl=300)
    assert (cleanup.complete, cleanup.removed, cleanup.remaining_at_most, cleanup.problem) == \
        (False, 500, 2_500, "interrupted")
    assert client.dbsize() == 2_500


@pytest.mark.integration
@pytest.mark.parametrize("prefix", ["app:", "loadtest:*", "loadtest:0123456789ab", "loadtest:0123456789ab:x",
                                    "loadtest:0123456789AB:"])
def test_remove_keys_takes_only_a_prefix_loadtest_makes(prefix):
    done = run_cli("loadtest", "--remove-keys", prefix, "--outputs", "-", stdin=stdin_for(1, "x" * 20))
    assert done.returncode == 2 and "not a loadtest prefix" in done.stderr
