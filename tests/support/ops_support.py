"""Helpers for the operations tests: stack outputs for a real server, the CLI as a subprocess, and a dataset of
every Redis type (small and large encodings, TTLs, awkward key names, a function library, a key with a known access
record) with a way to capture it for comparison."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from support.stack_harness import REPO_ROOT

TTL_TOLERANCE_MS = 10_000
LIBRARY = b"#!lua name=profwise\nredis.register_function('answer', function() return 42 end)"
# The access record RESTORE can carry: IDLETIME under an LRU eviction policy, FREQ under LFU (Redis keeps, saves and
# accepts only the one its policy uses). Idle time is compared in whole hours, far from a boundary: 24.5 h.
KNOWN_IDLE_SECONDS = 88_200
KNOWN_FREQ = 200
FREQ_TOLERANCE = 2  # the LFU counter decays by one per minute (lfu-decay-time 1)


# The admin user's password the mock engine generates (infra.tooling.mock_engine): what a server booted from the dev
# stack's config (container_boot) has, and what tests render into their own configs (redis_conf.render).
ADMIN_USER = "profwise-admin"
ADMIN_PASSWORD = "Mock0RedisAdminPassword00000000000000000"
ADMIN = {"admin_user": ADMIN_USER, "admin_password": ADMIN_PASSWORD}  # Target(..., **ADMIN): the tools' principal


def outputs_for(server, password: str, dev_run=None, admin_password: str | None = ADMIN_PASSWORD,
                **extra: Any) -> dict[str, Any]:
    """The stack outputs of a dev stack served by `server` (a RedisServer, or just a port where nothing may run),
    with the admin credential (None: outputs written before the admin user existed)."""
    port = server if isinstance(server, int) else server.port
    outputs = {"backend": "docker", "host": "127.0.0.1", "port": port, "tls": bool(getattr(server, "tls", None)),
               "password": password}
    if admin_password is not None:
        outputs.update(admin_user=ADMIN_USER, admin_password=admin_password)
    if dev_run is not None:
        outputs["settings"] = dev_run.outputs["settings"]
    outputs.update(extra)
    return outputs


def write_outputs(path: Path, outputs: dict[str, Any]) -> str:
    path.write_text(json.dumps(outputs))
    path.chmod(0o600)  # it holds the password
    return str(path)


# The child sets its own umask / open-files limit, then runs the CLI as `-m infra.cli` would. Never preexec_fn: it
# runs Python in the forked child before exec, and forking a test process whose gRPC threads (the Pulumi mock engine)
# are running can abort that child (seen: "epoll_wait error: Bad file descriptor", exit -6).
CHILD = ("import os, resource, runpy, sys; umask, nofile = {umask!r}, {nofile!r}\n"
         "if umask is not None: os.umask(umask)\n"
         "if nofile is not None: resource.setrlimit(resource.RLIMIT_NOFILE, nofile)\n"
         "runpy.run_module('infra.cli', run_name='__main__', alter_sys=True)")


def run_cli(*args: str, stdin: str | None = None, timeout: float = 120, umask: int | None = None,
            nofile: tuple[int, int] | None = None, **kwargs) -> subprocess.CompletedProcess[str]:
    """`python -m infra.cli ARGS` from the repository root; `umask` and `nofile` (soft, hard) as a user's shell sets
    them."""
    command = [sys.executable, "-m", "infra.cli"] if umask is None and nofile is None else \
        [sys.executable, "-c", CHILD.format(umask=umask, nofile=nofile)]
    return subprocess.run([*command, *args], input=stdin, capture_output=True, text=True, cwd=REPO_ROOT,
                          timeout=timeout, **kwargs)


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
    client.function_load(LIBRARY)
    lfu = _lfu(client)
    client.restore("meta:access", 0, client.dump("str:0"), idletime=None if lfu else KNOWN_IDLE_SECONDS,
                   frequency=KNOWN_FREQ if lfu else None)
    return client.dbsize()


def _lfu(client: redis.Redis) -> bool:
    return "lfu" in client.info("memory")["maxmemory_policy"]


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


@dataclass(frozen=True)
class State:
    """Every key of db 0 -> (type, value, pttl, access), the function libraries (name, code), and when the TTLs were
    read (time.time(), so the wall time between two captures is known: an expiry is absolute)."""
    keys: dict[bytes, tuple[bytes, Any, int, int]]
    functions: list[tuple[bytes, bytes]]
    read_at: float = 0.0


def capture(client: redis.Redis) -> State:
    """Types, TTLs and access records are read before any value: reading a value counts as an access."""
    lfu = _lfu(client)
    keys = list(client.scan_iter(count=1000))
    read_at = time.time()
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.type(key)
        pipe.pttl(key)
        pipe.execute_command("OBJECT", "FREQ" if lfu else "IDLETIME", key)
    meta = pipe.execute()
    captured = {}
    for i, key in enumerate(keys):
        kind, pttl, access = meta[3 * i:3 * i + 3]
        captured[key] = (kind, _value(client, key, kind), pttl, access if lfu else access // 3600)
    libraries = [dict(zip(lib[::2], lib[1::2], strict=True)) for lib in
                 client.execute_command("FUNCTION", "LIST", "WITHCODE")]
    return State(captured, sorted((lib[b"library_name"], lib[b"library_code"]) for lib in libraries), read_at)


def assert_same(expected: State, actual: State) -> None:
    """Every TTL is compared with what is left of it after the wall time between the captures (an expiry is an
    absolute time: it runs on while the data is restored or the server restarts), within TTL_TOLERANCE_MS."""
    elapsed_ms = int((actual.read_at - expected.read_at) * 1000) if expected.read_at and actual.read_at else 0
    assert actual.functions == expected.functions
    assert set(actual.keys) == set(expected.keys), f"missing {len(set(expected.keys) - set(actual.keys))}, extra " \
                                                   f"{len(set(actual.keys) - set(expected.keys))}"
    for key, (kind, value, pttl, access) in expected.keys.items():
        got_kind, got_value, got_pttl, got_access = actual.keys[key]
        assert (got_kind, got_value) == (kind, value), key
        if pttl < 0:
            assert got_pttl == pttl, key
        else:
            left = pttl - elapsed_ms
            assert abs(got_pttl - left) <= TTL_TOLERANCE_MS and got_pttl > 0, (key, pttl, elapsed_ms, got_pttl)
        assert abs(got_access - access) <= FREQ_TOLERANCE, (key, "access", access, got_access)


def run_measured(command: list[str], timeout: float = 900, **kwargs) -> tuple[float, int, str, float]:
    """(wall seconds, exit code, stderr, peak RSS in MiB) of `command`. The peak is the child's own VmHWM, polled from
    /proc while it runs: `wait4`'s ru_maxrss would not do, because Linux folds the parent's peak into a child's across
    fork/vfork + exec (a child of a 200 MB pytest reports >= 200 MB whatever it does)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    status, peak = Path(f"/proc/{process.pid}/status"), 0
    deadline = started + timeout
    while process.poll() is None and time.perf_counter() < deadline:
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            peak = max(peak, int(fields.get("VmHWM", "0 kB").split()[0]))
        except (OSError, ValueError):
            pass  # exited between poll() and the read
        time.sleep(0.02)
    if process.poll() is None:
        process.kill()
    _, stderr = process.communicate()
    return time.perf_counter() - started, process.returncode, stderr.decode(errors="replace"), peak / 1024


def verify_cli(*args: str, outputs: dict[str, Any] | None = None, env: dict[str, str] | None = None,
               timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "infra.cli", "verify", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=timeout, input=json.dumps(outputs) if outputs is not None else None,
                          env={**os.environ, **(env or {})})


def _outputs_file(server, password: str, dev_run, tmp_path: Path) -> str:
    """The outputs of `server` (a RedisServer, or a port) in a file of its own: several servers share a tmp_path."""
    port = server if isinstance(server, int) else server.port
    return write_outputs(tmp_path / f"outputs-{port}.json", outputs_for(server, password, dev_run))


def backup_cli(server, password, dev_run, tmp_path: Path, dest: Path, *extra: str):
    """`backup --json` of `server` into `dest` under the label dev (the one definition the backup tests share)."""
    outputs = _outputs_file(server, password, dev_run, tmp_path)
    return run_cli("backup", "--outputs", outputs, "--dest", str(dest), "--label", "dev", "--json", *extra)


def restore_cli(server, password, dev_run, tmp_path: Path, file: Path, *extra: str):
    return run_cli("restore", "--outputs", _outputs_file(server, password, dev_run, tmp_path), str(file), *extra)
