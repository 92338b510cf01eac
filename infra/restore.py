"""Restore a backup into the stack's *running* Redis, so the data is live and persisted by its own AOF.

The guide's restore (copy dump.rdb back, restart) is broken on Redis 7: with `appendonly yes` and no AOF directory the
server starts empty and ignores dump.rdb, and CONFIG is disabled here so AOF cannot be toggled at runtime. Instead
each key's RDB encoding is replayed with `RESTORE key 0 payload ABSTTL` (+ IDLETIME/FREQ), which the running server
logs to its AOF like any write. No local redis-server is needed, so the local server's version does not matter (the
Debian 7.0 here cannot read the RDB v11 that the dev image, Redis 7.2, writes); the *target* checks every payload's
version and CRC itself, and a one-key probe refuses an incompatible target before anything is written. Afterwards an
AOF rewrite (or, with AOF off, a BGSAVE) is awaited, so the restore is on disk when the command returns. `run` keeps
these steps in the only safe order; the `restore` command only asks for confirmation and prints the result.
"""

from __future__ import annotations

import mmap
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, cast

import redis

from infra import backup_store, rdb
from infra.verify import Target

BATCH = 1000
PERSIST_TIMEOUT = 600.0


class RestoreError(RuntimeError):
    """The backup is unusable or the target refused it."""


@dataclass(frozen=True)
class TargetState:
    version: str
    keys: int
    aof_enabled: bool


class Cancelled(RestoreError):
    """The operator did not confirm; nothing was written."""


@dataclass(frozen=True)
class Plan:
    """What a restore is about to do, shown to the operator before anything is written."""
    path: Path
    manifest: dict[str, Any] | None
    summary: rdb.Summary
    target: TargetState
    replace: bool


@dataclass(frozen=True)
class RestoreResult:
    restored: int
    skipped_expired: int
    functions: int
    persisted: str
    target_keys: int


def run(target: Target, path: Path, *, use_manifest: bool = True, force: bool = False,
        confirm: Callable[[Plan], bool] = lambda _: True, progress: Callable[[str], None] = lambda _: None,
        now_ms: Callable[[], int] = lambda: int(time.time() * 1000)) -> RestoreResult:
    """Check the file, refuse a target holding keys (unless `force`: same-named keys are replaced, others stay), ask
    `confirm`, probe that the target reads the backup's RDB version, replay, then wait until it is on disk. Nothing is
    written before the probe, and the probe writes only its own throwaway key."""
    manifest, summary = check_file(path, use_manifest=use_manifest)
    client = target.client(target.password)
    state = target_state(client)
    if state.keys and not force:
        raise RestoreError(f"the target already holds {state.keys:,} keys; refusing to mix a backup into live data. "
                           "Pass --force to restore anyway (keys of the same name are replaced, others stay: "
                           "FLUSHALL is disabled on these servers by design)")
    if not confirm(Plan(path, manifest, summary, state, replace=force)):
        raise Cancelled("restore cancelled; nothing was written")
    probe_version(client, summary.version, state.version)
    with rdb.mapped(path) as data:
        restored, expired, functions = replay(target, data, replace=force, progress=progress, now_ms=now_ms)
    persisted = persist(client, state.aof_enabled)
    return RestoreResult(restored, expired, functions, persisted, target_state(client).keys)


def check_file(path: Path, *, use_manifest: bool = True) -> tuple[dict[str, Any] | None, rdb.Summary]:
    """Refuse a file whose sha256 differs from its manifest, or that is not a complete RDB (every value walked,
    its CRC64 checked)."""
    if not path.is_file():
        raise RestoreError(f"{path} does not exist")
    manifest = None
    if use_manifest:
        try:
            manifest = backup_store.load_manifest(path)
        except (FileNotFoundError, ValueError) as error:
            raise RestoreError(str(error)) from None
        actual = backup_store.sha256_file(path)
        if actual != manifest.get("sha256"):
            raise RestoreError(f"{path.name}: sha256 {actual[:16]}… differs from its manifest "
                               f"({str(manifest.get('sha256'))[:16]}…): the file is corrupted or was changed; "
                               "restore another backup")
    try:
        with rdb.mapped(path) as data:
            summary = rdb.scan(data)
    except rdb.RdbError as error:
        raise RestoreError(f"{path.name}: {error}") from None
    if manifest is not None and manifest.get("keys") != summary.keys:
        raise RestoreError(f"{path.name} holds {summary.keys} keys but its manifest says {manifest.get('keys')}")
    return manifest, summary


def target_state(client: redis.Redis) -> TargetState:
    info = cast(dict[str, Any], client.info("all"))
    keys = sum(v.get("keys", 0) for k, v in info.items() if k.startswith("db") and isinstance(v, dict))
    return TargetState(str(info.get("redis_version")), keys, bool(info.get("aof_enabled")))


def probe_version(client: redis.Redis, version: int, target_version: str) -> None:
    """RESTORE one tiny string payload carrying the backup's RDB version under a random key (deleted at once, and
    with a 60 s TTL should the DEL not arrive): the target itself says whether it reads that version."""
    probe = rdb.Key(0, b"", 0, b"\x01x").payload(version)
    key = f"profwise:restore-probe:{secrets.token_hex(8)}"
    try:
        client.execute_command("RESTORE", key, 60_000, probe)
    except redis.ResponseError as error:
        if "payload version" in str(error):
            raise RestoreError(
                f"the backup is RDB v{version} (written by {rdb.WRITTEN_BY.get(version, 'a newer Redis')}), which "
                f"the target (Redis {target_version}) cannot read: restore into a server at least as new as the one "
                "that was backed up (e.g. set docker.image to that redis:7.x-alpine tag and `make up`)") from None
        raise RestoreError(f"the target refused RESTORE: {error}") from None
    finally:
        client.delete(key)


def _restore_args(key: rdb.Key, version: int, replace: bool) -> list[Any]:
    args: list[Any] = ["RESTORE", key.key, key.expire_ms or 0, key.payload(version)]
    if replace:
        args.append("REPLACE")
    if key.expire_ms:
        args.append("ABSTTL")  # the file holds absolute unix-ms expiry times
    if key.idle_seconds is not None:
        args += ["IDLETIME", key.idle_seconds]
    elif key.freq is not None:
        args += ["FREQ", key.freq]
    return args


def _batches(records: Iterator[rdb.Key | rdb.Function], size: int) -> Iterator[list[rdb.Key | rdb.Function]]:
    batch: list[rdb.Key | rdb.Function] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def replay(target: Target, data: bytes | mmap.mmap, *, replace: bool, progress: Callable[[str], None] = lambda _: None,
           now_ms: Callable[[], int] = lambda: int(time.time() * 1000)) -> tuple[int, int, int]:
    """RESTORE every key (per database, pipelined) and FUNCTION LOAD every library; returns
    (restored, skipped because already expired, functions)."""
    version = rdb.version_of(data)
    clients: dict[int, redis.Redis] = {}
    restored = expired = functions = 0
    for batch in _batches(rdb.records(data), BATCH):
        pipes: dict[int, Any] = {}
        sent: dict[int, list[bytes]] = {}
        for record in batch:
            if isinstance(record, rdb.Function):
                _client(clients, target, 0).execute_command("FUNCTION", "LOAD", "REPLACE", record.code)
                functions += 1
                continue
            if record.expire_ms and record.expire_ms <= now_ms():
                expired += 1
                continue
            pipe = pipes.get(record.db) or pipes.setdefault(record.db, _client(clients, target, record.db).pipeline(
                transaction=False))
            pipe.execute_command(*_restore_args(record, version, replace))
            sent.setdefault(record.db, []).append(record.key)
        for db, pipe in pipes.items():
            for key, reply in zip(sent[db], pipe.execute(raise_on_error=False), strict=True):
                if isinstance(reply, Exception):
                    name = key.decode(errors="replace")
                    raise RestoreError(f"RESTORE of key {name!r} (db {db}) failed after {restored} keys: {reply}")
                restored += 1
        progress(f"restored {restored:,} keys")
    return restored, expired, functions


def _client(clients: dict[int, redis.Redis], target: Target, db: int) -> redis.Redis:
    if db not in clients:
        clients[db] = target.client(target.password, db=db)
    return clients[db]


def persist(client: redis.Redis, aof_enabled: bool, timeout: float = PERSIST_TIMEOUT,
            sleep: Callable[[float], None] = time.sleep) -> str:
    """Wait until the restored data is on disk: an AOF rewrite (a fresh, fsynced base holding every key), or with
    AOF off a BGSAVE. Both are in REQUIRED_COMMANDS."""
    deadline = time.monotonic() + timeout
    if aof_enabled:
        while True:
            try:
                client.execute_command("BGREWRITEAOF")
                break
            except redis.ResponseError as error:  # a rewrite is already running: it may predate our writes
                if "already in progress" not in str(error) or time.monotonic() > deadline:
                    raise RestoreError(f"could not rewrite the AOF: {error}") from None
                sleep(0.2)
        while True:
            info = cast(dict[str, Any], client.info("persistence"))
            if not info.get("aof_rewrite_in_progress") and not info.get("aof_rewrite_scheduled"):
                if info.get("aof_last_bgrewrite_status") != "ok":
                    raise RestoreError("the AOF rewrite failed; check the server's log and disk space")
                return "AOF rewritten (the restored keys are in a fsynced AOF base file)"
            if time.monotonic() > deadline:
                raise RestoreError(f"the AOF rewrite did not finish within {timeout:.0f}s")
            sleep(0.1)
    started = cast(tuple[int, int], client.time())[0]  # server clock: LASTSAVE is in its seconds
    client.execute_command("BGSAVE", "SCHEDULE")  # SCHEDULE: queued, not refused, if an AOF rewrite is running
    while True:
        info = cast(dict[str, Any], client.info("persistence"))
        if not info.get("rdb_bgsave_in_progress") and info.get("rdb_last_save_time", 0) >= started:
            break
        if time.monotonic() > deadline:
            raise RestoreError(f"BGSAVE did not finish within {timeout:.0f}s")
        sleep(0.1)
    if info.get("rdb_last_bgsave_status") != "ok":
        raise RestoreError("BGSAVE failed; check the server's log and disk space")
    return "RDB saved (AOF is off on this server: enable it so restores and writes survive a crash)"
