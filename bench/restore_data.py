"""The restore benchmark's dataset: a cache-like mix of keys written into a throwaway server and saved as its RDB.

Per 100 keys: 85 strings of 100-250 random printable bytes (session blobs, rendered fragments: little for LZF to
compress, so the file is as large as the data), 9 small hashes (5 fields, listpack-encoded), 3 small lists, 2 small
sets and 1 small sorted set; one key in five carries a TTL of 1-2 days. About 185 bytes per key on disk: 300,000
keys make a ~55 MB RDB, the size issue #19 measured with. Deterministic for a given key count (seeded). Written as raw
pipelined commands (hiredis packs them) because redis-py's per-command overhead made 3M keys take minutes.
"""

from __future__ import annotations

import random
from pathlib import Path

import hiredis
import redis

CHUNK = 5_000  # commands per write: large enough to amortise round trips, small enough to keep memory low
PRINTABLE = bytes(33 + i % 94 for i in range(256))  # random bytes -> printable ASCII (nearly uniform: fine here)


def _blob(rng: random.Random, low: int, high: int) -> bytes:
    return rng.randbytes(rng.randint(low, high)).translate(PRINTABLE)


def commands(keys: int, seed: int = 19):  # noqa: ANN201 — yields argument tuples
    rng = random.Random(seed)
    for i in range(keys):
        kind = i % 100
        suffix = "s" if kind < 85 else "h" if kind < 94 else "l" if kind < 97 else "t" if kind < 99 else "z"
        key = f"app:{i:08d}:{suffix}".encode()
        ttl = b"%d" % rng.randint(86_400, 172_800) if i % 5 == 0 else None
        if suffix == "s":
            yield (b"SET", key, _blob(rng, 100, 250)) + ((b"EX", ttl) if ttl else ())
            continue
        if suffix == "h":
            fields = [part for j in range(5) for part in (b"f%d" % j, _blob(rng, 8, 24))]
            yield (b"HSET", key, *fields)
        elif suffix == "l":
            yield (b"RPUSH", key, *[_blob(rng, 10, 30) for _ in range(4)])
        elif suffix == "t":
            yield (b"SADD", key, *[_blob(rng, 6, 12) for _ in range(4)])
        else:
            yield (b"ZADD", key, *[part for _ in range(4) for part in (b"%r" % rng.random(), _blob(rng, 6, 12))])
        if ttl:
            yield (b"EXPIRE", key, ttl)


def write(client, keys: int) -> None:  # noqa: ANN001 — a redis.Redis
    """Write `keys` keys of the mix through one connection of `client`, checking every reply."""
    conn = client.connection_pool.make_connection()
    conn.connect()
    try:
        sock, reader, batch = conn._sock, hiredis.Reader(), []  # noqa: SLF001 — raw pipelining, as backup reads raw
        for command in commands(keys):
            batch.append(hiredis.pack_command(command))
            if len(batch) == CHUNK:
                _send(sock, reader, batch)
                batch = []
        if batch:
            _send(sock, reader, batch)
    finally:
        conn.disconnect()


def _send(sock, reader: hiredis.Reader, batch: list[bytes]) -> None:  # noqa: ANN001
    sock.sendall(b"".join(batch))
    for _ in batch:
        while (reply := reader.gets()) is False:
            reader.feed(sock.recv(1 << 16))
        if isinstance(reply, hiredis.ReplyError):
            raise RuntimeError(f"the dataset server refused a write: {reply}")


def save(server, password: str | None, keys: int, out: Path) -> Path:  # noqa: ANN001 — a RedisServer
    """Fill `server` (empty, AOF off) with `keys` keys, SAVE, and move its RDB to `out`."""
    client = redis.Redis(host="127.0.0.1", port=server.port, password=password, socket_timeout=600)  # SAVE of 3M
    try:
        write(client, keys)
        if client.dbsize() != keys:
            raise RuntimeError(f"the dataset server holds {client.dbsize():,} keys, not {keys:,}")
        client.save()
    finally:
        client.close()
    (server.workdir / "dump.rdb").replace(out)
    return out
