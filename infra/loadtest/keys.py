"""The load test's keys: a throwaway prefix, written only when there is room, removed afterwards — and only those.

Every key `loadtest` writes is `<prefix><n>` with a TTL, where the prefix is fresh per run (`loadtest:<12 hex>:`).
Before writing, the write guard (`infra.ops.write_guard`, the same checks `restore` makes) proves the test data and the
run's client buffers fit below the guide's 80 % memory line on a writable, loaded primary; prefill stops at the first
eviction. Afterwards SCAN MATCH (with the prefix glob-escaped) finds exactly our keys and UNLINK frees them in the
background; `Cleanup` says truthfully whether that finished. Nothing here can name a key outside the prefix; FLUSH*
is never used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import redis

from infra.ops import write_guard
from infra.thresholds import MEMORY_LIMIT  # the guide's alert line: the test data must not push Redis past it

PREFIX_PATTERN = re.compile(r"loadtest:[0-9a-f]{12}:")  # what `run` makes, and all `--remove-keys` accepts
BATCH = 1000


@dataclass(frozen=True)
class Cleanup:
    """What became of the run's keys: all removed, or (interrupted, server gone) how many may remain."""
    prefix: str
    removed: int
    complete: bool
    remaining_at_most: int | None = 0  # None: unknown (`--remove-keys` does not know what the run wrote)
    ttl: int | None = None
    problem: str = ""


class LoadTestError(Exception):
    """The run could not start or finish (unreachable, refused, no memory headroom, evictions); `cleanup` says what
    became of its keys when any were written."""

    def __init__(self, message: str, cleanup: Cleanup | None = None):
        super().__init__(message)
        self.cleanup = cleanup


def glob_escape(text: str) -> str:
    """SCAN MATCH is a glob: escape its special characters so the pattern can only match our own prefix."""
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)


def need_of(plan: Any, prefix: str) -> write_guard.Need:
    """The test data (`--keys` values of `--value-bytes` under `prefix`) and the buffers of `--connections` connections
    (plus the parent's), each carrying one value at a time."""
    key_bytes = len(prefix) + len(str(max(plan.keys - 1, 0)))
    return write_guard.Need(
        "the test data", write_guard.data_bytes(plan.keys, plan.keys * (key_bytes + plan.value_bytes)),
        connections=plan.connections + 1, largest_argument=plan.value_bytes, ceiling=MEMORY_LIMIT,
        fix="lower --connections, --keys or --value-bytes (or raise maxmemory)")


def check_room(info: Mapping[str, Any], plan: Any, prefix: str) -> write_guard.Verdict:
    """Refuse, before writing, what would lose data or fail half-way (`infra.ops.write_guard.refusal`)."""
    verdict = write_guard.check(info, need_of(plan, prefix), selects=lambda _db: True)  # db 0 always exists
    if verdict.problem:
        raise LoadTestError(f"nothing was written: {verdict.problem}")
    return verdict


def prefill(client: Any, plan: Any, prefix: str, watch: write_guard.Watch,
            written: Callable[[int], None] = lambda _: None) -> None:
    """Write every key once before the clock starts, so the GETs of the mix hit (a warm cache); stop at the first
    eviction or server error. `written(n)` hears how many keys may exist so far."""
    value = b"v" * plan.value_bytes
    for start in range(0, plan.keys, BATCH):
        end = min(plan.keys, start + BATCH)
        written(end)
        pipe = client.pipeline(transaction=False)
        for k in range(start, end):
            pipe.set(f"{prefix}{k}", value, ex=plan.ttl)
        try:
            pipe.execute()
        except redis.RedisError as error:
            raise LoadTestError(f"writing the test data failed after {start:,} of {plan.keys:,} keys: "
                                f"{type(error).__name__}: {error}") from None
        evicted = watch.evicted()
        if evicted:
            raise LoadTestError(f"Redis evicted {evicted:,} keys while the test data was written ({end:,} of "
                                f"{plan.keys:,} keys): stopped; the app's keys may be among them. Lower --keys or "
                                "--value-bytes, or raise maxmemory")


def cleanup(client: Any, prefix: str, removed: Callable[[int], None] = lambda _: None) -> int:
    """Remove every key under our prefix, and only those: SCAN MATCH prefix* then UNLINK in batches. `removed(n)`
    hears the running total, so an interrupted cleanup can still say how far it got."""
    total, batch = 0, []
    for key in client.scan_iter(match=glob_escape(prefix) + "*", count=1000):
        batch.append(key)
        if len(batch) >= 500:
            total += client.unlink(*batch)
            removed(total)
            batch = []
    if batch:
        total += client.unlink(*batch)
        removed(total)
    return total


def clean_up(client: Any, prefix: str, written: int | None, ttl: int | None) -> Cleanup:
    """`cleanup`, reporting the truth: a Ctrl-C or a lost server leaves up to `written - removed` keys, each expiring
    within `ttl` seconds."""
    progress = [0]
    try:
        return Cleanup(prefix, cleanup(client, prefix, lambda n: progress.__setitem__(0, n)), complete=True)
    except KeyboardInterrupt:
        problem = "interrupted"
    except Exception as error:  # noqa: BLE001 — never hide the run's own error behind a cleanup error
        problem = f"failed ({type(error).__name__}: {error})"
    remaining = None if written is None else max(written - progress[0], 0)
    return Cleanup(prefix, progress[0], complete=False, remaining_at_most=remaining, ttl=ttl, problem=problem)
