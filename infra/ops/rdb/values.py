"""How far each RDB value extends, and what it holds once loaded: the per-type walk of redis src/rdb.c `rdbLoadObject`
(same order of fields; type numbers from src/rdb.h, RDB v12).

`infra.ops.rdb` calls `skip_value` for every key to find where its value ends (the bytes between are the RESTORE
payload), and the sizes it returns feed the write guard's memory estimate (`infra.ops.write_guard.data_bytes`). Values
are never decoded; every read is bounds-checked by `Reader`, so a damaged value raises `RdbError`.
"""

from __future__ import annotations

from infra.ops.rdb.reader import RdbError, Reader

ONE_BLOB_TYPES = {9, 10, 11, 12, 13, 16, 17, 20, 23}  # zipmap/ziplist/intset/listpack encodings: one string


def skip_value(r: Reader, rdb_type: int) -> tuple[int, int]:
    """Advance past one value of `rdb_type` (src/rdb.c rdbLoadObject, same order of fields); returns (bytes of its
    strings once loaded, elements kept one by one in memory — hash-table, skiplist and quicklist entries, stream
    nodes and pending entries), what `infra.ops.write_guard.data_bytes` estimates memory from."""
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
