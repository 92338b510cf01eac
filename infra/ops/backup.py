"""Back up a self-hosted Redis over the network: the replication-protocol RDB transfer `redis-cli --rdb` uses.

Why not BGSAVE + LASTSAVE: that leaves the snapshot on the server's disk (inside a Docker volume), useless to an
operator on another machine. `SYNC` makes the server fork a point-in-time snapshot (the same BGSAVE) and stream it to
us; `REPLCONF rdb-only 1` (Redis >= 7.0, src/replication.c) tells it we want only the RDB, not the command stream
after it. Both are allowed by the hardened config (`REQUIRED_COMMANDS`). Doing it in Python reuses the stack's
connection settings (TLS, AUTH) and keeps the password out of argv. The file is checked end to end (`rdb.scan`:
every value, the RDB's own CRC64) before it gets its final name; only then are older backups pruned
(`infra.ops.backup_retention`), and only when this machine's clock agrees with the server's (the RDB's `ctime`).
Ctrl-C before the commit removes the partial file and re-raises; from the commit on, `take` returns the complete
backup with `retention.interrupted` set, so the caller can say exactly what was left.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Callable, cast

import redis

from infra import clock
from infra.ops import backup_retention
from infra.ops import backup_store
from infra.ops import interrupts
from infra.ops import rdb
from infra.ops.backup_retention import Retention
from infra.endpoint import Target

Progress = Callable[[str], None]
CHUNK = 1 << 16


class BackupError(RuntimeError):
    """The backup could not be taken or did not check out; nothing was pruned."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    retention: Retention

    @property
    def pruned(self) -> list[str]:
        return self.retention.pruned


def _read_header(sock: Any, progress: Progress) -> bytes:
    """The reply to SYNC: newlines (keepalives while the server forks its snapshot), then `$<length>\\r\\n`."""
    line, waited = b"", 0
    while not line.endswith(b"\r\n"):
        byte = sock.recv(1)
        if not byte:
            raise BackupError("the server closed the connection before sending a snapshot")
        if byte == b"\n" and not line:
            waited += 1
            progress(f"waiting for the server to write its snapshot ({waited}s)")
            continue
        line += byte
    return line[:-2]


def stream_rdb(target: Target, out: BinaryIO, progress: Progress = lambda _: None) -> tuple[int, str]:
    """Write the server's snapshot to `out`; returns (size, sha256)."""
    conn = target.operator_client().connection_pool.make_connection()
    try:
        conn.connect()  # TLS and AUTH exactly as every other command of this tool
        try:
            conn.send_command("REPLCONF", "rdb-only", "1")
            conn.read_response()
        except redis.ResponseError:
            pass  # before 7.0: the command stream follows the RDB; we stop reading at the RDB's end anyway
        conn.send_command("SYNC")
        sock = conn._sock  # type: ignore[attr-defined]  # noqa: SLF001 — the RDB is raw bytes after a bulk header, not a RESP reply
        header = _read_header(sock, progress)
        if header.startswith(b"-"):
            raise BackupError(f"the server refused SYNC: {header[1:].decode(errors='replace')}")
        if header.startswith(b"$EOF:"):  # only sent to replicas announcing `capa eof`, which we never do
            raise BackupError("the server sent a diskless (EOF-marked) transfer this tool did not ask for")
        if not header.startswith(b"$") or not header[1:].isdigit():
            raise BackupError(f"unexpected reply to SYNC: {header[:80]!r}")
        size, received, digest, last = int(header[1:]), 0, hashlib.sha256(), 0.0
        while received < size:
            chunk = sock.recv(min(CHUNK, size - received))
            if not chunk:
                raise BackupError(f"the connection closed after {received} of {size} bytes")
            out.write(chunk)
            digest.update(chunk)
            received += len(chunk)
            if time.monotonic() - last >= 1 or received == size:
                progress(f"received {received:,} of {size:,} bytes")
                last = time.monotonic()
        return size, digest.hexdigest()
    finally:
        conn.disconnect()


def take(target: Target, dest: Path, label: str, keep_days: int, progress: Progress = lambda _: None,
         now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> BackupResult:
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    server = cast(dict[str, Any], target.operator_client().info("server"))
    started = now()
    final = backup_store.new_name(dest, label, started)
    partial, handle = backup_store.open_partial(final)
    committed = False
    try:
        with handle:
            size, sha256 = stream_rdb(target, handle, progress)
            handle.flush()
            os.fsync(handle.fileno())
        progress("checking the snapshot (every value and the RDB checksum)")
        summary = _check(partial, size)
        manifest = _manifest(final, label, started, size, sha256, summary, server, target)
        with interrupts.held() as hold:  # data and manifest get their names together, or not at all
            backup_store.commit(partial, final, manifest)
            committed = True
        if hold.interrupted:
            raise KeyboardInterrupt
        return BackupResult(final, manifest, _retain(dest, label, keep_days, started, summary, now(), final))
    except KeyboardInterrupt:
        if not committed:
            partial.unlink(missing_ok=True)
            raise
        return BackupResult(final, manifest, Retention(interrupted=True))
    except BaseException:
        if not committed:
            partial.unlink(missing_ok=True)
        raise


def _retain(dest: Path, label: str, keep_days: int, started: datetime, summary: rdb.Summary, now: datetime,
            final: Path) -> Retention:
    problem = clock.clock_problem(started, clock.rdb_clock(summary.aux.get("ctime")))
    if problem:
        return Retention(warnings=[problem])
    try:
        return backup_retention.apply(dest, label, keep_days, now, keep=final)
    except (ValueError, OverflowError) as error:  # the backup is complete whatever went wrong here
        return Retention(errors=[f"retention failed: {error}"])


def _manifest(final: Path, label: str, started: datetime, size: int, sha256: str, summary: rdb.Summary,
              server: dict[str, Any], target: Target) -> dict[str, Any]:
    return {
        "format": backup_store.FORMAT,
        "file": final.name,
        "label": label,
        "created_at": started.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "size": size,
        "sha256": sha256,
        "keys": summary.keys,
        "keys_per_db": {str(db): n for db, n in sorted(summary.keys_per_db.items())},
        "types": dict(sorted(summary.types.items())),
        "functions": summary.functions,
        "rdb_version": summary.version,
        "rdb_checksum": summary.checksum,
        "server_version": server.get("redis_version"),
        "source": f"{target.host}:{target.port}",
    }


def _check(path: Path, size: int) -> rdb.Summary:
    if path.stat().st_size != size:
        raise BackupError(f"wrote {path.stat().st_size} bytes but the server announced {size}")
    try:
        with rdb.mapped(path) as buf:
            return rdb.scan(buf)
    except rdb.RdbError as error:
        raise BackupError(f"the snapshot did not check out: {error}") from None
