"""`health`: the thresholds as a table, and the figures read from a real server filled and queried on purpose."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

import pytest
import redis

from infra.backends.elasticache import parameter_group
from infra.ops import health
from support.ops_support import outputs_for, run_cli, write_outputs
from support.stack_harness import REPO_ROOT

MIB = 2**20
HEALTHY = {"used_memory": 100 * MIB, "maxmemory": 512 * MIB, "keyspace_hits": 90, "keyspace_misses": 10,
           "connected_clients": 5, "evicted_keys": 0, "expired_keys": 3, "aof_enabled": 1,
           "aof_last_write_status": "ok", "rdb_last_bgsave_status": "ok", "aof_last_bgrewrite_status": "ok",
           "rdb_last_save_time": 1_000_000, "rdb_changes_since_last_save": 0}
SETTINGS = {"appendonly": True, "save": [[900, 1], [300, 10], [60, 10000]]}


def status_of(metric: str, info_changes: dict, settings=SETTINGS, now=1_000_100) -> str:
    report = health.evaluate({**HEALTHY, **info_changes}, [], settings, now=now)
    return {m.name: m.status for m in report.metrics}[metric]


@pytest.mark.parametrize("metric, changes, expected", [
    ("memory", {}, "pass"),
    ("memory", {"used_memory": 410 * MIB}, "warn"),  # 80.1 %
    ("memory", {"used_memory": 500 * MIB}, "fail"),  # 97.7 %
    ("memory", {"maxmemory": 0}, "warn"),  # unlimited
    ("hit_ratio", {}, "pass"),  # 90 %
    ("hit_ratio", {"keyspace_hits": 85, "keyspace_misses": 15}, "warn"),  # exactly 85 %: not above it
    ("hit_ratio", {"keyspace_hits": 60, "keyspace_misses": 40}, "fail"),
    ("hit_ratio", {"keyspace_hits": 0, "keyspace_misses": 0}, "skip"),
    ("clients", {"connected_clients": 7_999}, "pass"),
    ("clients", {"connected_clients": 9_999}, "warn"),
    ("clients", {"connected_clients": 10_000}, "fail"),
    ("evicted_keys", {"evicted_keys": 1}, "warn"),
    ("persistence", {}, "pass"),
    ("persistence", {"aof_enabled": 0}, "fail"),  # the stack promises AOF
    ("persistence", {"aof_last_write_status": "err"}, "fail"),
    ("persistence", {"rdb_last_bgsave_status": "err"}, "fail"),
    ("persistence", {"aof_last_bgrewrite_status": "err"}, "warn"),  # nothing lost: the AOF keeps being appended
    ("last_save", {"rdb_changes_since_last_save": 5}, "pass"),  # 100 s old: within the 900 s save point
    ("last_save", {"rdb_changes_since_last_save": 5, "rdb_last_save_time": 1_000_100 - 961}, "warn"),
])
def test_thresholds(metric, changes, expected):
    assert status_of(metric, changes) == expected


def test_aof_off_is_only_a_warning_when_the_stack_does_not_promise_it():
    assert status_of("persistence", {"aof_enabled": 0}, settings={"appendonly": False, "save": []}) == "warn"
    assert status_of("last_save", {}, settings={"appendonly": False, "save": []}) == "skip"


def test_elasticache_persistence_is_left_to_snapshots():
    """The settings output says the service manages appendonly (ElastiCache's, as its component exports it)."""
    managed = {**SETTINGS, "managed": parameter_group.MANAGED}
    assert status_of("persistence", {"aof_enabled": 0}, settings=managed) == "skip"
    stale = {"rdb_changes_since_last_save": 5, "rdb_last_save_time": 0}
    assert status_of("last_save", stale, settings=managed) == "skip"
    assert status_of("persistence", {"aof_enabled": 0}) == "fail"  # the same server, promised an AOF


def test_slow_log_shows_the_ten_slowest_without_values():
    entries = [[i, 1_700_000_000 + i, 10_000 + i * 1000, [b"SET", f"key:{i}".encode(), b"secret value"]]
               for i in range(15)]
    report = health.evaluate(HEALTHY, entries, SETTINGS, now=1_000_100)
    assert [s.id for s in report.slowest] == list(range(14, 4, -1))
    assert report.slowest[0].command == "SET key:14 (+1 args)" and report.slowest[0].duration_ms == 24.0
    assert {m.name: m.status for m in report.metrics}["slow_log"] == "warn"
    assert "secret value" not in json.dumps(report.as_dict())


@pytest.mark.integration
def test_health_reads_the_right_figures_from_a_real_server(dev_servers, dev_run, tmp_path):
    start, password = dev_servers
    server = start("health", extra_conf="maxmemory 16mb")
    client = server.client(password)
    outputs = write_outputs(tmp_path / "outputs.json", outputs_for(server, password, dev_run))

    def report():
        done = run_cli("health", "--outputs", outputs, "--json")
        return done.returncode, json.loads(done.stdout)

    def metric(data, name):
        return next(m for m in data["metrics"] if m["name"] == name)

    code, data = report()
    assert code == 0 and metric(data, "hit_ratio")["status"] == "skip" and metric(data, "memory")["status"] == "pass"

    client.set("hot", "x")
    for _ in range(90):
        client.get("hot")
    for i in range(10):
        client.get(f"absent:{i}")
    code, data = report()
    assert metric(data, "hit_ratio")["value"].startswith("90.0 %") and metric(data, "hit_ratio")["status"] == "pass"
    for i in range(40):
        client.get(f"absent:more:{i}")
    code, data = report()  # 90 hits, 50 misses: 64.3 %
    assert metric(data, "hit_ratio")["value"].startswith("64.3 %") and metric(data, "hit_ratio")["status"] == "fail"
    assert code == 1

    extra = [server.client(password) for _ in range(3)]
    for connection in extra:
        connection.ping()
    # The earlier reports' CLI processes have exited, but on a loaded machine the server may not have noticed their
    # closed connections yet: wait (bounded) until it counts exactly ours.
    deadline = time.monotonic() + 10
    while client.info("clients")["connected_clients"] != 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    code, data = report()  # our 4 connections + the CLI's own
    assert metric(data, "clients")["value"] == "5"

    # Small values: a big SET leaves its size in the client's query buffer (counted in used_memory until the
    # server's cron shrinks it), so a reading just after a 256 KiB SET can sit a few hundred KiB above what the
    # CLI sees a moment later. 16 KiB values and a target well inside the warn band keep the step unambiguous.
    chunk = "v" * (16 * 1024)
    for i in range(2000):  # fill towards 16 MiB until well past the 80 % line (and below the 95 % one)
        client.set(f"fill:{i}", chunk)
        if client.info("memory")["used_memory"] > 0.87 * 16 * MIB:
            break
    else:
        raise AssertionError("the fill never reached 87 % of maxmemory")
    code, data = report()
    assert metric(data, "memory")["status"] == "warn", metric(data, "memory")
    assert metric(data, "evicted_keys")["value"] == "0"
    for i in range(2000, 3600):
        client.set(f"fill:{i}", chunk)  # 25 MiB more, past maxmemory: allkeys-lru evicts
    code, data = report()
    assert metric(data, "evicted_keys")["status"] == "warn"
    assert int(metric(data, "evicted_keys")["value"].replace(",", "")) == client.info("stats")["evicted_keys"] > 0

    client.eval("local i = 0 while i < 20000000 do i = i + 1 end return i", 0)  # well over the 10 ms threshold
    code, data = report()
    assert metric(data, "slow_log")["status"] == "warn"
    assert data["slowest"][0]["command"].startswith("EVAL") and data["slowest"][0]["duration_ms"] > 10


def restart_loading(server, password: str, key_load_delay_us: int) -> None:
    """Restart `server` so it takes a while to load its AOF (Redis's own `key-load-delay` test knob, per key), and
    return once it answers INFO while still loading — `RedisServer.start` would wait for the load to finish."""
    server.stop()
    with open(server.log_path, "ab") as log:
        server.process = subprocess.Popen([*server.command, "--key-load-delay", str(key_load_delay_us),
                                           "--loading-process-events-interval-bytes", "1024"],
                                          cwd=server.workdir, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if server.client(password).info("persistence")["loading"] == 1:
                return
        except redis.ConnectionError:
            time.sleep(0.05)
    raise AssertionError(f"the server did not start loading:\n{server.log_tail()}")


@pytest.mark.integration
def test_a_server_still_loading_its_aof_is_reported_as_loading_not_aof_off(dev_servers, dev_run, tmp_path):
    start, password = dev_servers
    server = start("loading")
    client = server.client(password)
    client.mset({f"k{i}": "v" * 50 for i in range(20_000)})
    # BGREWRITEAOF is the admin's. The keys go into the AOF's RDB base, which key-load-delay slows down (maybe
    # scheduled after the rewrite that creates the first base at start-up: wait for both)
    server.admin().bgrewriteaof()
    while True:
        state = client.info("persistence")
        if not state["aof_rewrite_in_progress"] and not state["aof_rewrite_scheduled"]:
            break
        time.sleep(0.05)
    restart_loading(server, password, key_load_delay_us=1000)  # 20,000 keys: ~20 s of loading, far longer than the test
    outputs = write_outputs(tmp_path / "outputs.json", outputs_for(server, password, dev_run))
    done = run_cli("health", "--outputs", outputs, "--json")
    persistence = next(m for m in json.loads(done.stdout)["metrics"] if m["name"] == "persistence")
    assert server.client(password).info("persistence")["loading"] == 1, "still loading when health read it"
    assert persistence["value"] == "loading" and persistence["status"] == "warn", persistence
    assert "still loading its data from disk" in persistence["detail"] and "AOF is off" not in done.stdout
    assert done.returncode == 0, done.stderr


@pytest.mark.integration
def test_watch_refreshes_until_interrupted(dev_servers, dev_run, tmp_path):
    start, password = dev_servers
    server = start("watch")
    outputs = write_outputs(tmp_path / "outputs.json", outputs_for(server, password, dev_run))
    process = subprocess.Popen([sys.executable, "-m", "infra.cli", "health", "--outputs", outputs, "--json",
                                "--watch", "0.2"], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    guard = threading.Timer(60, process.kill)  # a CLI that never reports must not hang the suite
    guard.start()
    seen = [process.stdout.readline() for _ in range(3)]  # three reports (JSON Lines), however slow the machine
    guard.cancel()
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=10)
    reports = [json.loads(line) for line in seen + out.splitlines()]
    assert len(reports) >= 3 and all(r["status"] == "pass" for r in reports), err
    assert process.returncode == 0
    assert "Traceback" not in err
