"""Capacity check: N concurrent connections doing a cache mix against a live Redis, judged on p99 latency and errors.

The Profwise guide's case for Redis is a load test (1000+ concurrent users, p95 150–250 ms end to end). This drives
the deployed endpoint the way those users' requests would: each connection is one user sending a command, waiting
for the reply, sending the next (no think time — the worst moment, every user at once); mostly GETs, some SETs with
a TTL. It writes only keys under a fresh `loadtest:<random>:` prefix, every one with a TTL (so even a killed run
leaves nothing permanent), and removes them afterwards with SCAN MATCH + UNLINK — never FLUSH*, never another key.

The load comes from `workers` child processes (`infra.loadtest.worker`), one per core by default, so the generator
is not the bottleneck: each reports its CPU use and event-loop lag, Redis reports its own CPU time in INFO, and the
report names whichever was saturated. This module is the parent: checks, prefill, spawn, gather, clean up. The
checks are the write guard's (`infra.loadtest.keys.check_room`); an eviction during prefill or the run stops it at
once. However it ends — finished, failed, Ctrl-C — the workers are stopped and the keys removed; a second Ctrl-C
during that only prints a note, a third stops the cleanup, and `Cleanup` says what is left.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_module
import secrets
import time
from dataclasses import dataclass
from typing import Any, Callable, cast

from infra.ops import write_guard
from infra.loadtest.keys import Cleanup, LoadTestError, check_room, prefill
from infra.loadtest.stop import wind_down_run, workers_deaf_to_sigint
from infra.loadtest.limits import busy_share, machine_cpu_ticks, raise_fd_limit, server_cpu_seconds
from infra.loadtest.result import Result, judge, result
from infra.loadtest.worker import WorkerSpec, main as worker_main
from infra.endpoint import Target

__all__ = ["Cleanup", "Interrupted", "LoadTestError", "Plan", "Result", "judge", "run"]

WATCH_INTERVAL = 1.0  # seconds between INFO stats reads for evictions during the run


class Interrupted(Exception):
    """Ctrl-C: the run stopped; `cleanup` says what became of its keys."""

    def __init__(self, cleanup: Cleanup):
        super().__init__("interrupted")
        self.cleanup = cleanup


@dataclass(frozen=True)
class Plan:
    connections: int = 1000
    seconds: float = 30.0
    warmup: float = 1.0
    set_ratio: float = 0.1
    keys: int = 10_000
    value_bytes: int = 512
    ttl: int = 300
    workers: int = 0  # 0: one per core, at most one per connection
    p99_ms: float = 50.0

    def worker_count(self) -> int:
        return max(1, min(self.workers or (os.cpu_count() or 1), self.connections))


def _connect(target: Target) -> tuple[Any, dict[str, Any]]:
    client = target.operator_client()  # TLS with the target's --ca-cert, --timeout on every read
    try:
        return client, cast(dict[str, Any], client.info())
    except Exception as error:  # noqa: BLE001 — the message names what failed, without the password
        client.close()
        raise LoadTestError(target.scrub(f"cannot use {target.host}:{target.port}: {type(error).__name__}: "
                                         f"{error}")) from None


Progress = Callable[[float, int, int], None]  # (seconds into the measured run, ops so far, errors so far)


def run(target: Target, plan: Plan, progress: Progress | None = None,
        notice: Callable[[str], None] = lambda _: None) -> Result:
    """Run the load test against `target` (its timeout bounds connects and replies, its ca_cert verifies TLS);
    raises LoadTestError when it cannot run at all or stopped (with what became of its keys), Interrupted on
    Ctrl-C. `notice` hears a second Ctrl-C's note."""
    workers = plan.worker_count()
    raise_fd_limit(-(-plan.connections // workers) + 64)
    prefix = f"loadtest:{secrets.token_hex(6)}:"
    client, info = _connect(target)
    try:
        watch = write_guard.Watch(client, check_room(info, plan, prefix).state)  # refuses before writing anything
    except BaseException:
        client.close()
        raise
    ctx = multiprocessing.get_context("spawn")  # no fork of a process holding sockets; same on Linux and macOS
    messages, go = ctx.Queue(), ctx.Event()
    shares = [plan.connections // workers + (i < plan.connections % workers) for i in range(workers)]
    # The workers connect as the operations do (the admin user when there is one; Target.principal says which).
    username, password = target.operator_credentials()
    procs = [ctx.Process(target=worker_main, daemon=True, args=(WorkerSpec(
        target.host, target.port, username, password, target.tls, target.ca_cert, prefix, share, plan.keys,
        plan.value_bytes, plan.ttl, plan.set_ratio, plan.seconds, plan.warmup, target.timeout, seed=i * 7919 + 1),
        i, messages, go)) for i, share in enumerate(shares)]
    written = [0]  # keys that may exist: prefill's progress, then all of them once the mix (SETs) runs

    def wind_down(finished: bool = False) -> Cleanup:
        return wind_down_run(procs, client, prefix, written[0], plan.ttl, notice, wait=target.timeout + 5 if finished
                          else 0.0)

    try:
        prefill(client, plan, prefix, watch, written=lambda n: written.__setitem__(0, n))
        written[0] = plan.keys
        with workers_deaf_to_sigint():
            for proc in procs:
                proc.start()
        done, cpu = _gather(plan, target.timeout, procs, messages, go, client, progress, watch)
    except KeyboardInterrupt:
        raise Interrupted(wind_down()) from None
    except LoadTestError as error:
        raise LoadTestError(str(error), wind_down()) from None
    except BaseException:
        wind_down()
        raise
    return result(plan, workers, done, cpu, wind_down(finished=True))


def _no_evictions(watch: write_guard.Watch, plan: Plan) -> None:
    evicted = watch.evicted()
    if evicted:
        raise LoadTestError(f"Redis evicted {evicted:,} keys during the run: stopped at once; the app's keys may be "
                            f"among them. The server needs more headroom for {plan.connections:,} connections: lower "
                            "--connections, --keys or --value-bytes, or raise maxmemory")


def _gather(plan: Plan, timeout: float, procs: list, messages: Any, go: Any, client: Any,
            progress: Progress | None, watch: write_guard.Watch) -> tuple[dict, dict]:
    ready: dict[int, tuple] = {}
    deadline = time.monotonic() + 60 + timeout
    while len(ready) < len(procs):
        message = _next(messages, deadline, procs)
        if message[0] == "ready":
            ready[message[1]] = message
    opened = sum(m[2] for m in ready.values())
    if opened < plan.connections:
        samples = sorted({s for m in ready.values() for s in m[3]})
        raise LoadTestError(f"only {opened} of {plan.connections} connections opened: {'; '.join(samples[:3])}")
    go.set()
    time.sleep(plan.warmup)
    _no_evictions(watch, plan)
    watched = time.monotonic()
    cpu_before, ticks_before, started = server_cpu_seconds(client), machine_cpu_ticks(), time.monotonic()
    counts: dict[int, tuple[int, int]] = {}
    done: dict[int, dict] = {}
    deadline = started + plan.seconds + timeout + 30
    while len(done) < len(procs):
        if time.monotonic() - watched >= WATCH_INTERVAL:
            _no_evictions(watch, plan)
            watched = time.monotonic()
        kind, index, *rest = _next(messages, deadline, procs)
        if kind == "progress":
            counts[index] = (rest[0], rest[1])
            if progress:
                progress(time.monotonic() - started, sum(c[0] for c in counts.values()),
                         sum(c[1] for c in counts.values()))
        elif kind == "done":
            done[index] = rest[0]
    _no_evictions(watch, plan)
    cpu_after, ticks_after = server_cpu_seconds(client), machine_cpu_ticks()
    elapsed = max(r["seconds"] for r in done.values())
    server_cpu = None if cpu_before is None or cpu_after is None else (cpu_after - cpu_before) / elapsed
    return done, {"server": server_cpu, "machine": busy_share(ticks_before, ticks_after)}


def _next(messages: Any, deadline: float, procs: list) -> tuple:
    while True:
        try:
            return messages.get(timeout=0.25)
        except queue_module.Empty:
            if time.monotonic() > deadline:
                raise LoadTestError("the load generator did not finish in time") from None
            if any(p.exitcode not in (None, 0) for p in procs):
                raise LoadTestError("a load-generator process died; see its error above") from None
