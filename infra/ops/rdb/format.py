"""The RDB format's vocabulary, shared by the walker (`infra.ops.rdb.walk`) and the reader API (`infra.ops.rdb`): opcode
and type numbers (redis src/rdb.h, RDB v12), which Redis writes which version, the version check, and the two records a
snapshot yields beside keys — function libraries and the `Summary` of one walk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from infra.ops.rdb.reader import Buffer, RdbError

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


def version_of(buf: Buffer) -> int:
    head = bytes(buf[:9])
    if len(head) < 9 or head[:5] != b"REDIS" or not head[5:].isdigit():
        raise RdbError("not an RDB file (it does not start with REDIS and a 4-digit version)")
    version = int(head[5:])
    if not 1 <= version <= MAX_VERSION:
        raise RdbError(f"RDB version {version} is newer than this tool reads (up to {MAX_VERSION}); upgrade "
                       "profwise-redis's infra/ops/rdb/__init__.py")
    return version
