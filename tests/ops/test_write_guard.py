"""The write guard: its refusals on the INFO fields that trigger them, the SELECT bisection, and its memory model and
client-buffer bound held against what real servers (Debian's Redis 7.0 and a Redis 8) really use."""

from __future__ import annotations

import asyncio
import os

import pytest
import redis

from infra.ops import rdb
from infra.ops import restore
from infra.ops import write_guard
from infra.ops.backup import stream_rdb
from infra.endpoint import Target
from support.redis_server import modern_redis_server_binary
from support.ops_support import ADMIN

MIB = 2**20
FREE = {"redis_version": "7.0.15", "role": "master", "loading": 0, "cluster_enabled": 0, "maxmemory": 64 * MIB,
        "used_memory": 10 * MIB, "mem_not_counted_for_evict": 0, "maxmemory_policy": "allkeys-lru",
        "evicted_keys": 0, "aof_enabled": 1}
NEED = write_guard.Need("the backup", data=20 * MIB, connections=3, largest_argument=1000, fix="free memory")


@pytest.mark.parametrize("changes, need, refusal", [
    ({}, NEED, None),
    ({"role": "slave"}, NEED,
     "is a replica (role:slave), which refuses writes: point --stack/--outputs at the primary"),
    ({"loading": 1, "loading_loaded_perc": "42.5"}, NEED, "still loading its data (loading:1, 42.5 % done)"),
    ({"async_loading": 1}, NEED, "still loading"),
    ({"cluster_enabled": 1}, NEED, "cluster mode"),
    ({"used_memory": 45 * MIB}, NEED, "does not fit: it needs ~20.1 MiB (20.0 MiB of data + 0.1 MiB of client "
                                      "buffers for 3 connection(s)); 19.0 MiB available below maxmemory"),
    # AOF and replica buffers are not what maxmemory limits (INFO says so): they are not counted against the fit
    ({"used_memory": 45 * MIB, "mem_not_counted_for_evict": 2 * MIB}, NEED, None),
    ({"maxmemory": 0, "used_memory": 900 * MIB}, NEED, None),  # no limit: nothing is evicted
    # client buffers count: 1 MiB of test data fits, but not beside 1,000 connections' buffers (40 KiB each)
    ({"used_memory": 15 * MIB}, write_guard.Need("the test data", 1 * MIB, connections=1000, largest_argument=400,
                                                 ceiling=0.8, fix="lower --connections"),
     "available below 80 % of maxmemory (the guide's alert line) (15.0 of 64.0 MiB used): lower --connections"),
])
def test_refusals_name_the_limit_and_the_fix(changes, need, refusal):
    verdict = write_guard.check({**FREE, **changes}, need, selects=lambda db: True)
    if refusal is None:
        assert verdict.problem is None and verdict.fit.fits
    else:
        assert refusal in verdict.problem and "\n" not in verdict.problem


@pytest.mark.parametrize("databases, highest, expected", [(16, 15, None), (4, 15, 4), (1, 3, 1), (16, 100, 16),
                                                          (5, 5, 5), (6, 5, None)])
def test_the_database_count_is_found_by_select_alone(databases, highest, expected):
    probed = []

    def selects(db: int) -> bool:
        probed.append(db)
        return db < databases

    assert write_guard.database_count(selects, highest) == expected
    assert len(probed) <= 1 + highest.bit_length()  # a bisection, not a walk over every index


def test_a_missing_database_is_refused_with_the_count():
    verdict = write_guard.check(FREE, write_guard.Need("the backup", 1, 2, 1, highest_db=15), lambda db: db < 4)
    assert verdict.problem.startswith("the backup has keys in db 15 but the server has only 4 databases (db 0-3)")


def _calibration_data(client: redis.Redis) -> None:
    """Each shape the model treats differently, including the ones it came closest to under-counting (short keys
    with a TTL on 7.0, a stream with a large pending-entries list on 8)."""
    pipe = client.pipeline(transaction=False)
    for i in range(3000):
        pipe.set(f"session:{i}", "x" * 50, ex=3600)
    for i in range(2000):
        pipe.set(f"blob:{i}", os.urandom(1000))
    for i in range(500):
        pipe.hset(f"user:{i}", mapping={"name": f"user-{i}", "visits": i})
    pipe.hset("hash:big", mapping={f"field-{j}": "v" * 10 for j in range(1000)})
    pipe.zadd("zset:big", {f"member-{j}": j for j in range(2000)})
    pipe.sadd("set:big", *[f"member-{j}" for j in range(2000)])
    pipe.rpush("list:big", *[f"item-{j}" for j in range(5000)])
    pipe.execute()
    for j in range(1000):
        client.xadd("stream", {"event": j, "payload": "p" * 20})
    client.xgroup_create("stream", "workers", id="0")
    client.xreadgroup("workers", "alice", {"stream": ">"}, count=500)


def _used(client: redis.Redis) -> int:
    return write_guard.ServerState.from_info(client.info()).used


@pytest.mark.integration
@pytest.mark.parametrize("server_kind", ["debian-7.0", "redis-8"])
def test_the_memory_estimate_is_at_least_what_a_restore_really_takes(dev_servers, tmp_path, server_kind):
    start, password = dev_servers
    binary = {"binary": modern_redis_server_binary()} if server_kind == "redis-8" else {}
    source = start("source", **binary)
    _calibration_data(source.client(password))
    with open(tmp_path / "b.rdb", "wb") as out:
        stream_rdb(Target("127.0.0.1", source.port, password, False, {}, **ADMIN), out)
    summary = rdb.scan((tmp_path / "b.rdb").read_bytes())
    estimate = restore.need_of(summary).data
    target = start("target", **binary)
    before = _used(target.client(password))
    restore.replay(Target("127.0.0.1", target.port, password, False, {}, **ADMIN), (tmp_path / "b.rdb").read_bytes(),
                   replace=False)
    actual = _used(target.client(password)) - before
    assert actual <= estimate <= 4 * actual, (actual, estimate)


async def _peak_client_memory(port: int, password: str, connections: int, value_bytes: int) -> int:
    """Peak INFO mem_clients_normal while `connections` connections each loop SET + GET of a `value_bytes` value."""
    from redis.asyncio import Redis

    clients = [Redis(port=port, password=password, single_connection_client=True) for _ in range(connections + 1)]
    probe, users, stop, peak = clients[0], clients[1:], asyncio.Event(), 0

    async def user(i: int, client: Redis) -> None:
        while not stop.is_set():
            await client.set(f"k{i}", b"v" * value_bytes, ex=60)
            await client.get(f"k{i}")

    try:
        await asyncio.gather(*(c.ping() for c in clients))
        base = (await probe.info("memory"))["mem_clients_normal"]
        tasks = [asyncio.create_task(user(i, c)) for i, c in enumerate(users)]
        for _ in range(15):
            await asyncio.sleep(0.05)
            peak = max(peak, (await probe.info("memory"))["mem_clients_normal"] - base)
        stop.set()
        await asyncio.gather(*tasks)
    finally:
        for client in clients:
            await client.aclose()
    return peak


@pytest.mark.integration
@pytest.mark.parametrize("server_kind", ["debian-7.0", "redis-8"])
@pytest.mark.parametrize("value_bytes", [400, 40_000])
def test_the_client_buffer_bound_holds_under_load(dev_servers, server_kind, value_bytes):
    """The allowance is a bound, not a sample (an idle sample undercounts: see CLIENT_BUFFER_BYTES); this checks it
    against connections busy with the load test's own mix."""
    start, password = dev_servers
    server = start("clients", **({"binary": modern_redis_server_binary()} if server_kind == "redis-8" else {}))
    connections = 150
    peak = asyncio.run(_peak_client_memory(server.port, password, connections, value_bytes))
    assert 0 < peak <= write_guard.client_bytes(connections, value_bytes), peak / connections
