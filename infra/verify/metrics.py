"""The deployment guide's key metrics as checks: persistence health, memory headroom, clients, evictions and hit
ratio, a latency sample, and cluster state.

Evaluation is pure (`evaluate_*` take the `INFO` fields or samples and return `(status, detail)`), so thresholds are
tested table-driven; the thin `CHECKS` wrappers read the live values through a `Probe`. Thresholds are the guide's
alert lines from `infra.thresholds` (memory at 80 % of maxmemory, 10,000 connected clients, a hit rate below 80 %),
shared with `health`; verify fails (or, for the hit ratio, warns) exactly where the guide raises an alert.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Mapping, Sequence

import redis

from infra.latency import Histogram
from infra.sizes import format_size, human_size
from infra.thresholds import CLIENTS_LIMIT, HIT_RATIO_ALERT, MEMORY_LIMIT, evaluate_persistence
from infra.results import FAIL, PASS, SKIP, WARN

MIN_LOOKUPS = 1_000  # below this many reads a hit ratio says nothing about the workload (a fresh cache has none)
LATENCY_SAMPLES = 300
CLUSTER_SLOTS = 16_384
Outcome = tuple[str, str]


def evaluate_memory(info: Mapping[str, Any]) -> Outcome:
    used, limit = int(info["used_memory"]), int(info.get("maxmemory", 0))
    if not limit:
        return WARN, f"used {human_size(used)} with no maxmemory: Redis can grow until the host runs out of memory"
    share = used / limit
    detail = f"used {human_size(used)} of {format_size(limit)} ({share:.1%})"
    if share >= MEMORY_LIMIT:
        return FAIL, f"{detail}: at or above {MEMORY_LIMIT:.0%} of maxmemory, evictions are imminent"
    return PASS, detail


def evaluate_clients(info: Mapping[str, Any]) -> Outcome:
    connected = int(info["connected_clients"])
    if connected >= CLIENTS_LIMIT:
        return FAIL, f"{connected} connected clients (limit {CLIENTS_LIMIT:,}): a client is leaking connections?"
    return PASS, f"{connected} connected clients (below {CLIENTS_LIMIT:,})"


def evaluate_key_metrics(stats: Mapping[str, Any]) -> Outcome:
    evicted, hits, misses = int(stats["evicted_keys"]), int(stats["keyspace_hits"]), int(stats["keyspace_misses"])
    lookups = hits + misses
    ratio = f"hit ratio {hits / lookups:.1%} over {lookups} reads" if lookups else "hit ratio n/a (no reads yet)"
    detail = f"evicted_keys={evicted}, {ratio}"
    if evicted:
        return WARN, f"{detail}: keys are being evicted, maxmemory is too small for the working set"
    if lookups >= MIN_LOOKUPS and hits / lookups < HIT_RATIO_ALERT:
        return WARN, f"{detail}: below {HIT_RATIO_ALERT:.0%}, the cache is not saving many reads"
    return PASS, detail


def evaluate_latency(samples_ms: Sequence[float]) -> Outcome:
    """Nearest-rank percentiles from the same histogram `loadtest` reports with, so both mean the same by p99."""
    hist = Histogram()
    for ms in samples_ms:
        hist.record(round(ms * 1000))
    p50, p99 = hist.percentile(50) / 1000, hist.percentile(99) / 1000
    return PASS, f"PING p50 {p50:.2f} ms, p99 {p99:.2f} ms over {len(samples_ms)} samples"


def evaluate_cluster(enabled: bool, expected: bool, cluster_info: Mapping[str, Any] | None) -> Outcome:
    if not enabled:
        if expected:
            return FAIL, "the stack expects cluster mode but the server reports cluster_enabled:0"
        return SKIP, "cluster mode off"
    info = cluster_info or {}
    state, assigned, ok = info.get("cluster_state"), int(info.get("cluster_slots_assigned", 0)), int(
        info.get("cluster_slots_ok", 0))
    detail = f"cluster_state:{state}, slots assigned {assigned}/{CLUSTER_SLOTS}, ok {ok}"
    if state != "ok" or assigned != CLUSTER_SLOTS or ok != CLUSTER_SLOTS:
        return FAIL, f"{detail}: not every hash slot is served"
    return PASS, detail


def _latency(p: Any) -> Outcome:
    client, samples = p.client(), []
    try:
        for _ in range(LATENCY_SAMPLES):
            started = time.perf_counter()
            client.ping()
            samples.append((time.perf_counter() - started) * 1000)
    except redis.ResponseError as error:
        if str(error).startswith("MISCONF"):  # already reported by ping and persistence
            return SKIP, "no sample: the server refuses PING (MISCONF)"
        raise
    return evaluate_latency(samples)


def _cluster(p: Any) -> Outcome:
    enabled = bool(p.info("cluster").get("cluster_enabled"))
    return evaluate_cluster(enabled, p.target.cluster, p.client().execute_command("CLUSTER INFO") if enabled else None)


CHECKS: list[tuple[str, Callable[[Any], Outcome]]] = [
    ("persistence", lambda p: evaluate_persistence(p.info("persistence"))),
    ("memory", lambda p: evaluate_memory(p.info("memory"))),
    ("clients", lambda p: evaluate_clients(p.info("clients"))),
    ("key_metrics", lambda p: evaluate_key_metrics(p.info("stats"))),
    ("latency", _latency),
    ("cluster", _cluster),
]
