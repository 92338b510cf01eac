"""The RDB reader: payloads equal what the server's own DUMP returns, and broken files are refused, never guessed."""

from __future__ import annotations

import struct

import pytest

from infra.ops import rdb
from support.ops_support import ADMIN


def _string(value: bytes) -> bytes:
    assert len(value) < 64
    return bytes([len(value)]) + value


def synthetic(*entries: bytes, version: int = 10, checksum: bool = True) -> bytes:
    body = f"REDIS{version:04d}".encode() + b"".join(entries) + bytes([rdb.EOF])
    return body + struct.pack("<Q", rdb.crc64(body) if checksum else 0)


def test_crc64_is_redis_crc64():
    # src/crc64.c test vector: crc64(0, "123456789") == 0xe9c6d914c4b8d9ca
    assert rdb.crc64(b"123456789") == 0xE9C6D914C4B8D9CA
    assert rdb.crc64(b"6789", rdb.crc64(b"12345")) == 0xE9C6D914C4B8D9CA


def test_a_synthetic_file_is_split_into_keys_with_their_metadata():
    data = synthetic(
        bytes([rdb.AUX]) + _string(b"redis-ver") + _string(b"7.0.15"),
        bytes([rdb.SELECTDB, 2, rdb.RESIZEDB, 2, 1]),
        bytes([rdb.EXPIRETIME_MS]) + struct.pack("<q", 1_900_000_000_000) + bytes([rdb.IDLE, 5, 0]) + _string(b"a")
        + _string(b"hello"),
        bytes([rdb.FREQ, 9, 0]) + _string(b"n") + bytes([0xC0, 0x7B]),  # int8-encoded 123
    )
    summary = rdb.Summary(10)
    keys = list(rdb.records(data, summary))
    assert [(k.db, k.key, k.expire_ms, k.idle_seconds, k.freq) for k in keys] == [
        (2, b"a", 1_900_000_000_000, 5, None), (2, b"n", None, None, 9)]
    assert keys[0].value == _string(b"hello")
    assert summary.aux == {"redis-ver": "7.0.15"} and summary.checksum == "ok" and summary.keys_per_db == {2: 2}
    payload = keys[0].payload(10)
    assert payload[:-10] == b"\x00" + _string(b"hello") and payload[-10:-8] == b"\x0a\x00"
    assert struct.unpack("<Q", payload[-8:])[0] == rdb.crc64(payload[:-8])


def test_lzf_decompression_handles_overlapping_back_references():
    # literal "ab" then a back-reference of length 6 at distance 2: "abababab"
    assert rdb.lzf_decompress(bytes([1]) + b"ab" + bytes([(4 << 5) | 0, 1]), 8) == b"abababab"
    with pytest.raises(rdb.RdbError, match="LZF"):
        rdb.lzf_decompress(bytes([1]) + b"ab" + bytes([(4 << 5) | 0, 1]), 9)


GOOD = synthetic(b"\x00" + _string(b"k") + _string(b"v"))  # type string, key, value


def lzf_key(compressed: bytes, original_length: int) -> bytes:
    """A string record whose *key* is LZF-encoded (keys and AUX values are decompressed; values are only skipped)."""
    return b"\x00" + bytes([0xC3, len(compressed), original_length]) + compressed + _string(b"v")


@pytest.mark.parametrize("data, message", [
    (b"", "not an RDB file"),
    (b"NOTREDIS0010", "not an RDB file"),
    (b"REDIS0099" + GOOD[9:], "newer than this tool reads"),
    (GOOD[:-12], "truncated"),
    (GOOD[:-1] + bytes([GOOD[-1] ^ 1]), "checksum does not match"),
    (GOOD[:13] + b"X" + GOOD[14:], "checksum does not match"),  # the value changed
    (GOOD + b"junk", "unexpected bytes after the end"),
    (synthetic(bytes([7]) + _string(b"m") + b"\x01"), "module data type"),
    (synthetic(bytes([rdb.MODULE_AUX, 1])), "module"),
    (synthetic(bytes([99]) + _string(b"k") + _string(b"v")), "unknown RDB value type 99"),
    # crafted LZF (found: IndexError): a back-reference cut off after its control byte, a long one without its length
    # byte, a literal run past the end, output longer than stated, a reference before the start
    (synthetic(lzf_key(bytes([0x00, ord("a"), 0x20]), 4)), "damaged: corrupt LZF data"),
    (synthetic(lzf_key(bytes([0x00, ord("a"), 0xE0]), 12)), "damaged: corrupt LZF data"),
    (synthetic(lzf_key(bytes([0x05, ord("a")]), 6)), "damaged: corrupt LZF data"),
    (synthetic(lzf_key(bytes([0x00, ord("a"), 0x20, 0x00]), 2)), "damaged: corrupt LZF data"),
    (synthetic(lzf_key(bytes([0x00, ord("a"), 0x20, 0x05]), 4)), "damaged: corrupt LZF data"),
])
def test_broken_or_unsupported_files_are_refused(data, message):
    with pytest.raises(rdb.RdbError, match=message):
        rdb.scan(data)


def test_mapped_maps_a_file_and_refuses_an_empty_one(tmp_path):
    """The one way backup and restore open a snapshot (mmap cannot map an empty file)."""
    path = tmp_path / "dump.rdb"
    path.write_bytes(GOOD)
    with rdb.mapped(path) as data:
        assert rdb.scan(data).keys == 1
    path.write_bytes(b"")
    with pytest.raises(rdb.RdbError, match="dump.rdb is empty"), rdb.mapped(path):
        pass


def test_a_file_saved_without_checksum_is_read_and_says_so():
    assert rdb.scan(synthetic(b"\x00" + _string(b"k") + _string(b"v"), checksum=False)).checksum == "absent"


@pytest.mark.integration
@pytest.mark.parametrize("server_kind, rdb_version", [("debian-7.0", 10), ("redis-8", 12)])
def test_payloads_match_the_servers_own_dump_for_every_type(dev_servers, tmp_path, server_kind, rdb_version):
    """Split a real snapshot and compare with DUMP: equal bytes prove each value's end was found exactly. (Hash-
    table encodings are re-ordered when a server loads them, so compare those by restoring instead.) Redis 8 writes
    the newest encodings: listpack sets (20), streams v3 (21), hashes with field TTLs (24, 25)."""
    from infra.ops.backup import stream_rdb
    from infra.endpoint import Target
    from support.redis_server import modern_redis_server_binary

    start, password = dev_servers
    modern = server_kind == "redis-8"
    server = start("source", **({"binary": modern_redis_server_binary()} if modern else {}))
    client = server.client(password)
    if modern:
        client.hset("hx", mapping={"a": 1, "b": 2})
        client.hexpire("hx", 1000, "a")
        client.hset("hxbig", mapping={f"f{i}": "v" * 100 for i in range(200)})  # hash table with field TTLs
        client.hexpire("hxbig", 1000, "f1", "f2")
    client.set("s", "x" * 300)  # LZF
    client.set("n", 42)
    client.rpush("l", *range(1000))  # several quicklist nodes
    client.hset("h", mapping={"a": 1})
    client.sadd("i", 1, 2, 3)
    client.zadd("z", {"a": 1.0, "b": 2.5})
    client.zadd("zbig", {f"m{i}": i for i in range(500)})  # skiplist: saved in order, so DUMP is stable
    for i in range(200):
        client.xadd("x", {"f": i})
    client.xgroup_create("x", "g", id="0")
    client.xreadgroup("g", "c", {"x": ">"}, count=5)
    client.sadd("sbig", *range(1000, 1400), "not-an-int")  # hashtable set: order changes on load
    client.execute_command("FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('f', function() return 1 end)")
    target = Target("127.0.0.1", server.port, password, False, {}, **ADMIN)
    with open(tmp_path / "dump.rdb", "wb") as out:
        stream_rdb(target, out)
    data = (tmp_path / "dump.rdb").read_bytes()
    version = rdb.version_of(data)
    assert version == rdb_version
    records = list(rdb.records(data))
    assert [r.code[:12] for r in records if isinstance(r, rdb.Function)] == [b"#!lua name=l"]
    keys = {r.key: r for r in records if isinstance(r, rdb.Key)}
    assert set(keys) == {b"s", b"n", b"l", b"h", b"i", b"z", b"zbig", b"x", b"sbig"} | (
        {b"hx", b"hxbig"} if modern else set())
    if modern:
        assert {keys[b"hx"].rdb_type, keys[b"hxbig"].rdb_type, keys[b"x"].rdb_type} == {25, 24, 21}
    unordered = {b"sbig", b"hxbig"}
    for name, key in keys.items():
        if name not in unordered:
            assert key.payload(version) == client.dump(name), name
    for name in unordered & set(keys):
        client.execute_command("RESTORE", name + b"-copy", 0, keys[name].payload(version))
    assert client.smembers("sbig-copy") == client.smembers("sbig")
    if modern:
        assert client.hgetall("hxbig-copy") == client.hgetall("hxbig")
        assert client.httl("hxbig-copy", "f1", "f3") == client.httl("hxbig", "f1", "f3")


@pytest.mark.integration
def test_the_snapshot_streams_over_tls(dev_run, tls_files, tmp_path):
    """The backup transfer reads raw bytes from redis-py's connection, so it must work on its TLS socket too."""
    from conftest import container_boot
    from infra.ops.backup import stream_rdb
    from infra.endpoint import Target
    from support.redis_server import RedisServer

    conf, command, password = container_boot(dev_run)
    with RedisServer.from_container(conf, tmp_path / "tls", command, tls=tls_files) as server:
        server.client(password).set("over", "tls")
        target = Target("127.0.0.1", server.port, password, True, {}, **ADMIN, ca_cert=str(tls_files.ca))  # --ca-cert
        with open(tmp_path / "dump.rdb", "wb") as out:
            size, _ = stream_rdb(target, out)
    summary = rdb.scan((tmp_path / "dump.rdb").read_bytes())
    assert summary.keys == 1 and summary.checksum == "ok" and size == (tmp_path / "dump.rdb").stat().st_size
