"""A load test's report: the workers' figures merged (one latency histogram), judged against the plan's limits.

`judge` is the pass/fail rule (p99 within --p99-ms, zero errors, something completed); `result` adds the saturation
diagnosis and what became of the run's keys — an incomplete cleanup fails the run, so "PASS" never hides test keys
left behind.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from infra.latency import Histogram
from infra.loadtest.keys import Cleanup
from infra.loadtest.limits import diagnose


@dataclass
class Result:
    passed: bool
    failures: list[str]
    connections: int
    workers: int
    seconds: float
    ops: int
    ops_per_sec: float
    latency_ms: dict[str, float]
    errors: int
    error_samples: list[str]
    hit_ratio: float | None
    client_cpu: list[float]
    loop_lag_p99_ms: float
    server_cpu: float | None
    machine_cpu: float | None
    event_loop: str
    bottleneck: str
    cleaned_keys: int
    prefix: str
    cleanup: Cleanup
    mix: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def judge(plan: Any, p99_ms: float, errors: int, ops: int) -> list[str]:
    failures = []
    if ops == 0:
        failures.append("no command completed")
    if p99_ms > plan.p99_ms:
        failures.append(f"p99 latency {p99_ms:.1f} ms is above --p99-ms {plan.p99_ms:g}")
    if errors:
        failures.append(f"{errors} command(s) failed")
    return failures


def result(plan: Any, workers: int, done: dict, cpu: dict, cleanup: Cleanup) -> Result:
    parts = [done[i] for i in sorted(done)]
    latency, lag = Histogram(), Histogram()
    for part in parts:
        latency.merge(Histogram.from_dict(part["latency"]))
        lag.merge(Histogram.from_dict(part["lag"]))
    ops, errors = sum(p["ops"] for p in parts), sum(p["errors"] for p in parts)
    gets, misses = sum(p["gets"] for p in parts), sum(p["misses"] for p in parts)
    ms = {q: round(latency.percentile(v) / 1000, 3) for q, v in (("p50", 50), ("p95", 95), ("p99", 99))}
    ms.update(max=round(latency.max_us / 1000, 3), mean=round(latency.mean_us / 1000, 3))
    client_cpu = [round(p["cpu"], 3) for p in parts]
    lag_p99 = lag.percentile(99) / 1000
    failures = judge(plan, ms["p99"], errors, ops)
    if not cleanup.complete:
        failures.append(f"cleanup {cleanup.problem}: test keys under {cleanup.prefix} remain")
    return Result(
        passed=not failures, failures=failures, connections=plan.connections, workers=workers,
        seconds=round(max(p["seconds"] for p in parts), 3), ops=ops,
        ops_per_sec=round(sum(p["ops"] / p["seconds"] for p in parts if p["seconds"]), 1), latency_ms=ms,
        errors=errors, error_samples=sorted({s for p in parts for s in p["samples"]})[:5],
        hit_ratio=round(1 - misses / gets, 4) if gets else None, client_cpu=client_cpu,
        loop_lag_p99_ms=round(lag_p99, 3), server_cpu=_round(cpu["server"]), machine_cpu=_round(cpu["machine"]),
        event_loop=parts[0]["loop"],
        bottleneck=diagnose(client_cpu, cpu["server"], cpu["machine"], lag_p99), cleaned_keys=cleanup.removed,
        prefix=cleanup.prefix, cleanup=cleanup,
        mix={"set_ratio": plan.set_ratio, "keys": plan.keys, "value_bytes": plan.value_bytes, "ttl": plan.ttl,
             "p99_ms_limit": plan.p99_ms})


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
