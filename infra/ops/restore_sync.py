"""`restore`'s fast path: the target loads the backup by replication, at the speed it loads an RDB at start-up.

The target is told `REPLICAOF <this tool> <port>` (`infra.ops.sync_master` plays the master for exactly one full sync),
receives the file, loads it, is checked, then is promoted back with `REPLICAOF NO ONE`; as any replica after a sync
it rewrites its AOF by itself, which is awaited. Order, and why:
1. `REPLICAOF` first: a replica refuses clients' writes at once (`slave_read_only:1` is checked; without it the fast
   path is abandoned). Refused (a disabled command, NOPERM, ElastiCache) → `Fallback`: the RESTORE path runs.
2. The replica's connection is accepted (one, from the target's address) and its handshake answered, but the PSYNC
   reply is held while the target is checked again: still no keys and no functions. Only then is anything sent; a
   key written in between aborts with nothing flushed (a replica empties its data only once the transfer is whole).
3. `+FULLRESYNC` and the length go out, and the target's own INFO must show that transfer (`master_sync_total_bytes`
   equal to the file's size) before one byte of the backup is sent: the accepted connection is provably the
   target's.
4. The file is streamed; while the target loads, a newline a second keeps the link alive. Loaded means
   `loading:0`, `master_link_status:up` and, per database, exactly the backup's key count (a replica keeps keys past
   their TTL: the master expires them), read while it is still a read-only replica.
5. `REPLICAOF NO ONE`; `evicted_keys` must not have moved (a replica never evicts: the pre-flight fit check is what
   keeps evictions out once it is a primary); then the target's own AOF rewrite (`aof_rewrites` past its count before
   the sync, none in progress or scheduled, status ok), or with AOF off a BGSAVE.
Any failure or Ctrl-C closes the link and promotes the target back (retried while it is still loading, with Ctrl-C
held) and says what it holds: empty as before, the whole backup, or a part.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, cast

import redis

from infra.ops import rdb, sync_outcome, write_guard
from infra.ops.restore_steps import POLL_SECONDS, RestoreError
from infra.ops.sync_master import Link, SyncError
from infra.ops.sync_outcome import Loaded, keys_of
from infra.ops.sync_route import Route

CONNECT_SECONDS = 5.0  # a replica connects within milliseconds of REPLICAOF, and retries every second
PROOF_SECONDS = 5.0
KEEPALIVE_SECONDS = 1.0
PROGRESS_SECONDS = 0.5


class Fallback(Exception):
    """The fast path was not taken, or abandoned before anything was sent: the target is as it was."""


class Interrupted(Exception):
    """Ctrl-C during the fast path: the message says what the target holds."""


def _info(client: redis.Redis, *sections: str) -> dict[str, Any]:
    return cast(dict[str, Any], client.info(*sections) if sections else client.info())


class _Sync:
    def __init__(self, client: redis.Redis, summary: rdb.Summary, state: write_guard.ServerState, timeout: float,
                 progress: Callable[[str], None]):
        self.client, self.summary, self.state, self.timeout, self.progress = client, summary, state, timeout, progress
        self.link: Link | None = None
        self.sending = False  # from the first byte of the backup on, the target may hold some of it
        self.promoted = False

    def run(self, path: Path, route: Route) -> Loaded:
        before = _info(self.client, "persistence", "stats")
        try:
            self.link = Link(route.listen, route.peer, self.timeout)
        except OSError as error:
            raise Fallback(f"cannot listen on {route.listen}: {error.strerror or error}") from None
        try:
            self.client.execute_command("REPLICAOF", route.listen, self.link.port)
        except redis.ResponseError as error:  # unknown (renamed away), NOPERM, ElastiCache's refusal
            self.link.close()
            raise Fallback(f"the target refused REPLICAOF ({error})") from None
        except KeyboardInterrupt:  # it may have been applied: promote back
            raise Interrupted(self._abort("restore interrupted")) from None
        except (redis.RedisError, OSError) as error:
            raise RestoreError(self._abort(f"REPLICAOF failed: {error}")) from None
        try:
            self._sync(path, self.link, route)
        except Fallback as why:
            message = self._abort(str(why))
            if not self.promoted:  # the RESTORE path cannot write into a replica
                raise RestoreError(message) from None
            raise
        except KeyboardInterrupt:
            raise Interrupted(self._abort("restore interrupted")) from None
        except (SyncError, redis.RedisError, OSError) as error:
            raise RestoreError(self._abort(f"the sync failed: {error}")) from None
        finally:
            self.link.close()
        return self._finish(before)

    def _sync(self, path: Path, link: Link, route: Route) -> None:
        if not int(_info(self.client, "replication").get("slave_read_only", 0)):
            raise Fallback("the target takes clients' writes as a replica (replica-read-only no): an app write "
                           "could land just before the sync empties it")
        try:
            link.accept(time.monotonic() + CONNECT_SECONDS)
            link.handshake()
        except SyncError as error:
            raise Fallback(str(error)) from None
        keys = keys_of(_info(self.client, "keyspace"))
        if keys or self.client.execute_command("FUNCTION", "LIST"):
            raise SyncError(f"the target received {sum(keys.values()):,} keys (or a function) after the check, "
                            "before the sync: an app is writing to it")
        size = path.stat().st_size
        link.begin(size)
        self._prove(size, route, link.port)
        self.progress(f"sending the backup ({size / 1e6:,.1f} MB) to the target by replication")
        self.sending = True
        link.stream(path, size)
        self._wait_loaded(link)
        self.client.execute_command("REPLICAOF", "NO", "ONE")

    def _prove(self, size: int, route: Route, port: int) -> None:
        deadline = time.monotonic() + PROOF_SECONDS
        while True:
            info = _info(self.client, "replication")
            if (int(info.get("master_sync_in_progress", 0)) and info.get("master_sync_total_bytes") == size
                    and str(info.get("master_host")) == route.listen and info.get("master_port") == port):
                return
            if time.monotonic() > deadline:
                raise Fallback("the target's INFO did not show this link's transfer: the connection was not the "
                               "target's; nothing was sent")
            time.sleep(POLL_SECONDS / 4)

    def _wait_loaded(self, link: Link) -> None:
        moved = kept = reported = time.monotonic()
        mark: tuple[Any, ...] = ()
        while True:
            info = _info(self.client)
            loading, up = int(info.get("loading", 0)), info.get("master_link_status") == "up"
            if not loading and up:
                break
            if not loading and not int(info.get("master_sync_in_progress", 0)):
                raise SyncError("the target gave up the sync (its log says why, e.g. disk space for the file)")
            now = time.monotonic()
            if (new := (info.get("master_sync_read_bytes"), info.get("loading_loaded_bytes"), loading)) != mark:
                mark, moved = new, now
            elif now - moved > self.timeout:
                raise SyncError(f"the target made no progress for {self.timeout:g} s")
            if now - kept >= KEEPALIVE_SECONDS:
                if not link.keepalive():
                    raise SyncError("the target closed the replication link")
                kept = now
            if loading and now - reported >= PROGRESS_SECONDS:
                self.progress(f"the target is loading the backup: {info.get('loading_loaded_perc', '?')} %")
                reported = now
            time.sleep(POLL_SECONDS)
        if (keys := keys_of(info)) != {db: n for db, n in self.summary.keys_per_db.items() if n}:
            raise SyncError(f"the target holds {sum(keys.values()):,} keys after the sync (per db {keys}), the backup "
                            f"{self.summary.keys:,}")

    def _finish(self, before: dict[str, Any]) -> Loaded:
        try:
            return sync_outcome.finish(self.client, self.summary, self.state, before)
        except KeyboardInterrupt:
            raise Interrupted("restore interrupted while waiting for the target's AOF rewrite: "
                              + sync_outcome.whole(self.summary, self.state) + "; " + sync_outcome.PRIMARY) from None

    def _abort(self, reason: str) -> str:
        """Close the link, promote the target back and say what it holds (`sync_outcome.abort`)."""
        if self.link is not None:
            self.link.close()
        message, self.promoted = sync_outcome.abort(self.client, self.summary, self.state, self.sending, reason)
        return message

def run(client: redis.Redis, path: Path, summary: rdb.Summary, state: write_guard.ServerState, route: Route,
        timeout: float, progress: Callable[[str], None] = lambda _: None) -> Loaded:
    """Load `path` into the (empty, checked) target by replication; `Fallback` when nothing happened and the RESTORE
    path may run instead, `RestoreError` or `Interrupted` with what the target holds."""
    return _Sync(client, summary, state, timeout, progress).run(path, route)
