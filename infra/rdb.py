"""Read a Redis RDB snapshot: check it end to end and split it into per-key RESTORE payloads.

A `DUMP` payload is exactly a key's RDB value encoding (type byte + value) followed by the 2-byte RDB version and a
CRC64 of both (redis src/cluster.c `createDumpPayload`/`verifyDumpPayload`). So a backup file can be replayed with
`RESTORE` without decoding any value: this module only walks the format far enough to find where each value ends
(redis src/rdb.c `rdbLoadObject`, `rdbLoadRioWithLoadingCtx`; type/opcode numbers from src/rdb.h, RDB v12). The
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

__all__ = ["RdbError", "crc64", "lzf_decompress", "Key", "Function", "Summary", "mapped", "records", "scan",
           "version_of"]

MAX_VERSION = 12  # Redis 7.4 / 8.0 (src/rdb.h RDB_VERSION)
# Which Redis writes which RDB version (redis src/rdb.h history), for error messages.
WRITTEN_BY = {9: "Redis 5.0-6.2", 10: "Redis 7.0", 11: "Redis 7.2", 12: "Redis 7.4 or 8.x"}

# Opcodes (src/rdb.h).
SLOT_INFO, FUNCTION2, FUNCTION_PRE_GA, MODULE_AUX, IDLE, FREQ, AUX, RESIZEDB = range(244, 252)
EXPIRETIME_MS, EXPIRETIME, SELECTDB, EOF = 252, 253, 254, 255

ONE_BLOB_TYPES = {9, 10, 11, 12, 13, 16, 17, 20, 23}  # zipmap/ziplist/intset/listpack encodings: one string
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


def _skip_value(r: Reader, rdb_type: int) -> tuple[int, int]:
    """Advance past one value of `rdb_type` (src/rdb.c rdbLoadObject, same order of fields); returns (bytes of its
    strings once loaded, elements kept one by one in memory — hash-table, skiplist and quicklist entries, stream
    nodes and pending entries), what `infra.write_guard.data_bytes` estimates memory from."""
    if rdb_type == 0 or rdb_type in ONE_BLOB_TYPES or rdb_type in (22, 24, 25):
        if rdb_type in (24, 25):  # with field TTLs: the minimum expire first
            r.skip(8)
        if rdb_type in (0, 25) or rdb_type in ONE_BLOB_TYPES:
            return r.skip_string(), 0
        size = n = r.plain_length()  # hash table with field TTLs: n x (ttl, field, value)
        for _ in range(n):
            r.plain_length()
            size += r.skip_string() + r.skip_string()
        return size, n
    if rdb_type in (1, 2, 4, 14):  # linked list, set, hash (2 strings an entry), quicklist of ziplists
        n = r.plain_length()
        return sum(r.skip_string() for _ in range(n * (2 if rdb_type == 4 else 1))), n
    if rdb_type == 3:  # zset v1: member + score as a length-prefixed string (253-255 are nan/+inf/-inf)
        size = n = r.plain_length()
        for _ in range(n):
            size += r.skip_string() + 8
            score_len = r.byte()
            r.skip(0 if score_len >= 253 else score_len)
        return size, n
    if rdb_type == 5:  # zset v2: member + binary double
        size, n = 0, r.plain_length()
        for _ in range(n):
            size += r.skip_string() + 8
            r.skip(8)
        return size, n
    if rdb_type == 18:  # quicklist v2: (container, node) pairs
        size, n = 0, r.plain_length()
        for _ in range(n):
            r.plain_length()
            size += r.skip_string()
        return size, n
    if rdb_type in (15, 19, 21):
        return _skip_stream(r, rdb_type)
    if rdb_type in (6, 7):
        raise RdbError("the backup holds a module data type, which only a server with that module can restore; "
                       "profwise-redis servers load no modules")
    raise RdbError(f"damaged: unknown RDB value type {rdb_type} at offset {r.pos}")


def _skip_stream(r: Reader, rdb_type: int) -> tuple[int, int]:
    size, n = 0, r.plain_length()
    for _ in range(n):  # listpacks: master id + listpack
        size += r.skip_string() + r.skip_string()
    for _ in range(3 if rdb_type == 15 else 8):  # length, last id; v2+: first id, max deleted id, entries added
        r.plain_length()
    elements = n
    for _ in range(r.plain_length()):  # consumer groups
        size += r.skip_string()
        elements += 1
        for _ in range(2 if rdb_type == 15 else 3):  # last id (ms, seq); v2+: entries read
            r.plain_length()
        for _ in range(pending := r.plain_length()):  # global PEL: raw 128-bit id, delivery time, delivery count
            r.skip(16 + 8)
            r.plain_length()
        elements += pending
        for _ in range(r.plain_length()):  # consumers: name, seen time, [active time], PEL of raw ids
            size += r.skip_string()
            r.skip(16 if rdb_type == 21 else 8)
            owned = r.plain_length()
            r.skip(16 * owned)
            elements += 1 + owned
    return size, elements


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
            size, elements = _skip_value(r, opcode)
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
