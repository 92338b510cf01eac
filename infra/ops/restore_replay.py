"""The replay loop of `restore`: every key of a backup as `RESTORE key ttl payload ABSTTL` (+ IDLETIME/FREQ), and
every function library as `FUNCTION LOAD REPLACE`, streamed from the file in file order.

Kept apart from the safety around it (`infra.ops.restore`, `infra.ops.write_guard`) so the loop can be fast without
touching the checks. Keys go out in batches (at most BATCH keys or BATCH_BYTES of values, from `rdb.batches`) on one
connection per database (`infra.ops.rdb.wire`), up to WINDOW batches in flight: the server works on one batch while
the next is read from the file and encoded, and the replies of the oldest are read. Memory stays bounded by the
window, whatever the backup's size (the walk drops the mmap pages it has passed). What the server confirmed and what
is still in flight are counted in a `Tally` (what a stop or Ctrl-C reports). Each batch can end with a `probe`
command; `after_batch(tally, reply)` runs once a batch's replies and the probe's are read (restore probes `INFO
stats` and stops on an eviction: in band, so the watch costs no round trip and sees the server right after that
batch). A refused key, or an `after_batch` that raises, stops the sending; the batches already in flight are then
read to the end, so the tally says exactly what was written (a Ctrl-C or a lost connection leaves them counted as in
flight: written or not, nobody knows).
"""

from __future__ import annotations

import contextlib
import mmap
import time
from typing import Any, Callable, Sequence

import redis

from infra.ops import rdb
from infra.ops.rdb.wire import Tally, Wire, encode

__all__ = ["BATCH", "BATCH_BYTES", "WINDOW", "ReplayError", "Tally", "replay"]

BATCH = 1000
BATCH_BYTES = 1 << 20  # a batch of large values stops early: the window's memory stays ~WINDOW MiB
WINDOW = 8  # batches in flight; measured for issue #19 (see README "Performance"): 1 -> 5.3 s, 4 -> 3.2 s, 8 -> 2.9 s
PROGRESS_SECONDS = 0.5
AfterBatch = Callable[[Tally, Any], None]


class ReplayError(RuntimeError):
    """The server refused a RESTORE, or `after_batch` stopped the replay."""


class _Refused(ReplayError):
    """A batch held refused keys: stop sending, read what is in flight, then report (`_Replay.error`)."""


class _Replay:
    def __init__(self, target: Any, tally: Tally, after_batch: AfterBatch, progress: Callable[[str], None],
                 probe: Sequence[str]):
        self.target, self.tally, self.after_batch, self.progress = target, tally, after_batch, progress
        self.probe = probe
        self.wires: dict[int, Wire] = {}
        self.first: tuple[bytes, Exception, int] | None = None  # the first refusal: key, error, db
        self.refused, self.reported = 0, 0.0

    def wire(self, db: int) -> Wire:
        if db not in self.wires:
            self.wires[db] = Wire(self.target.operator_client(db=db), db, self.probe)
        return self.wires[db]

    def _count(self, wire: Wire, failed: list[tuple[bytes, Exception]]) -> None:
        self.refused += len(failed)
        if failed and self.first is None:
            self.first = (*failed[0], wire.db)

    def settle(self, wire: Wire, keep: int) -> None:
        """Read replies until at most `keep` batches are in flight on `wire`; stop at the first refusal."""
        while len(wire.pending) > keep:
            failed, probed = wire.confirm(self.tally)
            if failed:
                self._count(wire, failed)
                raise _Refused()
            self.after_batch(self.tally, probed)
            if time.monotonic() - self.reported >= PROGRESS_SECONDS:
                self.progress(f"restored {self.tally.restored:,} keys")
                self.reported = time.monotonic()

    def drain(self) -> None:
        """After a stop: read what is still in flight, so the tally is exact (refusals counted, not raised)."""
        for wire in self.wires.values():
            while wire.pending:
                try:
                    failed, _ = wire.confirm(self.tally)
                except (redis.RedisError, OSError):
                    break  # the rest stays counted as in flight
                self._count(wire, failed)

    def error(self) -> ReplayError:
        assert self.first is not None
        key, reply, db = self.first
        return ReplayError(f"the target refused RESTORE of {self.refused:,} key(s), the first "
                           f"{key.decode(errors='replace')!r} (db {db}): {type(reply).__name__}: {reply}")

    def load_function(self, code: bytes) -> None:
        for wire in self.wires.values():  # in file order: everything before it is written first
            self.settle(wire, 0)
        client = self.target.operator_client()
        try:
            client.execute_command("FUNCTION", "LOAD", "REPLACE", code)
        finally:
            client.close()
        self.tally.functions += 1

    def close(self) -> None:
        for wire in self.wires.values():
            wire.close()


def replay(target: Any, data: bytes | mmap.mmap, *, replace: bool, tally: Tally | None = None,
           after_batch: AfterBatch = lambda _tally, _probed: None, progress: Callable[[str], None] = lambda _: None,
           now_ms: Callable[[], int] = lambda: int(time.time() * 1000), probe: Sequence[str] = ()) -> Tally:
    """RESTORE every key and FUNCTION LOAD every library of `data` into `target`; returns the tally."""
    version = rdb.version_of(data)
    tally = tally if tally is not None else Tally()
    run, current = _Replay(target, tally, after_batch, progress, probe), None
    try:
        with contextlib.closing(rdb.batches(data, batch_keys=BATCH, batch_bytes=BATCH_BYTES)) as walk:
            for batch in walk:
                if isinstance(batch, rdb.Function):
                    run.load_function(batch.code)
                    continue
                wire = run.wire(batch[0][0])
                if current is not None and current is not wire:
                    run.settle(current, 0)  # one database at a time: the window never spans two connections
                current = wire
                blob, keys, expired = encode(batch, data, version, replace, now_ms())
                tally.expired += expired
                if keys:
                    wire.send(blob, keys, tally)
                run.settle(wire, WINDOW - 1)
            for wire in run.wires.values():
                run.settle(wire, 0)
    except ReplayError as stop:
        run.drain()
        if isinstance(stop, _Refused):
            raise run.error() from None
        raise
    finally:
        run.close()
    return tally
