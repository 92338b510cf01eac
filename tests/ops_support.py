"""Helpers for the operations tests: stack outputs for a real server, the CLI as a subprocess, and a dataset of
every Redis type (small and large encodings, TTLs, awkward key names) with a way to capture it for comparison."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import redis

from stack_harness import REPO_ROOT

TTL_TOLERANCE_MS = 10_000


def outputs_for(server, password: str, dev_run=None, **extra: Any) -> dict[str, Any]:
    outputs = {"backend": "docker", "host": "127.0.0.1", "port": server.port, "tls": False, "password": password}
    if dev_run is not None:
        outputs["settings"] = dev_run.outputs["settings"]
    outputs.update(extra)
    return outputs


def write_outputs(path: Path, outputs: dict[str, Any]) -> str:
    path.write_text(json.dumps(outputs))
    return str(path)


def run_cli(*args: str, stdin: str | None = None, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "infra.cli", *args], input=stdin, capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=timeout, **kwargs)


def fill(client: redis.Redis, n_strings: int = 9_000) -> int:
    """Write every type in both its compact and its large encoding; returns the number of keys."""
    pipe = client.pipeline(transaction=False)
    for i in range(n_strings):
        if i % 3 == 0:
            pipe.set(f"str:{i}", f"value-{i}", ex=3600)
        elif i % 3 == 1:
            pipe.set(f"int:{i}", i * 7919)  # stored as an integer encoding
        else:
            pipe.set(f"big:{i}", ("compressible " * 40) + str(i), px=7_200_000)  # LZF-compressed in the RDB
    pipe.set(b"bin:\x00\xff\xfe key with spaces", bytes(range(256)))
    pipe.set("k" * 200, "a key long and repetitive enough to be LZF-compressed itself")
    for i in range(300):
        pipe.hset(f"hash:small:{i}", mapping={"name": f"user-{i}", "visits": i})
        pipe.rpush(f"list:small:{i}", *[f"item-{j}" for j in range(5)])
        pipe.sadd(f"set:int:{i}", *range(i, i + 5))
        pipe.sadd(f"set:str:{i}", *[f"m-{j}" for j in range(5)])
        pipe.zadd(f"zset:small:{i}", {f"m-{j}": j / 3 for j in range(5)})
        if i % 10 == 0:
            pipe.expire(f"hash:small:{i}", 1800)
    pipe.hset("hash:big", mapping={f"field-{j}": "v" * 80 for j in range(1000)})
    pipe.rpush("list:big", *[f"element-{j}-" + "x" * 60 for j in range(5000)])
    pipe.sadd("set:big", *[f"member-{j}" for j in range(2000)])
    pipe.zadd("zset:big", {f"member-{j}": j * 1.5 for j in range(2000)})
    pipe.execute()
    for name in ("stream:a", "stream:b"):
        for j in range(500):
            client.xadd(name, {"event": f"e{j}", "payload": "p" * 20})
    client.xgroup_create("stream:a", "workers", id="0")
    client.xreadgroup("workers", "alice", {"stream:a": ">"}, count=50)
    client.xreadgroup("workers", "bob", {"stream:a": ">"}, count=20)
    client.xack("stream:a", "workers", *[e[0] for e in client.xrange("stream:a", count=10)])
    client.xdel("stream:b", client.xrange("stream:b", count=1)[0][0])
    client.expire("stream:b", 5000)
    return client.dbsize()


def _value(client: redis.Redis, key: bytes, kind: bytes) -> Any:
    if kind == b"string":
        return client.get(key)
    if kind == b"hash":
        return client.hgetall(key)
    if kind == b"list":
        return client.lrange(key, 0, -1)
    if kind == b"set":
        return sorted(client.smembers(key))
    if kind == b"zset":
        return client.zrange(key, 0, -1, withscores=True)
    if kind == b"stream":
        info = client.execute_command("XINFO", "STREAM", key)
        fields = dict(zip(info[::2], info[1::2], strict=True))
        groups = client.execute_command("XINFO", "GROUPS", key)
        names = [dict(zip(g[::2], g[1::2], strict=True))[b"name"] for g in groups]
        pending = [client.execute_command("XPENDING", key, name) for name in names]
        return (client.xrange(key), [fields[f] for f in (b"length", b"last-generated-id", b"max-deleted-entry-id",
                                                         b"entries-added")], groups, pending)
    raise AssertionError(f"unexpected type {kind!r} for {key!r}")


def capture(client: redis.Redis) -> dict[bytes, tuple[bytes, Any, int]]:
    """key -> (type, value, pttl) for every key of db 0."""
    keys = list(client.scan_iter(count=1000))
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.type(key)
        pipe.pttl(key)
    meta = pipe.execute()
    return {key: (meta[2 * i], _value(client, key, meta[2 * i]), meta[2 * i + 1]) for i, key in enumerate(keys)}


def assert_same(expected: dict[bytes, tuple[bytes, Any, int]], actual: dict[bytes, tuple[bytes, Any, int]]) -> None:
    assert set(actual) == set(expected), f"missing {len(set(expected) - set(actual))}, extra " \
                                         f"{len(set(actual) - set(expected))}"
    for key, (kind, value, pttl) in expected.items():
        got_kind, got_value, got_pttl = actual[key]
        assert (got_kind, got_value) == (kind, value), key
        if pttl < 0:
            assert got_pttl == pttl, key
        else:
            assert abs(got_pttl - pttl) <= TTL_TOLERANCE_MS and got_pttl > 0, (key, pttl, got_pttl)
