"""What limits a load-test run: file descriptors on the generator, and CPU — of the generator, Redis or the machine.

A load test whose generator is saturated measures itself. Each worker reports its CPU share, Redis reports its own
CPU time in INFO, and /proc/stat gives the whole machine's (they may share it); `diagnose` names the side that was
saturated, so a report never presents a generator limit as the server's capacity.
"""

from __future__ import annotations

import resource
from typing import Any

from infra.loadtest.keys import LoadTestError

SATURATED = 0.9  # a single-threaded process at >= 90 % of a core is the bottleneck


def raise_fd_limit(needed: int) -> None:
    """Each connection is a file descriptor; lift the soft limit towards the hard one when too low for the run."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            raise LoadTestError(f"{needed} open files are needed but the hard limit is {hard}: raise it "
                                "(`ulimit -Hn`, or LimitNOFILE for a service) or use fewer --connections / more "
                                "--workers")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def machine_cpu_ticks() -> tuple[int, int] | None:
    """(busy, total) jiffies of all this machine's CPUs from /proc/stat; None where there is no /proc (macOS)."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def server_cpu_seconds(client: Any) -> float | None:
    """Redis's own CPU time so far (all its threads, from INFO cpu); None where a managed service hides it."""
    try:
        cpu = client.info("cpu")
        return float(cpu["used_cpu_sys"]) + float(cpu["used_cpu_user"])
    except Exception:  # noqa: BLE001 — the report then says "unknown"
        return None


def busy_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    if not before or not after or after[1] == before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


def diagnose(client_cpu: list[float], server_cpu: float | None, machine_cpu: float | None,
             lag_p99_ms: float) -> str:
    """Which side limited the throughput — the question a load test must answer before its numbers mean anything."""
    busiest = max(client_cpu, default=0.0)
    if busiest >= SATURATED:
        return (f"load generator (a worker used {busiest:.0%} of a core, loop lag p99 {lag_p99_ms:.1f} ms): "
                "the server may do more; add --workers or run from a larger host")
    if server_cpu is not None and server_cpu >= SATURATED:
        return f"server (Redis used {server_cpu:.0%} of its single core)"
    if machine_cpu is not None and machine_cpu >= SATURATED:
        return (f"this machine's CPUs ({machine_cpu:.0%} busy, loop lag p99 {lag_p99_ms:.1f} ms): the load "
                "generator, and Redis if it runs here, share them; run from another host for the server's limit")
    server = "unknown" if server_cpu is None else f"{server_cpu:.0%} of a core"
    return (f"neither saturated (busiest worker {busiest:.0%}, Redis {server}): network round trips limited it "
            "(more --connections add load)")
