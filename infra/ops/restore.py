"""Restore a backup into the stack's *running* Redis, so the data is live and persisted by its own AOF.

The guide's restore (copy dump.rdb back, restart) is broken on Redis 7: with `appendonly yes` and no AOF directory the
server starts empty and ignores dump.rdb, and CONFIG is disabled here so AOF cannot be toggled at runtime. Instead
each key's RDB encoding is replayed with `RESTORE key 0 payload ABSTTL` (+ IDLETIME/FREQ, `infra.ops.restore_replay`),
which the running server logs to its AOF like any write. No local redis-server is needed; the *target* checks every
payload's version and CRC itself, and a one-key probe refuses an incompatible target. Before that probe — the first
write — the write guard (`infra.ops.write_guard`) proves the backup fits: role, loading state, databases, and memory for
the data and the restore's client buffers beside what the target already holds. While replaying, any eviction stops
it; a stop or a Ctrl-C says how many keys were written, that the AOF was not rewritten, and how to resume or undo.
Afterwards an AOF rewrite (or, with AOF off, a BGSAVE) is awaited, so the restore is on disk when the command returns.
`run` keeps these steps (`infra.ops.restore_steps`) in the only safe order; the `restore` command only asks for
confirmation and prints. Into an empty target, without --force and when `replication` allows
(`infra.ops.sync_route`), the replay is replaced by the fast path (`infra.ops.restore_sync`): the target loads the
file itself by replication; when it refuses, before anything is sent, the RESTORE replay runs as above.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, cast

import redis

from infra.ops import rdb, restore_sync, sync_route, write_guard
from infra.ops.restore_replay import BATCH, ReplayError, Tally, replay
from infra.ops.restore_steps import (PERSIST_TIMEOUT, POLL_SECONDS, RETRY_SECONDS, RestoreError, check_file, persist,
                                 probe_version)
from infra.endpoint import Target
from infra.sizes import mib

__all__ = ["BATCH", "PERSIST_TIMEOUT", "POLL_SECONDS", "RETRY_SECONDS", "Cancelled", "Interrupted", "Plan",
           "RestoreError", "RestoreResult", "Tally", "check_file", "need_of", "persist", "probe_version", "replay",
           "run", "stopped"]


class Cancelled(RestoreError):
    """The operator did not confirm; nothing was written."""


class Interrupted(Exception):
    """Ctrl-C while writing: the message says what state the target was left in."""


@dataclass(frozen=True)
class Plan:
    """What a restore is about to do, shown to the operator before anything is written."""
    path: Path
    manifest: dict[str, Any] | None
    summary: rdb.Summary
    target: write_guard.ServerState
    replace: bool
    fit: write_guard.Fit
    route: sync_route.Route | str = "--no-replication"  # the fast path's route, or why it is not taken


@dataclass(frozen=True)
class RestoreResult:
    restored: int
    skipped_expired: int
    functions: int
    persisted: str
    target_keys: int
    method: str = "RESTORE"  # or "replication" (`infra.ops.restore_sync`)


def need_of(summary: rdb.Summary) -> write_guard.Need:
    """What replaying `summary`'s backup writes: its keys, one connection per database it uses (plus the command's
    own), each carrying at most the largest value in one RESTORE."""
    return write_guard.Need(
        "the backup", write_guard.data_bytes(summary.keys, summary.value_bytes, summary.elements),
        connections=len(summary.keys_per_db) + 1, largest_argument=summary.largest_value,
        highest_db=max(summary.keys_per_db, default=0),
        fix="restore into a server with more memory (redis.maxmemory in the stack config, then `make up`) or free "
            "memory in the target first")


def run(target: Target, path: Path, *, use_manifest: bool = True, force: bool = False,
        confirm: Callable[[Plan], bool] = lambda _: True, progress: Callable[[str], None] = lambda _: None,
        now_ms: Callable[[], int] = lambda: int(time.time() * 1000),
        replication: str = sync_route.OFF) -> RestoreResult:
    """Check the file; refuse a target holding keys (unless `force`: same-named keys are replaced, others stay) or one
    the backup does not fit; ask `confirm`; probe that the target reads the backup's RDB version; replay, watching for
    evictions; then wait until it is on disk. Nothing is written before the probe, which writes only its own
    throwaway key."""
    manifest, summary = check_file(path, use_manifest=use_manifest)
    client = target.operator_client()
    info = _info(client)
    verdict = write_guard.check(info, need_of(summary), write_guard.selector(target))
    state = verdict.state
    if reason := write_guard.unwritable(state):  # before "not empty": a loading server already shows keys
        raise RestoreError(f"nothing was written: {reason}")
    if state.keys and not force:
        raise RestoreError(f"the target already holds {state.keys:,} keys; refusing to mix a backup into live data. "
                           "Pass --force to restore anyway (keys of the same name are replaced, others stay: "
                           "FLUSHALL is denied to the app by design; flushing is an admin action, docs/operations.md)")
    if verdict.problem:
        raise RestoreError(f"nothing was written: {verdict.problem}")
    route = "--force" if force else sync_route.choose(target, client, info, replication)
    if not confirm(Plan(path, manifest, summary, state, replace=force, fit=verdict.fit, route=route)):
        raise Cancelled("restore cancelled; nothing was written")
    probe_version(client, summary.version, state.version)
    if isinstance(route, sync_route.Route):  # an empty target: it may load the file itself (`infra.ops.restore_sync`)
        try:
            loaded = restore_sync.run(client, path, summary, state, route, target.timeout, progress)
            return RestoreResult(loaded.keys, loaded.expired, summary.functions, loaded.persisted, loaded.target_keys,
                                 "replication")
        except restore_sync.Interrupted as stop:
            raise Interrupted(str(stop)) from None
        except restore_sync.Fallback as why:
            progress(f"not loading by replication: {why}; restoring with RESTORE instead")
    tally, watch = Tally(), write_guard.Watch(client, state)

    def no_evictions(so_far: Tally, stats: Any) -> None:
        evicted = watch.evicted(stats if isinstance(stats, bytes) else None)
        if evicted:
            raise ReplayError(f"the target evicted {evicted:,} keys (maxmemory "
                              f"{mib(state.maxmemory, 0)} MiB, policy {state.policy}): keys were lost, "
                              "the restored ones or the app's")

    try:
        with rdb.mapped(path) as data:
            replay(target, data, replace=force, tally=tally, after_batch=no_evictions, progress=progress,
                   now_ms=now_ms, probe=write_guard.Watch.PROBE)
    except KeyboardInterrupt:
        raise Interrupted(stopped("restore interrupted", tally, summary, state, force)) from None
    except (ReplayError, redis.RedisError, OSError) as error:
        raise RestoreError(stopped(str(error), tally, summary, state, force)) from None
    try:
        persisted = persist(client, state.aof_enabled)
    except KeyboardInterrupt:
        step = "AOF rewrite" if state.aof_enabled else "BGSAVE"
        raise Interrupted(f"restore interrupted while waiting for the {step}: all {tally.restored:,} keys are written, "
                          f"but the {step} was not awaited (the server goes on with it if it started): check INFO "
                          "persistence before relying on the restore surviving a restart") from None
    return RestoreResult(tally.restored, tally.expired, tally.functions, persisted,
                         write_guard.ServerState.from_info(_info(client)).keys)


def _info(client: redis.Redis) -> dict[str, Any]:
    return cast(dict[str, Any], client.info())


def stopped(reason: str, tally: Tally, summary: rdb.Summary, before: write_guard.ServerState, force: bool) -> str:
    """The one message for a restore that did not finish: what was written, what was not, how to resume or undo."""
    written = f"{tally.restored:,} of {summary.keys:,} keys were written"
    if tally.in_flight:
        written += f" (and up to {tally.in_flight:,} more, sent but unconfirmed)"
    undo = ("to undo, delete those keys (the target held none before, so every key in it came from this backup)"
            if not before.keys else
            f"the target held {before.keys:,} keys before: those not in the backup are untouched"
            + (", those of the same name were replaced" if force else ""))
    persisted = "the AOF was not rewritten" if before.aof_enabled else "no BGSAVE was run (AOF is off)"
    return (f"{reason}; {written}; {persisted}. To resume, fix the cause and run the same restore with "
            f"--force (keys already restored are replaced with the same values); {undo}")
