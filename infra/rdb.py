"""Read a Redis RDB snapshot: check it end to end and split it into per-key RESTORE payloads.

A `DUMP` payload is exactly a key's RDB value encoding (type byte + value) followed by the 2-byte RDB version and a
CRC64 of both (redis src/cluster.c `createDumpPayload`/`verifyDumpPayload`). So a backup file can be replayed with
`RESTORE` without decoding any value: this module only walks the format far enough to find where each value ends
(`infra.rdb_values`; redis src/rdb.c `rdbLoadRioWithLoadingCtx`; opcode numbers from src/rdb.h, RDB v12). The
target server then checks each payload's version and CRC itself. Module values are refused: they need the module.
"""

from __future__ import annotations

import contextlib
import mmap
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from infra.rdb_reader import Buffer, RdbError, Reader, crc64, lzf_decompress
from infra.rdb_values import skip_value

__all__ = ["RdbError", "crc64", "lzf_decompress", "Key", "Function", "Summary", "mapped", "records", "scan",
           "version_of"]

MAX_VERSION = 12  # Redis 7.4 / 8.0 (src/rdb.h RDB_VERSION)
# Which Redis writes which RDB version (redis src/rdb.h history), for error messages.
WRITTEN_BY = {9: "Redis 5.0-6.2", 10: "Redis 7.0", 11: "Redis 7.2", 12: "Redis 7.4 or 8.x"}

# Opcodes (src/rdb.h).
SLOT_INFO, FUNCTION2, FUNCTION_PRE_GA, MODULE_AUX, IDLE, FREQ, AUX, RESIZEDB = range(244, 252)
EXPIRETIME_MS, EXPIRETIME, SELECTDB, EOF = 252, 253, 254, 255

TYPE_NAMES = {0: "string", 1: "list", 2: "set", 3: "zset", 4: "hash", 5: "zset", 9: "hash", 10: "list", 11: "set",
              12: "zset", 13: "hash", 14: "list", 15: "stream", 16: "hash", 17: "zset", 18: "list", 19: "stream",
              20: "set", 21: "stream", 22: "hash", 23: "hash", 24: "hash", 25: "hash"}


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
        body = bytes([self.rdb_type]) + self.value + struct.pack("<H", version)
        return body + struct.pack("<Q", crc64(body))


@dataclass(frozen=True)
class Function:
    code: bytes  # a function library's source, as FUNCTION LOAD takes it


@dataclass
class Summary:
    version: int
    aux: dict[str, str] = field(default_factory=dict)
    keys: int = 0
    keys_per_db: dict[int, int] = field(default_factory=dict)
    types: dict[str, int] = field(default_factory=dict)
    functions: int = 0
    # What the write guard estimates the restore's memory from (rdb.Summary is filled by the one walk of the file).
    value_bytes: int = 0  # keys and their strings, as long as they are once loaded (LZF strings uncompressed)
    elements: int = 0  # entries a server keeps one by one (each with its own allocation)
    largest_value: int = 0  # the largest value encoding: the longest RESTORE argument sent
    checksum: str = "absent"  # "ok" or "absent" (rdbchecksum no writes zeros); a mismatch raises


@contextlib.contextmanager
def mapped(path: Path) -> Iterator[mmap.mmap]:
    """The file memory-mapped read-only: a large backup is walked without being copied into memory. An empty file
    (which mmap cannot map) is refused as not a snapshot at all."""
    if path.stat().st_size == 0:
        raise RdbError(f"{path.name} is empty: not an RDB snapshot")
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        yield data


def version_of(buf: Buffer) -> int:
    head = bytes(buf[:9])
    if len(head) < 9 or head[:5] != b"REDIS" or not head[5:].isdigit():
        raise RdbError("not an RDB file (it does not start with REDIS and a 4-digit version)")
    version = int(head[5:])
    if not 1 <= version <= MAX_VERSION:
        raise RdbError(f"RDB version {version} is newer than this tool reads (up to {MAX_VERSION}); upgrade "
                       "profwise-redis's infra/rdb.py")
    return version


def records(buf: Buffer, summary: Summary | None = None) -> Iterator[Key | Function]:
    """Every key and function library in file order; checks the trailing CRC64 when the file carries one."""
    version = version_of(buf)
    summary = summary if summary is not None else Summary(version)
    r = Reader(buf)
    r.skip(9)
    db, expire, idle, freq = 0, None, None, None
    while True:
        opcode = r.byte()
        if opcode == EOF:
            break
        if opcode == SELECTDB:
            db = r.plain_length()
        elif opcode == EXPIRETIME_MS:
            expire = struct.unpack("<q", r.take(8))[0]
        elif opcode == EXPIRETIME:
            expire = struct.unpack("<i", r.take(4))[0] * 1000
        elif opcode == RESIZEDB:
            r.plain_length(), r.plain_length()
        elif opcode == SLOT_INFO:
            r.plain_length(), r.plain_length(), r.plain_length()
        elif opcode == AUX:
            name, value = r.string(), r.string()
            summary.aux[name.decode(errors="replace")] = value.decode(errors="replace")
        elif opcode == IDLE:
            idle = r.plain_length()
        elif opcode == FREQ:
            freq = r.byte()
        elif opcode == FUNCTION2:
            summary.functions += 1
            yield Function(r.string())
        elif opcode in (MODULE_AUX, FUNCTION_PRE_GA):
            raise RdbError("the backup holds module or pre-release function data, which profwise-redis cannot "
                           "restore")
        else:
            key = r.string()
            start = r.pos
            size, elements = skip_value(r, opcode)
            summary.keys += 1
            summary.value_bytes += len(key) + size
            summary.elements += elements
            summary.largest_value = max(summary.largest_value, r.pos - start)
            summary.keys_per_db[db] = summary.keys_per_db.get(db, 0) + 1
            kind = TYPE_NAMES.get(opcode, str(opcode))
            summary.types[kind] = summary.types.get(kind, 0) + 1
            yield Key(db, key, opcode, bytes(buf[start:r.pos]), expire, idle, freq)
            expire, idle, freq = None, None, None
    if version >= 5:  # a CRC64 of everything before it follows EOF; zero means rdbchecksum was off
        stored = struct.unpack("<Q", r.take(8))[0]
        if stored:
            with memoryview(buf) as view:
                computed = crc64(view[:r.pos - 8])
            if computed != stored:
                raise RdbError("the RDB checksum does not match its content: the file is corrupted")
            summary.checksum = "ok"
    if r.pos != r.size:
        raise RdbError(f"{r.size - r.pos} unexpected bytes after the end of the snapshot")


def scan(buf: Buffer) -> Summary:
    """Walk the whole file (every value, the checksum) without keeping anything: the backup's completeness check."""
    summary = Summary(version_of(buf))
    for _ in records(buf, summary):
        pass
    return summary
