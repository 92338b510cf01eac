"""The shared thresholds: one persistence evaluation, and verify, health and the CloudWatch alarms drawing the
guide's lines in the same places (each side of every line, table-driven)."""

from __future__ import annotations

import pytest

from infra import thresholds
from infra.verify import metrics as checks_metrics
from infra.ops import health
from infra.thresholds import CLIENTS_LIMIT, CLIENTS_WARN, MEMORY_CRITICAL, MEMORY_LIMIT

MAXMEMORY = 10_000  # bytes: every share below is a whole number of them
MISSING = object()
OK = {"aof_enabled": 1, "rdb_last_bgsave_status": "ok", "aof_last_write_status": "ok",
      "aof_last_bgrewrite_status": "ok"}


@pytest.mark.parametrize("changes, status, phrase", [
    ({}, "pass", "rdb_last_bgsave_status=ok, aof_last_write_status=ok"),
    ({"rdb_last_bgsave_status": "err"}, "fail", "rdb_last_bgsave_status is err"),
    ({"aof_last_write_status": "err"}, "fail", "aof_last_write_status is err"),
    ({"aof_last_bgrewrite_status": "err"}, "warn", "the last AOF rewrite failed"),
    ({"aof_last_write_status": "err", "aof_last_bgrewrite_status": "err"}, "fail", "aof_last_write_status is err"),
    ({"aof_enabled": 0, "aof_last_write_status": "err", "aof_last_bgrewrite_status": "err"}, "pass",
     "rdb_last_bgsave_status=ok"),  # AOF off: its statuses say nothing
    ({"rdb_last_bgsave_status": MISSING}, "fail", "rdb_last_bgsave_status is missing"),
])
def test_one_persistence_evaluation(changes, status, phrase):
    info = {k: v for k, v in {**OK, **changes}.items() if v is not MISSING}
    assert thresholds.evaluate_persistence(info)[0] == status and phrase in thresholds.evaluate_persistence(info)[1]


def _health(metric: str, info: dict) -> str:
    full = {**OK, "used_memory": 0, "maxmemory": MAXMEMORY, "connected_clients": 1, **info}
    return {m.name: m.status for m in health.evaluate(full, [], {"appendonly": True}, now=0).metrics}[metric]


@pytest.mark.parametrize("share, verify, health_status", [
    (MEMORY_LIMIT - 0.001, "pass", "pass"),
    (MEMORY_LIMIT, "fail", "warn"),  # the guide's line: verify fails, health starts warning
    (MEMORY_CRITICAL - 0.001, "fail", "warn"),
    (MEMORY_CRITICAL, "fail", "fail"),
])
def test_memory_lines(share, verify, health_status):
    info = {"used_memory": round(share * MAXMEMORY), "maxmemory": MAXMEMORY}
    assert checks_metrics.evaluate_memory(info)[0] == verify
    assert _health("memory", info) == health_status


@pytest.mark.parametrize("clients, verify, health_status", [
    (CLIENTS_WARN - 1, "pass", "pass"),
    (CLIENTS_WARN, "pass", "warn"),  # ours: health warns before the guide's line
    (CLIENTS_LIMIT - 1, "pass", "warn"),
    (CLIENTS_LIMIT, "fail", "fail"),  # the guide's line, for both
])
def test_client_lines(clients, verify, health_status):
    assert checks_metrics.evaluate_clients({"connected_clients": clients})[0] == verify
    assert _health("clients", {"connected_clients": clients}) == health_status


@pytest.mark.parametrize("hits, verify, health_status", [
    (860, "pass", "pass"),  # above the guide's 85 % target
    (820, "pass", "warn"),
    (790, "warn", "warn"),  # below the 80 % alert line: verify warns too
    (700, "warn", "fail"),  # health's own floor
])
def test_hit_ratio_lines(hits, verify, health_status):
    stats = {"evicted_keys": 0, "keyspace_hits": hits, "keyspace_misses": 1000 - hits}
    assert checks_metrics.evaluate_key_metrics(stats)[0] == verify
    assert _health("hit_ratio", stats) == health_status


def test_the_cloudwatch_alarms_draw_the_same_lines():
    from infra.backends.elasticache.alarms import ALARMS

    alarms = {alarm.key: alarm for alarm in ALARMS}
    assert alarms["memory"].threshold == round(100 * thresholds.MEMORY_LIMIT)
    assert alarms["connections"].threshold == thresholds.CLIENTS_LIMIT
    assert alarms["hit-rate"].threshold == round(100 * thresholds.HIT_RATIO_ALERT)
