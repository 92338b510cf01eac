"""The RDB parser fed malformed input (hypothesis): a real snapshot, mutated, gives a clean `RdbError` (the "backup
is damaged" error restore reports) or the correct result — never another exception, never a guess. Plus the LZF
decoder against Redis's own compressor, and fed random bytes."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import container_boot
from infra.ops import rdb
from infra.ops.backup import stream_rdb
from infra.ops.rdb.reader import Reader
from infra.endpoint import Target
from support.redis_server import RedisServer
from support.ops_support import ADMIN


@pytest.fixture(scope="module")
def snapshot(dev_run, tmp_path_factory) -> tuple[bytes, dict[bytes, bytes]]:
    """A small real snapshot (~30 KB) of every encoding the walker treats differently, taken from a server booted
    from the dev container's config; and the string keys' values as the server returns them."""
    conf, command, password = container_boot(dev_run)
    with RedisServer.from_container(conf, tmp_path_factory.mktemp("rdb-source"), command) as server:
        client = server.client(password)
        strings = {f"s:{i}".encode(): value for i, value in enumerate(
            [b"plain", b"12345", b"-7", ("compressible " * 30).encode(), os.urandom(40), b"x" * 100])}
        client.mset(strings)
        client.expire(b"s:0", 3600)
        client.set(("long key " * 20).encode(), "its key is LZF-compressed")
        strings[("long key " * 20).encode()] = b"its key is LZF-compressed"
        client.hset("hash:small", mapping={"a": 1, "b": "two"})
        client.hset("hash:table", mapping={f"f{j}": "v" * 20 for j in range(200)})
        client.sadd("set:ints", 1, 2, 3)
        client.sadd("set:table", *[f"m{j}" for j in range(200)])
        client.zadd("zset:small", {"a": 1.5, "b": 2})
        client.zadd("zset:skiplist", {f"m{j}": j / 7 for j in range(200)})
        client.rpush("list", *[f"item-{j}" for j in range(300)])
        for j in range(50):
            client.xadd("stream", {"n": j})
        client.xgroup_create("stream", "g", id="0")
        client.xreadgroup("g", "c", {"stream": ">"}, count=10)
        client.function_load("#!lua name=lib\nredis.register_function('f', function() return 1 end)")
        path = Path(server.workdir) / "snapshot.rdb"
        with open(path, "wb") as out:
            stream_rdb(Target("127.0.0.1", server.port, password, False, {}, **ADMIN), out)
    return path.read_bytes(), strings


def unchecked(data: bytes) -> bytes:
    """The same snapshot as a server with `rdbchecksum no` writes it (zeros for the CRC64): the walker alone must
    then catch the damage."""
    return data[:-8] + bytes(8)


mutation = st.tuples(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]),
                     st.floats(0, 1, exclude_max=True), st.integers(0, 255), st.integers(1, 16))


def mutate(data: bytes, mutations: list[tuple[str, float, int, int]]) -> bytes:
    out = bytearray(data)
    for kind, where, value, length in mutations:
        at = int(where * len(out)) if out else 0
        if kind == "flip" and out:
            out[at] ^= 1 << (value % 8)
        elif kind == "set" and out:
            out[at] = value
        elif kind == "insert":
            out[at:at] = bytes([value]) * length
        elif kind == "delete":
            del out[at:at + length]
        elif kind == "truncate":
            del out[at:]
    return bytes(out)


def parse(data: bytes) -> list:
    return list(rdb.records(data))


@pytest.mark.integration
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations=st.lists(mutation, min_size=1, max_size=3))
def test_a_mutated_snapshot_is_refused_cleanly_or_read_correctly(snapshot, mutations):
    """With its CRC64 present the only correct result is the original's records (what the checksum vouches for)."""
    data, _ = snapshot
    damaged = mutate(data, mutations)
    try:
        records = parse(damaged)
    except rdb.RdbError:
        return
    assert records == parse(data)


@pytest.mark.integration
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations=st.lists(mutation, min_size=1, max_size=3))
def test_a_mutated_unchecked_snapshot_is_refused_cleanly_or_read_consistently(snapshot, mutations):
    """Without a checksum, damage the format cannot see is the file's content: what the walker returns must then be
    what the bytes say — every record a contiguous value it can re-walk, its count the summary's."""
    damaged = mutate(unchecked(snapshot[0]), mutations)
    summary = rdb.Summary(0)
    try:
        records = list(rdb.records(damaged, summary))
    except rdb.RdbError:
        return
    keys = [r for r in records if isinstance(r, rdb.Key)]
    assert summary.keys == len(keys) and summary.checksum == "absent"
    for key in keys:
        assert key.value in damaged and key.payload(rdb.version_of(damaged))[:1] == bytes([key.rdb_type])


@pytest.mark.integration
def test_lzf_strings_decode_to_what_the_server_returns(snapshot):
    """Redis's own LZF compressor made the compressed keys and values here: decoding them gives the server's bytes."""
    data, strings = snapshot
    keys = {r.key: r for r in parse(data) if isinstance(r, rdb.Key) and r.rdb_type == 0}
    assert set(strings) <= set(keys)
    assert any(key.value[0] == 0xC3 for key in keys.values())  # at least one value is LZF-encoded
    for name, value in strings.items():
        assert Reader(keys[name].value).string() == value, name


@settings(max_examples=500, deadline=None)
@given(data=st.binary(max_size=64), expected=st.integers(0, 300))
def test_lzf_on_random_bytes_gives_the_stated_length_or_a_clean_error(data, expected):
    try:
        out = rdb.lzf_decompress(data, expected)
    except rdb.RdbError as error:
        assert "damaged: corrupt LZF data" in str(error)
        return
    assert len(out) == expected


@pytest.mark.integration
def test_an_unchecked_snapshot_still_reads_as_the_original(snapshot):
    """The base of the generative test above is itself valid."""
    data, _ = snapshot
    assert rdb.scan(unchecked(data)).checksum == "absent" and parse(unchecked(data)) == parse(data)
    assert struct.unpack("<Q", data[-8:])[0] != 0 and rdb.scan(data).checksum == "ok"
