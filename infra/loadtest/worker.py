"""One load-generator process of `loadtest`: many asyncio connections, each a user sending one command at a time.

Runs in a child process (the parent, `infra.loadtest.runner`, spawns one per core) so the generator is not the
bottleneck it measures. The hot loop is kept to what a real client does — send a pre-packed command on a redis-py
connection, read the reply — plus one clock read and one histogram increment: no per-command timeout task (redis-py's
`socket_timeout` wraps every send in `asyncio.wait_for`, which halved throughput when profiled), so a reply slower
than `--timeout` is counted as an error instead, and commands still unanswered when the run ends are cancelled after
`--timeout` and counted too. A lag probe and the process's CPU time tell whether this process was saturated.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from dataclasses import dataclass
from typing import Any

from infra.latency import Histogram
from infra.endpoint import scrub

LAG_PROBE_S = 0.02
CONNECT_CONCURRENCY = 64  # bounded so 1000 simultaneous SYNs do not overflow the server's listen backlog
ERROR_PAUSE_S = 0.05  # a broken connection must not turn into a hot error loop
PLAN_LENGTH = 1 << 16


@dataclass(frozen=True)
class WorkerSpec:
    host: str
    port: int
    username: str | None  # None: the `default` user (the app's password)
    password: str
    tls: bool
    ca_cert: str | None
    prefix: str
    connections: int
    keys: int
    value_bytes: int
    ttl: int
    set_ratio: float
    seconds: float
    warmup: float
    timeout: float
    seed: int


class Stats:
    __slots__ = ("ops", "errors", "misses", "gets", "hist", "recording", "stop", "samples")

    def __init__(self) -> None:
        self.ops = self.errors = self.misses = self.gets = 0
        self.hist = Histogram()
        self.recording = False
        self.stop = False
        self.samples: list[str] = []

    def error(self, error: BaseException, password: str) -> None:
        self.errors += 1  # counted during the warm-up too: a failure is a failure
        if len(self.samples) < 5:
            self.samples.append(scrub(f"{type(error).__name__}: {error}", password))


def connection(spec: WorkerSpec) -> Any:
    from redis.asyncio.connection import Connection, SSLConnection
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    common: dict[str, Any] = dict(host=spec.host, port=spec.port, username=spec.username, password=spec.password,
                                  socket_connect_timeout=spec.timeout,
                                  retry=Retry(NoBackoff(), 0))
    if spec.tls:
        return SSLConnection(ssl_ca_certs=spec.ca_cert, **common)
    return Connection(**common)


def command_plan(spec: WorkerSpec, packer: Any) -> list[tuple[list[bytes], bool]]:
    """A fixed random sequence of (packed command, is_get): no random numbers are drawn in the hot loop."""
    rng = random.Random(spec.seed)
    value = b"v" * spec.value_bytes
    gets = [packer.pack_command("GET", f"{spec.prefix}{k}") for k in range(spec.keys)]
    sets = [packer.pack_command("SET", f"{spec.prefix}{k}", value, "EX", spec.ttl) for k in range(spec.keys)]
    plan = []
    for _ in range(PLAN_LENGTH):
        key = rng.randrange(spec.keys)
        plan.append((sets[key], False) if rng.random() < spec.set_ratio else (gets[key], True))
    return plan


async def user(conn: Any, plan: list, offset: int, st: Stats, timeout_ns: int, password: str) -> None:
    from redis.exceptions import ResponseError

    clock, record, i, mask = time.perf_counter_ns, st.hist.record, offset, PLAN_LENGTH - 1
    while not st.stop:
        command, is_get = plan[i & mask]
        i += 1
        started = clock()
        try:
            await conn.send_packed_command(command, check_health=False)
            reply = await conn.read_response()
        except ResponseError as error:  # the server answered with an error: the connection is fine
            st.error(error, password)
            continue
        except Exception as error:  # noqa: BLE001 — any failure of a user's command is a reported error
            st.error(error, password)
            await conn.disconnect(nowait=True)
            await asyncio.sleep(ERROR_PAUSE_S)
            continue
        elapsed = clock() - started
        if not st.recording:
            continue
        if elapsed > timeout_ns:
            st.error(TimeoutError(f"reply took {elapsed / 1e9:.1f}s, more than --timeout"), password)
            continue
        st.ops += 1
        record(elapsed // 1000)
        if is_get:
            st.gets += 1
            st.misses += reply is None


async def lag_probe(st: Stats, lags: Histogram) -> None:
    """How late the event loop wakes a 20 ms sleeper: large when this process is CPU-bound."""
    loop = asyncio.get_running_loop()
    while not st.stop:
        expected = loop.time() + LAG_PROBE_S
        await asyncio.sleep(LAG_PROBE_S)
        if st.recording:
            lags.record(int(max(0.0, loop.time() - expected) * 1e6))


async def drive(spec: WorkerSpec, index: int, queue: Any, go: Any) -> None:
    conns = [connection(spec) for _ in range(spec.connections)]
    st, lags, gate = Stats(), Histogram(), asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one(conn: Any) -> bool:
        async with gate:
            try:
                await conn.connect()
                return True
            except Exception as error:  # noqa: BLE001 — reported to the parent, which fails the run
                st.samples.append(scrub(f"connect: {type(error).__name__}: {error}", spec.password))
                return False

    opened = sum(await asyncio.gather(*(open_one(c) for c in conns)))
    queue.put(("ready", index, opened, st.samples[:5]))
    if opened < len(conns) or not await asyncio.to_thread(go.wait, 60.0):
        for conn in conns:
            await conn.disconnect(nowait=True)
        return
    plan = command_plan(spec, conns[0])
    rng = random.Random(spec.seed + 1)
    tasks = [asyncio.create_task(user(c, plan, rng.randrange(PLAN_LENGTH), st, int(spec.timeout * 1e9),
                                      spec.password)) for c in conns]
    probe = asyncio.create_task(lag_probe(st, lags))
    await asyncio.sleep(spec.warmup)
    st.recording, started, cpu_started = True, time.perf_counter(), sum(os.times()[:2])
    deadline = started + spec.seconds
    parent = os.getppid()
    while (now := time.perf_counter()) < deadline and os.getppid() == parent:  # the parent gone: nobody listens
        await asyncio.sleep(min(0.5, deadline - now))
        queue.put(("progress", index, st.ops, st.errors))
    # The window closes now: commands in flight still complete and count (as many were in flight when it opened).
    st.stop, elapsed, cpu = True, time.perf_counter() - started, sum(os.times()[:2]) - cpu_started
    done, pending = await asyncio.wait(tasks, timeout=spec.timeout)
    for task in pending:  # commands the server never answered within --timeout
        task.cancel()
        st.error(TimeoutError(f"no reply within --timeout ({spec.timeout:g}s)"), spec.password)
    await asyncio.gather(*pending, probe, return_exceptions=True)
    for conn in conns:
        await conn.disconnect(nowait=True)
    queue.put(("done", index, {
        "ops": st.ops, "errors": st.errors, "gets": st.gets, "misses": st.misses, "seconds": elapsed,
        "cpu": cpu / elapsed if elapsed else 0.0, "latency": st.hist.to_dict(), "lag": lags.to_dict(),
        "samples": st.samples, "loop": type(asyncio.get_running_loop()).__module__.split(".")[0],
    }))


def main(spec: WorkerSpec, index: int, queue: Any, go: Any) -> None:
    """Child-process entry point: uvloop when installed (measured ~25 % more throughput per process), else asyncio.
    Ctrl-C reaches the whole process group; the workers ignore it and the parent, which reports it and removes the
    keys, stops them (a worker catching it could print a traceback of its own on a second Ctrl-C)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner:
        runner.run(drive(spec, index, queue, go))
