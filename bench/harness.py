"""What the bench measures with: timed subprocesses, throwaway redis-servers, redis-benchmark, the machine's identity.

Servers are real `redis-server` processes on free ports in temp dirs (the tests' `RedisServer`, reused), bound to
127.0.0.1 only. Passwords are throwaway values that live for one bench run and reach processes only through files
and environment variables (`REDISCLI_AUTH`), never a command line. Timings are wall-clock from spawn to exit, which
is what a person or a CI step waits for.
"""

from __future__ import annotations

import csv
import io
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Mapping, Sequence

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "tests"))

from support.redis_server import RedisServer  # noqa: E402 — the tests' real-server helper, shared rather than copied

PY = sys.executable
LOCAL_ONLY = "bind 127.0.0.1"  # later `bind` lines win: a bench server never listens beyond loopback


def need(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        raise SystemExit(f"bench: {tool} is not installed; run `make bench` (it installs redis-server and "
                         "redis-tools with scripts/install-redis.sh)")
    return path


def timed(command: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 300) -> tuple[float, int, str]:
    """(wall seconds, exit code, last line of stderr) of one run of `command` from the repository root."""
    started = time.perf_counter()
    try:
        done = subprocess.run(list(command), cwd=REPO_ROOT, env={**os.environ, **(env or {})}, text=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return timeout, -1, f"did not finish within {timeout:g} s"
    seconds = time.perf_counter() - started
    lines = done.stderr.strip().splitlines()
    return seconds, done.returncode, lines[-1] if lines else ""


def interleaved(commands: Mapping[str, Sequence[str]], runs: int, env: Mapping[str, str] | None = None,
                warmups: int = 1) -> dict[str, list[float]]:
    """Time each command `runs` times, round-robin (A B C C B A …) so noise and drift spread evenly; warm-ups
    discarded."""
    for _ in range(warmups):
        for command in commands.values():
            timed(command, env)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(runs):
        for name in alternating(list(commands), round_):
            samples[name].append(timed(commands[name], env)[0])
    return samples


def alternating(names: list[str], round_: int) -> list[str]:
    """Forward on even rounds, backward on odd ones: a steady drift in background load then favours no side."""
    return names if round_ % 2 == 0 else names[::-1]


def start_server(workdir: Path, conf_text: str, extra: str = "") -> RedisServer:
    return RedisServer(conf_text, workdir, extra_conf=f"{LOCAL_ONLY}\n{extra}").start()


STOCK_CONF = "# stock Redis defaults: only where to listen and keep files\nport 6379\ndir /tmp\n"


def redis_benchmark(port: int, clients: int, requests: int, keyspace: int, data_size: int,
                    tests: str = "set,get") -> dict[str, dict[str, float]]:
    """Run redis-benchmark --csv against a password-less server; {"SET": {"rps": …, "p50_latency_ms": …}, …}."""
    command = [need("redis-benchmark"), "-h", "127.0.0.1", "-p", str(port), "-c", str(clients), "-n", str(requests),
               "-r", str(keyspace), "-d", str(data_size), "-t", tests, "--csv"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    if done.returncode != 0 or not rows:
        raise RuntimeError(f"redis-benchmark failed ({done.returncode}): {done.stderr.strip()[-300:]}")
    return {row["test"]: {k: float(v) for k, v in row.items() if k != "test"} for row in rows}


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    os_name = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = f"{line.split('=', 1)[1].strip(chr(34))} ({platform.release()})"
    except OSError:
        pass
    redis_version = subprocess.run([need("redis-server"), "--version"], capture_output=True, text=True).stdout
    return {"cpu": cpu, "cores": str(os.cpu_count()), "os": os_name, "python": platform.python_version(),
            "redis": redis_version.split()[2].removeprefix("v=") if redis_version else "unknown",
            "load_average": " ".join(f"{v:.2f}" for v in os.getloadavg())}
