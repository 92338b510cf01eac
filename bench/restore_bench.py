"""`make bench`'s restore section: `restore` against Redis loading the same RDB itself, side by side, per dataset size.

For each size (300,000 keys by default; 3,000,000 with `--restore-keys 300000,3000000`) a dataset (`bench.restore_data`)
is written into a throwaway server and backed up with the real `backup` code (file + manifest). Then, round by round
and alternating the order, three things run against fresh servers of the dev config:
- **native**: `redis-server` booting that RDB as its dump.rdb with AOF off, timed from spawn until INFO says
  `loading:0` (what the issue calls Redis's native RDB load);
- **replication**: the whole `python -m infra.cli restore FILE --yes` process into an empty server with AOF on — its
  default there: the target loads the file by replication (`infra.ops.restore_sync`) — timed from spawn to exit, checks,
  sync, promotion and the target's own AOF rewrite awaited, with its peak RSS (its own VmHWM);
- **restore**: the same with `--no-replication`: checks, the RESTORE replay and the awaited final AOF rewrite;
- **floor**: the same RESTORE commands encoded beforehand and sent down one bare socket (window of 8 batches), then
  one BGREWRITEAOF awaited: the server's own share, which no RESTORE-based client can go below.
At 3M keys maxmemory is raised to hold the data (the shipped 512 MB cannot); everything else is the shipped config.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections import deque
from pathlib import Path
from typing import Sequence

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from bench import restore_data
from bench.harness import PY, start_server
from bench.stats import Figure, Goal, Row, ratios
from infra.ops import backup
from infra.ops import rdb
from infra.config import redis_conf
from infra.config.redis import RedisSettings
from infra.ops.rdb.wire import encode
from infra.endpoint import Target
from support.ops_support import ADMIN_PASSWORD, outputs_for, run_measured, write_outputs
from support.redis_server import RedisServer

MIB = 2**20


def _maxmemory(rdb_bytes: int) -> str:
    """The shipped 512 MB unless the data needs more once loaded (~2x its RDB size, with room for the rewrite)."""
    return "512mb" if 4 * rdb_bytes < 512 * MIB else f"{4 * rdb_bytes // MIB}mb"


def dataset(tmp: Path, keys: int, password: str) -> Path:
    """A backup (RDB + manifest, made by `infra.ops.backup.take`) of `keys` keys of the bench mix."""
    conf = redis_conf.render(RedisSettings(), password, ADMIN_PASSWORD)
    source = start_server(tmp / f"source-{keys}", conf, extra='appendonly no\nsave ""\nmaxmemory 0')
    try:
        restore_data.write(redis.Redis(port=source.port, password=password, socket_timeout=600), keys)
        target = Target.from_outputs(outputs_for(source, password), timeout=600)
        return backup.take(target, tmp / f"backups-{keys}", "bench", 7).path
    finally:
        source.kill()


def _ready_client(port: int, password: str) -> redis.Redis:
    # No retries and a short connect timeout: redis-py's default backoff would add seconds to a boot being timed.
    return redis.Redis(port=port, password=password, retry=Retry(NoBackoff(), 0), socket_connect_timeout=0.5)


def native(tmp: Path, path: Path, password: str, maxmemory: str) -> float:
    """Seconds from spawning redis-server on `path` (AOF off) until it answers with loading:0."""
    work = tmp / "native"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    shutil.copy(path, work / "dump.rdb")
    server = RedisServer(redis_conf.render(RedisSettings(), password, ADMIN_PASSWORD), work,
                         extra_conf=f"bind 127.0.0.1\nappendonly no\nmaxmemory {maxmemory}")
    client = _ready_client(server.port, password)
    started = time.perf_counter()
    with open(work / "redis.log", "ab") as log:
        server.process = subprocess.Popen(server.command, cwd=work, stdout=log, stderr=subprocess.STDOUT)
    try:
        while True:
            try:
                if not client.info("persistence")["loading"]:
                    return time.perf_counter() - started
            except (redis.ConnectionError, redis.BusyLoadingError, redis.TimeoutError):
                if server.process.poll() is not None:
                    raise RuntimeError(f"the native-load server exited: {server.log_tail()}") from None
            time.sleep(0.002)
    finally:
        client.close()
        server.kill()


def _target(tmp: Path, password: str, maxmemory: str) -> RedisServer:
    work = tmp / "target"
    shutil.rmtree(work, ignore_errors=True)
    return start_server(work, redis_conf.render(RedisSettings(), password, ADMIN_PASSWORD),
                        extra=f"maxmemory {maxmemory}")


def restore_cli(tmp: Path, path: Path, password: str, maxmemory: str, keys: int, *extra: str) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of the whole restore CLI into a fresh AOF-on server."""
    target = _target(tmp, password, maxmemory)
    try:
        outputs = write_outputs(tmp / "target-outputs.json", outputs_for(target, password))
        command = [PY, "-m", "infra.cli", "restore", "--outputs", outputs, str(path), "--yes", "--timeout", "600",
                   *extra]
        seconds, code, stderr, peak = run_measured(command)
        if code != 0 or target.client(password).dbsize() != keys:
            raise RuntimeError(f"restore exited {code}: {stderr.strip()[-300:]}")
        return seconds, peak
    finally:
        target.kill()


def encoded(path: Path) -> list[tuple[bytes, int]]:
    """Every batch of RESTORE commands of `path`, encoded once (the floor's input: held in memory, unlike restore)."""
    with rdb.mapped(path) as data:
        version, blocks = rdb.version_of(data), []
        for batch in rdb.batches(data):
            if not isinstance(batch, rdb.Function):
                blob, keys, _ = encode(batch, data, version, False, 0)
                blocks.append((blob, len(keys)))
        return blocks


def floor(tmp: Path, blocks: list[tuple[bytes, int]], password: str, maxmemory: str) -> float:
    """Seconds to send `blocks` down one connection (8 in flight), read every reply, then BGREWRITEAOF and wait."""
    import hiredis

    target = _target(tmp, password, maxmemory)
    client = target.client(password)
    conn = client.connection_pool.make_connection()
    conn.connect()
    sock, reader, pending = conn._sock, hiredis.Reader(), deque[int]()  # noqa: SLF001

    def settle(keep: int) -> None:
        while len(pending) > keep:
            for _ in range(pending.popleft()):
                while (reply := reader.gets()) is False:
                    reader.feed(sock.recv(1 << 16))
                if isinstance(reply, hiredis.ReplyError):
                    raise RuntimeError(f"the floor's RESTORE was refused: {reply}")

    try:
        started = time.perf_counter()
        for blob, count in blocks:
            sock.sendall(blob)
            pending.append(count)
            settle(7)
        settle(0)
        while True:
            try:
                client.execute_command("BGREWRITEAOF")
                break
            except redis.ResponseError:  # an automatic rewrite started on the way: ours waits for it, as restore's
                time.sleep(0.02)
        while (info := client.info("persistence"))["aof_rewrite_in_progress"] or info["aof_rewrite_scheduled"]:
            time.sleep(0.02)
        return time.perf_counter() - started
    finally:
        conn.disconnect()
        target.kill()


def restore_rows(runs: int, tmp: Path, sizes: Sequence[int]) -> list[Row]:
    rows: list[Row] = []
    for keys in sizes:
        password = secrets.token_hex(20)
        path = dataset(tmp, keys, password)
        size, maxmemory = path.stat().st_size, _maxmemory(path.stat().st_size)
        blocks = encoded(path)
        samples: dict[str, list[float]] = {name: [] for name in ("native", "sync", "sync_rss", "restore", "rss",
                                                                 "floor", "load")}
        for round_ in range(runs):
            samples["load"].append(os.getloadavg()[0])
            steps = ["native", "sync", "restore", "floor"]
            for step in steps if round_ % 2 == 0 else steps[::-1]:
                if step == "native":
                    samples["native"].append(native(tmp, path, password, maxmemory))
                elif step in ("sync", "restore"):
                    extra = () if step == "sync" else ("--no-replication",)
                    seconds, rss = restore_cli(tmp, path, password, maxmemory, keys, *extra)
                    samples[step].append(seconds)
                    samples["rss" if step == "restore" else "sync_rss"].append(rss)
                else:
                    samples["floor"].append(floor(tmp, blocks, password, maxmemory))
        del blocks
        rows += size_rows(keys, size, maxmemory, samples)
        shutil.rmtree(path.parent, ignore_errors=True)
    return rows


def size_rows(keys: int, size: int, maxmemory: str, samples: dict[str, list[float]]) -> list[Row]:
    load = Figure(tuple(samples["load"]))
    native_figure = Figure(tuple(samples["native"]), " s")
    name = "native: redis-server boots the same RDB (AOF off) until loading:0"
    what = f"{keys:,} keys ({size / 1e6:.0f} MB RDB, maxmemory {maxmemory})"
    return [
        Row("restore", f"`restore` {what} into an empty target, by replication (its default there): whole CLI, AOF "
            "on, the target's own rewrite awaited", ours=Figure(tuple(samples["sync"]), " s"), baseline=native_figure,
            baseline_name=name, ratio=ratios(samples["sync"], samples["native"]), goal=Goal("<=", 6),
            note=f"load average (1 min) at each round: {load.show(2)}"),
        Row("restore", f"… peak RSS of the restore process by replication, {keys:,} keys",
            ours=Figure(tuple(samples["sync_rss"]), " MiB"), baseline=Figure((size / MIB,), " MiB"),
            baseline_name="the RDB file's size",
            ratio=ratios(samples["sync_rss"], [size / MIB] * len(samples["sync_rss"]))),
        Row("restore", f"`restore --no-replication` {keys:,} keys (RESTORE every key: the path for --force, a target "
            "holding keys, or one refusing REPLICAOF): whole CLI, AOF on, final rewrite awaited", ours=Figure(
            tuple(samples["restore"]), " s"), baseline=native_figure, baseline_name=name,
            ratio=ratios(samples["restore"], samples["native"]), goal=Goal("<=", 6)),
        Row("restore", f"… floor for {keys:,} keys: the same RESTOREs pre-encoded on a bare socket + one "
            "BGREWRITEAOF (the server's own share)", ours=Figure(tuple(samples["floor"]), " s"),
            baseline=native_figure, baseline_name=name, ratio=ratios(samples["floor"], samples["native"])),
        Row("restore", f"… `restore` {keys:,} keys vs that floor (what the client adds)",
            ours=Figure(tuple(samples["restore"]), " s"), baseline=Figure(tuple(samples["floor"]), " s"),
            baseline_name="floor", ratio=ratios(samples["restore"], samples["floor"])),
        Row("restore", f"… peak RSS of the restore process, {keys:,} keys", ours=Figure(tuple(samples["rss"]), " MiB"),
            baseline=Figure((size / MIB,), " MiB"), baseline_name="the RDB file's size",
            ratio=ratios(samples["rss"], [size / MIB] * len(samples["rss"]))),
    ]
