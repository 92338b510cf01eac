"""How a replication restore (`infra.ops.restore_sync`) ends: once the target is promoted, the eviction check and the
wait for the AOF rewrite every replica starts after a sync; when it is cut short, the promotion back and the one
sentence saying what the target holds.

The rewrite is the target's own (`restartAOFAfterSYNC` starts it in the event-loop turn that ends the load): done when
`aof_rewrites` has passed its count from before the sync and none is in progress or scheduled. Until then the AOF on
disk is the one from before the sync — a restart would bring back the empty dataset — and the server refuses SIGTERM
("Writing initial AOF, can't exit"). With AOF off a BGSAVE is awaited, as on the RESTORE path.
A load cannot be stopped: `REPLICAOF NO ONE` is refused with -LOADING until it ends, so the promotion back is retried
(with Ctrl-C held: the target must not be left a replica of a tool that is gone) and the load then ends whole.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, cast

import redis

from infra.ops import interrupts, rdb, write_guard
from infra.sizes import mib
from infra.ops.restore_steps import PERSIST_TIMEOUT, POLL_SECONDS, RestoreError, persist

REWRITE_START_SECONDS = 5.0  # never needed so far: the rewrite has always started with the load's end
PRIMARY = "it is a primary again"
PROMOTE_SECONDS = 300.0  # how long REPLICAOF NO ONE is retried while the target loads (3M keys: ~6 s here)


@dataclass(frozen=True)
class Loaded:
    keys: int
    expired: int  # keys of the backup the target dropped as past their TTL by the end
    persisted: str
    target_keys: int


def keys_of(info: dict[str, Any]) -> dict[int, int]:
    return {db: n for db, n in write_guard.ServerState.from_info(info).keys_per_db.items() if n}


def _info(client: redis.Redis, *sections: str) -> dict[str, Any]:
    return cast(dict[str, Any], client.info(*sections) if sections else client.info())


def whole(summary: rdb.Summary, state: write_guard.ServerState) -> str:
    """What the target holds once the load ended, while its rewrite is not awaited."""
    unsaved = ("until INFO persistence shows the rewrite done, a restart would bring back the AOF from before the sync"
               if state.aof_enabled else "its dump file is the backup itself")
    return f"the target holds the whole backup ({summary.keys:,} keys), but its AOF rewrite was not awaited: {unsaved}"


def finish(client: redis.Redis, summary: rdb.Summary, state: write_guard.ServerState,
           before: dict[str, Any]) -> Loaded:
    """After `REPLICAOF NO ONE`: no key evicted, then the target's data on disk."""
    if evicted := int(_info(client, "stats").get("evicted_keys", 0)) - state.evicted:
        raise RestoreError(f"the target evicted {evicted:,} keys once it was a primary again (maxmemory "
                           f"{mib(state.maxmemory, 0)} MiB, policy {state.policy}): keys were lost; "
                           "the AOF rewrite was not awaited")
    persisted = _persist(client, state, int(before.get("aof_rewrites", 0)))
    after = _info(client)
    return Loaded(summary.keys, int(after.get("expired_keys", 0)) - int(before.get("expired_keys", 0)), persisted,
                  write_guard.ServerState.from_info(after).keys)


def _persist(client: redis.Redis, state: write_guard.ServerState, rewrites_before: int) -> str:
    if not state.aof_enabled:
        return persist(client, False)
    started, deadline = time.monotonic(), time.monotonic() + PERSIST_TIMEOUT
    while True:
        info = _info(client, "persistence")
        busy = int(info.get("aof_rewrite_in_progress", 0)) or int(info.get("aof_rewrite_scheduled", 0))
        if int(info.get("aof_rewrites", 0)) > rewrites_before and not busy:
            if info.get("aof_last_bgrewrite_status") != "ok":
                raise RestoreError("the target's AOF rewrite after the sync failed; check its log and disk space")
            return "AOF rewritten (the target's own rewrite after the sync: every key in a fsynced base file)"
        if not busy and time.monotonic() - started > REWRITE_START_SECONDS:
            return persist(client, True)  # none started by itself: ask for one
        if time.monotonic() > deadline:
            raise RestoreError(f"the target's AOF rewrite did not finish within {PERSIST_TIMEOUT:.0f}s")
        time.sleep(POLL_SECONDS)


def abort(client: redis.Redis, summary: rdb.Summary, state: write_guard.ServerState, sending: bool,
          reason: str) -> tuple[str, bool]:
    """Promote the target back (the caller has closed the link) and say what it holds: (message, promoted)."""
    with interrupts.held():
        promoted, deadline = False, time.monotonic() + PROMOTE_SECONDS
        while not promoted and time.monotonic() < deadline:
            try:
                client.execute_command("REPLICAOF", "NO", "ONE")
                promoted = True
            except redis.BusyLoadingError:  # a load cannot be stopped: it ends with the whole backup
                time.sleep(POLL_SECONDS * 5)
            except (redis.RedisError, OSError):
                break
        try:
            keys = sum(keys_of(_info(client, "keyspace")).values())
        except (redis.RedisError, OSError):
            keys = -1
    status = PRIMARY if promoted else ("it may still be a replica of this tool: run REPLICAOF NO ONE on it "
                                       "(redis-cli) once INFO shows loading:0")
    return f"{reason}; {_held(summary, state, sending, keys)}; {status}", promoted


def _held(summary: rdb.Summary, state: write_guard.ServerState, sending: bool, keys: int) -> str:
    if keys < 0:
        return "the target's state could not be read"
    if not sending:
        return f"nothing was sent or flushed: the target holds {keys:,} keys, as before"
    if keys == 0:
        return "nothing was flushed or written: the target is empty, as before"
    if keys == summary.keys:
        return whole(summary, state)
    return (f"the target holds {keys:,} of the backup's {summary.keys:,} keys (a partial load): run the restore again "
            "with --force to complete it")
