"""The one walk of an RDB snapshot that backup's check, restore's check and restore's replay all share: every key as
a plain tuple `(db, key, rdb_type, start, end, expire_ms, idle_seconds, freq)` — its value encoding is `buf[start:end]`,
located, never copied or decoded here — handed out in batches (lists of one database's keys, at most `batch_keys` of
them or `batch_bytes` of values), and every function library as a `Function`; a `Summary` filled on the way; the
trailing CRC64 checked at the end.

Why hand-inlined rather than built from `Reader` calls: this loop runs once per key, twice per restore (millions of
times), and a method call per length prefix made it most of the restore's CPU (issue #19's profile). The common
shapes — a key under 64 bytes, a value that is one string (plain strings and every listpack/intset/ziplist encoding)
with a 6- or 14-bit length, a small idle time — are read here directly; everything else goes through the checked
`Reader` and `rdb_values.skip_value`. Every read is bounds-checked (an index past the end is "truncated", a length
past the end is checked before use), so a damaged file is an `RdbError`, never a guess.
"""

from __future__ import annotations

import contextlib
import mmap
import struct
from typing import Generator, Optional, Union

from infra.ops.rdb.format import (AUX, EOF, EXPIRETIME, EXPIRETIME_MS, FREQ, FUNCTION2, FUNCTION_PRE_GA, IDLE,
                              MODULE_AUX, RESIZEDB, SELECTDB, SLOT_INFO, TYPE_NAMES, Function, Summary, version_of)
from infra.ops.rdb.reader import Buffer, RdbError, Reader, crc64
from infra.ops.rdb.values import ONE_BLOB_TYPES, skip_value

Entry = tuple[int, bytes, int, int, int, Optional[int], Optional[int], Optional[int]]
_ONE_STRING = frozenset(ONE_BLOB_TYPES | {0})
_I64, _I32, _U64 = struct.Struct("<q"), struct.Struct("<i"), struct.Struct("<Q")
# An mmap's pages the walk has passed are dropped from this process every RELEASE bytes (MADV_DONTNEED on a read-only
# file mapping: touched again, they are re-read from the page cache), so its resident memory does not grow with the
# file. The lag keeps the batch a consumer is encoding mapped (a dropped page touched again only costs a re-read).
RELEASE, RELEASE_LAG = 8 << 20, 2 << 20


def _truncated(at: int, size: int) -> RdbError:
    return RdbError(f"truncated: the snapshot ends inside the record at offset {at} (the file has {size} bytes)")


def batches(buf: Buffer, summary: Summary | None = None, batch_keys: int = 1000,
            batch_bytes: int = 1 << 20) -> Generator[Union[list[Entry], Function], None, None]:
    """Every key (in batches) and function library of `buf`, in file order; with `batch_keys=0` only the functions
    (the walk then just checks and summarises: keys are not even sliced out). The generator holds a view of `buf`
    until it is exhausted or closed: a caller that may stop early closes it (`contextlib.closing`) before closing an
    mmap."""
    version = version_of(buf)
    summary = summary if summary is not None else Summary(version)
    if isinstance(buf, memoryview):  # slices must be bytes (keys are compared and hashed)
        buf = buf.tobytes()
    size, reader = len(buf), Reader(buf)
    view = memoryview(buf)  # indexes an mmap ~1.7x faster than the mmap itself; never sliced, so never pins it
    per_type = [0] * 256
    releasable = isinstance(buf, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED")
    released, release_at = 0, RELEASE + RELEASE_LAG if releasable else size + 1
    keys = value_bytes = elements = largest = db_keys = batch_size = key_start = key_end = 0
    collect = batch_keys > 0
    batch: list[Entry] = []
    db, expire, idle, freq, p = 0, None, None, None, 9
    try:
        while True:
            op = view[p]
            p += 1
            if op < SLOT_INFO:  # a key and its value (skip_value refuses unknown and module types)
                c = view[p]
                if c < 64:  # a plain short key: sliced only if kept
                    key, key_start, key_end = None, p + 1, p + 1 + c
                    if key_end > size:
                        raise _truncated(p, size)
                    p = key_end
                else:
                    reader.pos = p
                    key, p = reader.string(), reader.pos
                    c = len(key)
                start = p
                if op in _ONE_STRING:
                    c2 = view[p]
                    if c2 < 64:
                        loaded, p = c2, p + 1 + c2
                    elif c2 < 128:
                        loaded = ((c2 & 63) << 8) | view[p + 1]
                        p += 2 + loaded
                    else:
                        reader.pos = p
                        loaded, p = reader.skip_string(), reader.pos
                    if p > size:
                        raise _truncated(start, size)
                    found = 0
                else:
                    reader.pos = p
                    loaded, found = skip_value(reader, op)
                    p = reader.pos
                keys += 1
                db_keys += 1
                per_type[op] += 1
                value_bytes += c + loaded
                elements += found
                if p - start > largest:
                    largest = p - start
                if collect:
                    batch.append((db, buf[key_start:key_end] if key is None else key, op, start, p, expire, idle,
                                  freq))
                    batch_size += p - start
                    if len(batch) >= batch_keys or batch_size >= batch_bytes:
                        yield batch
                        batch, batch_size = [], 0
                expire = idle = freq = None
                if p > release_at:
                    upto = (p - RELEASE_LAG) // mmap.PAGESIZE * mmap.PAGESIZE
                    buf.madvise(mmap.MADV_DONTNEED, released, upto - released)  # type: ignore[union-attr]
                    released, release_at = upto, upto + RELEASE + RELEASE_LAG
            elif op == IDLE:
                c = view[p]
                if c < 64:
                    idle, p = c, p + 1
                else:
                    reader.pos = p
                    idle, p = reader.plain_length(), reader.pos
            elif op == EXPIRETIME_MS:
                if p + 8 > size:
                    raise _truncated(p, size)
                expire, p = _I64.unpack_from(buf, p)[0], p + 8
            elif op == FREQ:
                freq, p = view[p], p + 1
            elif op == SELECTDB:
                if batch:  # a batch holds one database's keys
                    yield batch
                    batch, batch_size = [], 0
                if db_keys:
                    summary.keys_per_db[db] = summary.keys_per_db.get(db, 0) + db_keys
                reader.pos = p
                db, db_keys, p = reader.plain_length(), 0, reader.pos
            elif op == EXPIRETIME:
                if p + 4 > size:
                    raise _truncated(p, size)
                expire, p = _I32.unpack_from(buf, p)[0] * 1000, p + 4
            elif op == EOF:
                if batch:
                    yield batch
                break
            else:
                reader.pos = p
                if op == RESIZEDB:
                    reader.plain_length(), reader.plain_length()
                elif op == SLOT_INFO:
                    reader.plain_length(), reader.plain_length(), reader.plain_length()
                elif op == AUX:
                    name, value = reader.string(), reader.string()
                    summary.aux[name.decode(errors="replace")] = value.decode(errors="replace")
                elif op == FUNCTION2:
                    summary.functions += 1
                    code = reader.string()
                    p = reader.pos
                    if batch:
                        yield batch
                        batch, batch_size = [], 0
                    yield Function(code)
                elif op in (MODULE_AUX, FUNCTION_PRE_GA):
                    raise RdbError("the backup holds module or pre-release function data, which profwise-redis "
                                   "cannot restore")
                p = reader.pos
    except IndexError:  # a read one byte past the end: the file stops inside a record
        raise _truncated(p, size) from None
    finally:
        view.release()
    if db_keys:
        summary.keys_per_db[db] = summary.keys_per_db.get(db, 0) + db_keys
    summary.keys += keys
    summary.value_bytes += value_bytes
    summary.elements += elements
    summary.largest_value = max(summary.largest_value, largest)
    for op, count in enumerate(per_type):
        if count:
            kind = TYPE_NAMES.get(op, str(op))
            summary.types[kind] = summary.types.get(kind, 0) + count
    _check_tail(buf, p, version, summary)


def _check_tail(buf: Buffer, p: int, version: int, summary: Summary) -> None:
    """After EOF: the CRC64 of everything before it (v5+; zero means rdbchecksum was off), then nothing."""
    size = len(buf)
    if version >= 5:
        if p + 8 > size:
            raise RdbError(f"truncated: needs 8 bytes at offset {p}, the file has {size}")
        stored = _U64.unpack_from(buf, p)[0]
        if stored:
            if _crc_of(buf, p) != stored:
                raise RdbError("the RDB checksum does not match its content: the file is corrupted")
            summary.checksum = "ok"
        p += 8
    if p != size:
        raise RdbError(f"{size - p} unexpected bytes after the end of the snapshot")


def _crc_of(buf: Buffer, end: int) -> int:
    """CRC64 of `buf[:end]`, RELEASE bytes at a time; an mmap's pages are dropped behind it as during the walk."""
    crc, releasable = 0, isinstance(buf, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED")
    with memoryview(buf) as view:
        for start in range(0, end, RELEASE):
            with view[start:min(start + RELEASE, end)] as chunk:
                crc = crc64(chunk, crc)
            if releasable:
                buf.madvise(mmap.MADV_DONTNEED, start, min(RELEASE, end - start))  # type: ignore[union-attr]
    return crc


def entries(buf: Buffer, summary: Summary | None = None) -> Generator[Union[Entry, Function], None, None]:
    """Every key and function library of `buf` one by one, in file order (closed as `batches` is)."""
    with contextlib.closing(batches(buf, summary)) as walk:
        for batch in walk:
            if isinstance(batch, Function):
                yield batch
            else:
                yield from batch
