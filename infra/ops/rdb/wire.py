"""RESTORE on the wire: a batch of walked keys encoded as one block of RESP commands, and a connection that keeps a
few such blocks in flight while it reads the replies of the oldest.

Why not redis-py's pipeline: it builds a command object per key, packs each one, and parses every reply through a
Python call chain — issue #19's profile put that at more than half of the restore's time. Here a key costs one
bytes formatting and one CRC64 (`encode`, a pure function: the payload is the value encoding sliced from the file,
the RDB version and the CRC — nothing is re-serialised), and the replies are read by hiredis in C. The connection
itself is redis-py's (TLS, AUTH and SELECT exactly as every other command of this tool), used for raw bytes the way
`infra.ops.backup` reads the snapshot; its error replies become redis-py's exception classes (an `OOM` reply is an
`OutOfMemoryError`). A batch may end with a probe command (restore's `INFO stats`, for the eviction watch), whose
reply comes back in order right after the batch's own. A `Tally` counts what the server confirmed and what was sent
but not confirmed yet.
"""

from __future__ import annotations

import struct
from collections import deque
from dataclasses import dataclass
from typing import Any, Sequence

import hiredis
import redis
from redis.connection import DefaultParser

from infra.ops.rdb.reader import CRC64, Buffer
from infra.ops.rdb.walk import Entry

_TYPE = [bytes([t]) for t in range(256)]
_U64 = struct.Struct("<Q").pack
_REPLACE, _ABSTTL = b"$7\r\nREPLACE\r\n", b"$6\r\nABSTTL\r\n"


@dataclass
class Tally:
    restored: int = 0  # confirmed by the server
    expired: int = 0  # skipped: already past their expiry time
    functions: int = 0
    in_flight: int = 0  # sent, replies not read yet: written or not, nobody knows


def _bulk(number: int) -> bytes:
    digits = b"%d" % number
    return b"$%d\r\n%b\r\n" % (len(digits), digits)


def encode(batch: Sequence[Entry], buf: Buffer, version: int, replace: bool, now_ms: int) -> tuple[bytes, list[bytes],
                                                                                                 int]:
    """(`RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME n | FREQ n]` for every key of `batch` as one RESP
    block, those keys in order, how many were skipped as expired by `now_ms`). The ttl is the file's absolute unix-ms
    expiry (hence ABSTTL); the access record is whichever the backup carries."""
    calc, ver = CRC64.calc, struct.pack("<H", version)
    commands, keys, expired, base = [], [], 0, 4 + replace
    for _, key, rdb_type, start, end, expire, idle, freq in batch:
        body = _TYPE[rdb_type] + buf[start:end] + ver
        if expire is None and idle is None and freq is None and not replace:  # the common shape, in one step
            commands.append(b"*4\r\n$7\r\nRESTORE\r\n$%d\r\n%b\r\n$1\r\n0\r\n$%d\r\n%b%b\r\n" % (
                len(key), key, len(body) + 8, body, _U64(calc(body))))
            keys.append(key)
            continue
        args, ttl, tail = base, b"$1\r\n0\r\n", _REPLACE if replace else b""
        if expire is not None:
            if expire <= now_ms:
                expired += 1
                continue
            args, ttl, tail = args + 1, _bulk(expire), tail + _ABSTTL
        if idle is not None:
            args, tail = args + 2, tail + b"$8\r\nIDLETIME\r\n" + _bulk(idle)
        elif freq is not None:
            args, tail = args + 2, tail + b"$4\r\nFREQ\r\n" + _bulk(freq)
        commands.append(b"*%d\r\n$7\r\nRESTORE\r\n$%d\r\n%b\r\n%b$%d\r\n%b%b\r\n%b" % (
            args, len(key), key, ttl, len(body) + 8, body, _U64(calc(body)), tail))
        keys.append(key)
    return b"".join(commands), keys, expired


class Wire:
    """One connection (to one database) with batches in flight: `send` does not wait; `confirm` reads the replies
    of the oldest batch still in flight, in order."""

    def __init__(self, client: redis.Redis, db: int, probe: Sequence[str] = ()):
        self.db, self.pending = db, deque[list[bytes]]()
        self.probe = hiredis.pack_command(tuple(probe)) if probe else b""  # type: ignore[arg-type]
        self.conn = client.connection_pool.make_connection()
        self.conn.connect()
        self.sock: Any = self.conn._sock  # type: ignore[attr-defined]  # noqa: SLF001 — replies read in bulk
        self.reader = hiredis.Reader(replyError=DefaultParser.parse_error)

    def send(self, blob: bytes, keys: list[bytes], tally: Tally) -> None:
        self.pending.append(keys)
        tally.in_flight += len(keys)  # before sending: a Ctrl-C inside sendall leaves them unknown
        self.conn.send_packed_command([blob, self.probe], check_health=False)

    def _reply(self) -> Any:
        reply = self.reader.gets()
        while reply is False:
            data = self.sock.recv(1 << 16)
            if not data:
                raise redis.ConnectionError("the server closed the connection")
            self.reader.feed(data)
            reply = self.reader.gets()
        return reply

    def confirm(self, tally: Tally) -> tuple[list[tuple[bytes, Exception]], Any]:
        """Read the oldest batch's replies, counting each into `tally` as it is read (exact even if interrupted);
        returns the keys the server refused (with its error) and the probe's reply (None without a probe)."""
        keys, failed, read = self.pending[0], [], 0
        try:
            for key in keys:
                reply = self._reply()
                read += 1
                if isinstance(reply, Exception):
                    failed.append((key, reply))
        finally:
            tally.restored += read - len(failed)
            tally.in_flight -= read
            self.pending[0] = keys[read:]
        probed = self._reply() if self.probe else None
        self.pending.popleft()
        return failed, probed

    def close(self) -> None:
        self.conn.disconnect()
