"""The load test's keys: a throwaway prefix, written only when there is room, removed afterwards — and only those.

Every key `loadtest` writes is `<prefix><n>` with a TTL, where the prefix is fresh per run (`loadtest:<random>:`).
Before writing, the server's memory is checked so the test data cannot push a cache with `allkeys-lru` into
evicting the app's keys; afterwards SCAN MATCH (with the prefix glob-escaped) finds exactly our keys and UNLINK
frees them in the background. Nothing here can name a key outside the prefix; FLUSH* is never used.
"""

from __future__ import annotations

from typing import Any

from infra.thresholds import MEMORY_LIMIT  # the guide's alert line: the test data must not push Redis past it

KEY_OVERHEAD_BYTES = 100  # per-key bookkeeping beside key and value (dictEntry, robj, expire entry), rounded up


class LoadTestError(Exception):
    """The run could not start or finish (unreachable, refused, cluster mode, no memory headroom)."""


def glob_escape(text: str) -> str:
    """SCAN MATCH is a glob: escape its special characters so the pattern can only match our own prefix."""
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)


def check_room(info: dict[str, Any], plan: Any, prefix: str) -> None:
    """Refuse what the run cannot do safely: cluster mode, or test data that would make Redis evict the app's keys."""
    if info.get("cluster_enabled"):
        raise LoadTestError("the server runs in cluster mode; loadtest drives a single (non-cluster) endpoint")
    planned = plan.keys * (plan.value_bytes + len(prefix) + 8 + KEY_OVERHEAD_BYTES)
    maxmemory, used = int(info.get("maxmemory", 0)), int(info.get("used_memory", 0))
    if maxmemory and used + planned > MEMORY_LIMIT * maxmemory:
        raise LoadTestError(f"the test data (~{planned / 2**20:.1f} MiB) would take Redis past "
                            f"{100 * MEMORY_LIMIT:.0f} % of maxmemory ({used / 2**20:.1f} of "
                            f"{maxmemory / 2**20:.1f} MiB used) and evict the app's keys: "
                            "lower --keys or --value-bytes")


def prefill(client: Any, plan: Any, prefix: str) -> None:
    """Write every key once before the clock starts, so the GETs of the mix hit (a warm cache)."""
    value = b"v" * plan.value_bytes
    for start in range(0, plan.keys, 1000):
        pipe = client.pipeline(transaction=False)
        for k in range(start, min(plan.keys, start + 1000)):
            pipe.set(f"{prefix}{k}", value, ex=plan.ttl)
        pipe.execute()


def cleanup(client: Any, prefix: str) -> int:
    """Remove every key under our prefix, and only those: SCAN MATCH prefix* then UNLINK in batches."""
    removed, batch = 0, []
    for key in client.scan_iter(match=glob_escape(prefix) + "*", count=1000):
        batch.append(key)
        if len(batch) >= 500:
            removed += client.unlink(*batch)
            batch = []
    if batch:
        removed += client.unlink(*batch)
    return removed
