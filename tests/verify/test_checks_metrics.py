"""The guide's key-metric thresholds, evaluated from INFO fields as a live server reports them (table-driven)."""

from __future__ import annotations

import pytest

from infra.verify import metrics as m

MIB = 1024 * 1024


@pytest.mark.parametrize(("info", "status", "phrase"), [
    ({"rdb_last_bgsave_status": "ok", "aof_enabled": 1, "aof_last_write_status": "ok"}, "pass",
     "aof_last_write_status=ok"),
    ({"rdb_last_bgsave_status": "ok", "aof_enabled": 0, "aof_last_write_status": "err"}, "pass",
     "rdb_last_bgsave_status=ok"),  # AOF off: its write status says nothing
    ({"rdb_last_bgsave_status": "err", "aof_enabled": 1, "aof_last_write_status": "ok"}, "fail",
     "rdb_last_bgsave_status is err"),
    ({"rdb_last_bgsave_status": "ok", "aof_enabled": 1, "aof_last_write_status": "err"}, "fail",
     "aof_last_write_status is err"),
    ({"aof_enabled": 0}, "fail", "rdb_last_bgsave_status is missing"),
])
def test_persistence(info, status, phrase):
    assert m.evaluate_persistence(info)[0] == status and phrase in m.evaluate_persistence(info)[1]


@pytest.mark.parametrize(("used", "limit", "status", "phrase"), [
    (1 * MIB, 512 * MIB, "pass", "1.0 MiB of 512mb (0.2%)"),
    (409 * MIB, 512 * MIB, "pass", "79.9%"),
    (410 * MIB, 512 * MIB, "fail", "above 80%"),
    (520 * MIB, 512 * MIB, "fail", "evictions are imminent"),
    (5 * MIB, 0, "warn", "no maxmemory"),
])
def test_memory_headroom(used, limit, status, phrase):
    result = m.evaluate_memory({"used_memory": used, "maxmemory": limit})
    assert result[0] == status and phrase in result[1]


@pytest.mark.parametrize(("connected", "status"), [(1, "pass"), (9_999, "pass"), (10_000, "fail"), (25_000, "fail")])
def test_connected_clients(connected, status):
    assert m.evaluate_clients({"connected_clients": connected})[0] == status


@pytest.mark.parametrize(("stats", "status", "phrase"), [
    ({"evicted_keys": 0, "keyspace_hits": 0, "keyspace_misses": 0}, "pass", "no reads yet"),
    ({"evicted_keys": 0, "keyspace_hits": 900, "keyspace_misses": 100}, "pass", "hit ratio 90.0% over 1000 reads"),
    ({"evicted_keys": 0, "keyspace_hits": 10, "keyspace_misses": 90}, "pass", "10.0% over 100"),  # too few reads
    ({"evicted_keys": 0, "keyspace_hits": 700, "keyspace_misses": 300}, "warn", "below 80%"),
    ({"evicted_keys": 12, "keyspace_hits": 5, "keyspace_misses": 0}, "warn", "evicted_keys=12"),
])
def test_evictions_and_hit_ratio(stats, status, phrase):
    result = m.evaluate_key_metrics(stats)
    assert result[0] == status and phrase in result[1]


def test_latency_percentiles():
    status, detail = m.evaluate_latency([0.1] * 98 + [5.0, 9.0])
    assert status == "pass" and "p50 0.10 ms" in detail and "over 100 samples" in detail


@pytest.mark.parametrize(("enabled", "expected", "info", "status"), [
    (False, False, None, "skip"),
    (False, True, None, "fail"),
    (True, True, {"cluster_state": "ok", "cluster_slots_assigned": "16384", "cluster_slots_ok": "16384"}, "pass"),
    (True, False, {"cluster_state": "ok", "cluster_slots_assigned": "16384", "cluster_slots_ok": "16384"}, "pass"),
    (True, True, {"cluster_state": "fail", "cluster_slots_assigned": "8192", "cluster_slots_ok": "8192"}, "fail"),
    (True, True, {"cluster_state": "ok", "cluster_slots_assigned": "16384", "cluster_slots_ok": "16000"}, "fail"),
])
def test_cluster_state(enabled, expected, info, status):
    assert m.evaluate_cluster(enabled, expected, info)[0] == status
