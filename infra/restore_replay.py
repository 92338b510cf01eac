"""The replay loop of `restore`: every key of a backup as `RESTORE key ttl payload ABSTTL` (+ IDLETIME/FREQ), pipelined
per database, and every function library as `FUNCTION LOAD REPLACE`.

Kept apart from the safety around it (`infra.restore`, `infra.write_guard`) so the loop can be made faster without
touching the checks: it counts what the server has confirmed in a `Tally` (what a stop or Ctrl-C reports), and calls
`after_batch` once a batch's replies are read (where the restore watches for evictions). A reply error stops it.
"""

from __future__ import annotations

import mmap
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import redis

from infra import rdb

BATCH = 1000


class ReplayError(RuntimeError):
    """The server refused a RESTORE (the keys before it were written)."""


@dataclass
class Tally:
    restored: int = 0  # confirmed by the server
    expired: int = 0  # skipped: already past their expiry time
    functions: int = 0
    in_flight: int = 0  # sent in the batch whose replies were not read yet: written or not, nobody knows


def restore_args(key: rdb.Key, version: int, replace: bool) -> list[Any]:
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


def replay(target: Any, data: bytes | mmap.mmap, *, replace: bool, tally: Tally | None = None,
           after_batch: Callable[[Tally], None] = lambda _: None, progress: Callable[[str], None] = lambda _: None,
           now_ms: Callable[[], int] = lambda: int(time.time() * 1000)) -> Tally:
    """RESTORE every key and FUNCTION LOAD every library of `data` into `target`; returns the tally."""
    version = rdb.version_of(data)
    tally = tally if tally is not None else Tally()
    clients: dict[int, redis.Redis] = {}
    try:
        for batch in _batches(rdb.records(data), BATCH):
            pipes: dict[int, Any] = {}
            sent: dict[int, list[bytes]] = {}
            for record in batch:
                if isinstance(record, rdb.Function):
                    _client(clients, target, 0).execute_command("FUNCTION", "LOAD", "REPLACE", record.code)
                    tally.functions += 1
                    continue
                if record.expire_ms and record.expire_ms <= now_ms():
                    tally.expired += 1
                    continue
                pipe = pipes.get(record.db) or pipes.setdefault(
                    record.db, _client(clients, target, record.db).pipeline(transaction=False))
                pipe.execute_command(*restore_args(record, version, replace))
                sent.setdefault(record.db, []).append(record.key)
            for db, pipe in pipes.items():
                tally.in_flight = len(sent[db])  # a Ctrl-C inside execute() leaves these unknown
                replies = pipe.execute(raise_on_error=False)
                tally.in_flight = 0
                failed = [(key, reply) for key, reply in zip(sent[db], replies, strict=True)
                          if isinstance(reply, Exception)]
                tally.restored += len(replies) - len(failed)  # the pipeline ran on past an error: count those too
                if failed:
                    key, reply = failed[0]
                    raise ReplayError(f"the target refused RESTORE of {len(failed):,} key(s), the first "
                                      f"{key.decode(errors='replace')!r} (db {db}): {type(reply).__name__}: {reply}")
            after_batch(tally)
            progress(f"restored {tally.restored:,} keys")
    finally:
        for client in clients.values():
            client.close()
    return tally


def _client(clients: dict[int, redis.Redis], target: Any, db: int) -> redis.Redis:
    if db not in clients:
        clients[db] = target.client(target.password, db=db)
    return clients[db]
