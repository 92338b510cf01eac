"""The guide's monitoring table as data: each key metric with its threshold and pass / warn / fail.

`collect` reads `INFO` and `SLOWLOG GET` (both read-only, both in REQUIRED_COMMANDS); `evaluate` is a pure function
of what was read and the stack's `settings` output (which says what the service manages itself), so the
thresholds are tested without a server.
Every band comes from `infra.thresholds`, which `verify` reads too: memory passes below the guide's 80 % alert line
(where verify fails) and fails from 95 %; clients warn from 8,000 and fail at the guide's 10,000 (as verify); the hit
ratio passes above the guide's 85 % and fails at 70 % — the alert line of verify and the CloudWatch alarm, 80 %, lies
in the warn band. The bands beyond the guide's lines are ours, spelled out in THRESHOLDS. The persistence status
fields are judged by the same function as verify's `persistence` check. Slow-log entries show the command and its
first argument only: later arguments are cached values, maybe personal.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any, Mapping, cast

import redis

from infra.sizes import mib
from infra.thresholds import (CLIENTS_LIMIT, CLIENTS_WARN, HIT_RATIO_FAIL, HIT_RATIO_TARGET, MEMORY_CRITICAL,
                              MEMORY_LIMIT, evaluate_persistence)
from infra.results import FAIL, PASS, SKIP, WARN

SLOWLOG_FETCH = 128  # the shipped slowlog-max-len: read them all, show the slowest
SLOWEST_SHOWN = 10
DEFAULT_SAVE_INTERVAL = 900  # the guide's longest save point (900 s / 1 change)


def _pct(share: float) -> str:
    return f"{100 * share:.0f} %"


THRESHOLDS = {
    "memory": f"pass < {_pct(MEMORY_LIMIT)} of maxmemory, warn < {_pct(MEMORY_CRITICAL)}, "
              f"fail from {_pct(MEMORY_CRITICAL)}",
    "hit_ratio": f"pass > {_pct(HIT_RATIO_TARGET)}, warn > {_pct(HIT_RATIO_FAIL)}, "
                 f"fail from {_pct(HIT_RATIO_FAIL)} down",
    "clients": f"pass < {CLIENTS_WARN:,}, warn < {CLIENTS_LIMIT:,}, fail from {CLIENTS_LIMIT:,}",
    "evicted_keys": "pass when 0 (evictions mean maxmemory is smaller than the working set)",
    "expired_keys": "informational",
    "persistence": "AOF on (as the stack promises) and last AOF write / RDB save ok (a failed rewrite warns; a server "
                   "still loading its data warns)",
    "last_save": "unsaved changes no older than the longest save point (+60 s)",
    "slow_log": "pass when no command was logged as slow",
}


@dataclass(frozen=True)
class Metric:
    name: str
    value: str
    status: str
    threshold: str
    detail: str = ""


@dataclass(frozen=True)
class SlowCommand:
    id: int
    started: int
    duration_ms: float
    command: str


@dataclass(frozen=True)
class Report:
    metrics: list[Metric]
    slowest: list[SlowCommand]

    @property
    def status(self) -> str:
        statuses = {m.status for m in self.metrics}
        return FAIL if FAIL in statuses else WARN if WARN in statuses else PASS

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "metrics": [asdict(m) for m in self.metrics],
                "slowest": [asdict(s) for s in self.slowest]}


def collect(client: redis.Redis) -> tuple[dict[str, Any], list[Any]]:
    # "SLOWLOG", "GET" as two words bypasses redis-py's "SLOWLOG GET" parser: we want the raw args to redact them.
    return cast(dict[str, Any], client.info()), client.execute_command("SLOWLOG", "GET", SLOWLOG_FETCH)


def _band(value: float, pass_below: float, fail_from: float) -> str:
    return PASS if value < pass_below else FAIL if value >= fail_from else WARN


def _text(part: Any) -> str:
    return part.decode(errors="replace") if isinstance(part, bytes) else str(part)


def slowest(entries: list[Any], limit: int = SLOWEST_SHOWN) -> list[SlowCommand]:
    parsed = []
    for entry in entries:
        args = entry[3] if isinstance(entry[3], list) else entry[4]  # Redis Enterprise adds a complexity field
        shown = " ".join(_text(a) for a in args[:2]) + (f" (+{len(args) - 2} args)" if len(args) > 2 else "")
        parsed.append(SlowCommand(int(entry[0]), int(entry[1]), int(entry[2]) / 1000, shown))
    return sorted(parsed, key=lambda s: s.duration_ms, reverse=True)[:limit]


def evaluate(info: Mapping[str, Any], slowlog: list[Any], settings: Mapping[str, Any],
             now: float | None = None) -> Report:
    now = time.time() if now is None else now
    metrics = [_memory(info), _hit_ratio(info), _clients(info)]
    evicted = int(info.get("evicted_keys", 0))
    metrics.append(Metric("evicted_keys", f"{evicted:,}", PASS if evicted == 0 else WARN, THRESHOLDS["evicted_keys"],
                          "" if evicted == 0 else "raise redis.maxmemory or lower TTLs"))
    metrics.append(Metric("expired_keys", f"{int(info.get('expired_keys', 0)):,}", PASS, THRESHOLDS["expired_keys"]))
    metrics += _persistence(info, settings, now)
    slow = slowest(slowlog)
    metrics.append(Metric("slow_log", f"{len(slowlog)} entries", PASS if not slowlog else WARN, THRESHOLDS["slow_log"],
                          f"slowest {slow[0].duration_ms:.1f} ms: {slow[0].command}" if slow else ""))
    return Report(metrics, slow)


def _memory(info: Mapping[str, Any]) -> Metric:
    used, limit = int(info.get("used_memory", 0)), int(info.get("maxmemory", 0))
    if not limit:
        return Metric("memory", f"{mib(used)} MiB of unlimited", WARN, THRESHOLDS["memory"],
                      "no maxmemory: Redis grows until the host runs out (set redis.maxmemory)")
    share = used / limit
    return Metric("memory", f"{100 * share:.1f} % ({mib(used)} of {mib(limit, 0)} MiB)",
                  _band(share, MEMORY_LIMIT, MEMORY_CRITICAL), THRESHOLDS["memory"])


def _hit_ratio(info: Mapping[str, Any]) -> Metric:
    hits, misses = int(info.get("keyspace_hits", 0)), int(info.get("keyspace_misses", 0))
    if hits + misses == 0:
        return Metric("hit_ratio", "n/a", SKIP, THRESHOLDS["hit_ratio"], "no reads since the server started")
    ratio = hits / (hits + misses)
    status = PASS if ratio > HIT_RATIO_TARGET else WARN if ratio > HIT_RATIO_FAIL else FAIL
    return Metric("hit_ratio", f"{100 * ratio:.1f} % ({hits:,} hits, {misses:,} misses)", status,
                  THRESHOLDS["hit_ratio"])


def _clients(info: Mapping[str, Any]) -> Metric:
    clients = int(info.get("connected_clients", 0))
    return Metric("clients", f"{clients:,}", _band(clients, CLIENTS_WARN, CLIENTS_LIMIT), THRESHOLDS["clients"])


def _persistence(info: Mapping[str, Any], settings: Mapping[str, Any], now: float) -> list[Metric]:
    managed = (settings.get("managed") or {}).get("appendonly")
    if managed:  # the service persists itself (e.g. ElastiCache: snapshots and replicas)
        note = f"{managed}: see `python -m infra.cli backup`"
        return [Metric("persistence", "managed", SKIP, THRESHOLDS["persistence"], note),
                Metric("last_save", "managed", SKIP, THRESHOLDS["last_save"], note)]
    if str(info.get("loading", 0)) == "1":  # while replaying its AOF, Redis turns it off: INFO says aof_enabled:0
        done, eta = info.get("loading_loaded_perc", "?"), info.get("loading_eta_seconds", "?")
        waiting = "unknown until it has loaded"
        return [Metric("persistence", "loading", WARN, THRESHOLDS["persistence"],
                       f"the server is still loading its data from disk ({done} % done, about {eta} s left): clients "
                       "get LOADING errors until it finishes; run health again then"),
                Metric("last_save", waiting, SKIP, THRESHOLDS["last_save"])]
    aof_on = bool(info.get("aof_enabled"))
    status, detail = evaluate_persistence(info)
    if status == PASS:
        detail = ""  # the fields are all ok: the value column says enough
    if status != FAIL and not aof_on:
        promised = settings.get("appendonly", True)
        status = FAIL if promised else WARN
        detail = "AOF is off but the stack promises it" if promised else "AOF off: a crash loses writes since the " \
                                                                          "last RDB save"
    persistence = Metric("persistence", f"aof={'on' if aof_on else 'off'}", status, THRESHOLDS["persistence"], detail)

    points = settings.get("save", [[DEFAULT_SAVE_INTERVAL, 1]])
    age = max(0, int(now - int(info.get("rdb_last_save_time", now))))
    changes = int(info.get("rdb_changes_since_last_save", 0))
    value = f"{age}s ago, {changes:,} changes since"
    if not points:
        return [persistence, Metric("last_save", value, SKIP, THRESHOLDS["last_save"], "RDB save points are off")]
    limit = max(seconds for seconds, _ in points) + 60
    stale = changes > 0 and age > limit
    return [persistence, Metric("last_save", value, WARN if stale else PASS, THRESHOLDS["last_save"],
                                f"no RDB save for {age}s with changes pending (limit {limit}s)" if stale else "")]
