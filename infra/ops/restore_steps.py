"""The steps of a restore around its replay (`infra.ops.restore` runs them in order): check the file (its sha256
against the manifest, on another core while the walk checks every value and the RDB's CRC64), probe that the target
reads the backup's RDB version, and afterwards wait until the restored data is on disk.
"""

from __future__ import annotations

import concurrent.futures
import secrets
import threading
import time
from pathlib import Path
from typing import Any, Callable, cast

import redis

from infra.ops import backup_store
from infra.ops import rdb

PERSIST_TIMEOUT = 600.0
# How often the persist step asks again: a rewrite of a large restore takes seconds, and every poll interval is added
# to the restore's time on average half over (INFO persistence is cheap; measured for issue #19, 0.2 s polls cost
# ~0.1 s a restore).
RETRY_SECONDS, POLL_SECONDS = 0.05, 0.02


class RestoreError(RuntimeError):
    """The backup is unusable or the target refused it."""


def check_file(path: Path, *, use_manifest: bool = True) -> tuple[dict[str, Any] | None, rdb.Summary]:
    """Refuse a file whose sha256 differs from its manifest, or that is not a complete RDB (every value walked,
    its CRC64 checked)."""
    if not path.is_file():
        raise RestoreError(f"{path} does not exist")
    manifest, digest = None, concurrent.futures.Future[str]()
    if use_manifest:
        try:
            manifest = backup_store.load_manifest(path)
        except (FileNotFoundError, ValueError) as error:
            raise RestoreError(str(error)) from None
        # hashlib releases the GIL: the sha256 runs on the other core while the walk below runs on this one
        threading.Thread(target=_hash_into, args=(path, digest), daemon=True).start()
    walked: rdb.Summary | rdb.RdbError
    try:
        with rdb.mapped(path) as data:
            walked = rdb.scan(data)
    except rdb.RdbError as error:
        walked = error
    if manifest is not None and (actual := digest.result()) != manifest.get("sha256"):  # the likelier cause first
        raise RestoreError(f"{path.name}: sha256 {actual[:16]}… differs from its manifest "
                           f"({str(manifest.get('sha256'))[:16]}…): the file is corrupted or was changed; "
                           "restore another backup")
    if isinstance(walked, rdb.RdbError):
        raise RestoreError(f"{path.name}: {walked}")
    summary = walked
    if manifest is not None and manifest.get("keys") != summary.keys:
        raise RestoreError(f"{path.name} holds {summary.keys} keys but its manifest says {manifest.get('keys')}")
    return manifest, summary


def _hash_into(path: Path, digest: concurrent.futures.Future[str]) -> None:
    try:
        digest.set_result(backup_store.sha256_file(path))
    except BaseException as error:  # noqa: BLE001 — handed to the waiting thread, which raises it
        digest.set_exception(error)


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
                sleep(RETRY_SECONDS)
        while True:
            info = cast(dict[str, Any], client.info("persistence"))
            if not info.get("aof_rewrite_in_progress") and not info.get("aof_rewrite_scheduled"):
                if info.get("aof_last_bgrewrite_status") != "ok":
                    raise RestoreError("the AOF rewrite failed; check the server's log and disk space")
                return "AOF rewritten (the restored keys are in a fsynced AOF base file)"
            if time.monotonic() > deadline:
                raise RestoreError(f"the AOF rewrite did not finish within {timeout:.0f}s")
            sleep(POLL_SECONDS)
    started = cast(tuple[int, int], client.time())[0]  # server clock: LASTSAVE is in its seconds
    client.execute_command("BGSAVE", "SCHEDULE")  # SCHEDULE: queued, not refused, if an AOF rewrite is running
    while True:
        info = cast(dict[str, Any], client.info("persistence"))
        if not info.get("rdb_bgsave_in_progress") and info.get("rdb_last_save_time", 0) >= started:
            break
        if time.monotonic() > deadline:
            raise RestoreError(f"BGSAVE did not finish within {timeout:.0f}s")
        sleep(POLL_SECONDS)
    if info.get("rdb_last_bgsave_status") != "ok":
        raise RestoreError("BGSAVE failed; check the server's log and disk space")
    return "RDB saved (AOF is off on this server: enable it so restores and writes survive a crash)"
