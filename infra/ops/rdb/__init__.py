"""Read a Redis RDB snapshot: check it end to end and split it into per-key RESTORE payloads.

A `DUMP` payload is exactly a key's RDB value encoding (type byte + value) followed by the 2-byte RDB version and a
CRC64 of both (redis src/cluster.c `createDumpPayload`/`verifyDumpPayload`). So a backup file can be replayed with
`RESTORE` without decoding any value: the walk (`infra.ops.rdb.walk`) only goes far enough to find where each value ends
(`infra.ops.rdb.values`; redis src/rdb.c `rdbLoadRioWithLoadingCtx`; opcode numbers in `infra.ops.rdb.format`, RDB v12).
The target server then checks each payload's version and CRC itself. Module values are refused: they need the module.
This module is the API over that walk: `scan` (the completeness check), `records` (keys as `Key` objects, for
callers that want them; restore's replay reads the walk's tuples directly), `mapped` (the file, memory-mapped).
"""

from __future__ import annotations

import contextlib
import mmap
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from infra.ops.rdb.format import (AUX, EOF, EXPIRETIME, EXPIRETIME_MS, FREQ, FUNCTION2, FUNCTION_PRE_GA, IDLE,
                              MAX_VERSION, MODULE_AUX, RESIZEDB, SELECTDB, SLOT_INFO, TYPE_NAMES, WRITTEN_BY, Function,
                              Summary, version_of)
from infra.ops.rdb.reader import Buffer, RdbError, crc64, lzf_decompress
from infra.ops.rdb.walk import batches, entries

__all__ = ["AUX", "EOF", "EXPIRETIME", "EXPIRETIME_MS", "FREQ", "FUNCTION2", "FUNCTION_PRE_GA", "IDLE", "MAX_VERSION",
           "MODULE_AUX", "RESIZEDB", "SELECTDB", "SLOT_INFO", "TYPE_NAMES", "WRITTEN_BY", "Function", "Key", "RdbError",
           "Summary", "batches", "crc64", "entries", "lzf_decompress", "mapped", "payload", "records", "scan",
           "version_of"]


def payload(rdb_type: int, value: bytes, version: int) -> bytes:
    """The DUMP/RESTORE payload of a value encoding: type byte, value, RDB version, CRC64 of the three."""
    body = bytes([rdb_type]) + value + struct.pack("<H", version)
    return body + struct.pack("<Q", crc64(body))


@dataclass(frozen=True)
class Key:
    db: int
    key: bytes
    rdb_type: int
    value: bytes  # the value's encoding (what follows the key in the file)
    expire_ms: int | None = None
    idle_seconds: int | None = None
    freq: int | None = None

    def payload(self, version: int) -> bytes:
        """The DUMP/RESTORE payload for this key."""
        return payload(self.rdb_type, self.value, version)


@contextlib.contextmanager
def mapped(path: Path) -> Iterator[mmap.mmap]:
    """The file memory-mapped read-only: a large backup is walked without being copied into memory. An empty file
    (which mmap cannot map) is refused as not a snapshot at all."""
    if path.stat().st_size == 0:
        raise RdbError(f"{path.name} is empty: not an RDB snapshot")
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        yield data


def records(buf: Buffer, summary: Summary | None = None) -> Iterator[Key | Function]:
    """Every key (as a `Key`, its value copied out) and function library in file order; checks the trailing CRC64
    when the file carries one."""
    with contextlib.closing(entries(buf, summary)) as walk:
        for entry in walk:
            if isinstance(entry, Function):
                yield entry
            else:
                db, key, rdb_type, start, end, expire, idle, freq = entry
                yield Key(db, key, rdb_type, bytes(buf[start:end]), expire, idle, freq)


def scan(buf: Buffer) -> Summary:
    """Walk the whole file (every value, the checksum) without keeping anything: the backup's completeness check."""
    summary = Summary(version_of(buf))
    for _ in batches(buf, summary, batch_keys=0):
        pass
    return summary
