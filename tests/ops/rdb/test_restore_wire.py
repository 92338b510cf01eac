"""The fast replay (issue #19) keeps every promise of the slow one: the RESP it writes is what redis-py would send for
the same RESTORE, several databases and function libraries arrive where they belong (over TLS too), it streams —
never more than its window ahead of what the server confirmed, its resident memory not growing with the backup —
and the in-band eviction probe reads the server's counter."""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

import hiredis
import pytest

from conftest import container_boot
from infra.ops import rdb
from infra.ops import restore
from infra.ops import restore_replay
from infra.ops import write_guard
from infra.ops.rdb.wire import Tally, Wire, encode
from infra.endpoint import Target
from support.ops_support import ADMIN, LIBRARY, outputs_for, run_measured, write_outputs
from support.redis_server import RedisServer


def rdb_string(value: bytes) -> bytes:
    """An RDB length-prefixed string (6-bit, 14-bit or 32-bit length)."""
    if len(value) < 64:
        return bytes([len(value)]) + value
    if len(value) < 16384:
        return struct.pack(">H", 0x4000 | len(value)) + value
    return b"\x80" + struct.pack(">I", len(value)) + value


def rdb_file(records: list[bytes], version: int = 10) -> bytes:
    body = f"REDIS{version:04d}".encode() + b"".join(records) + bytes([rdb.EOF])
    return body + struct.pack("<Q", rdb.crc64(body))


def string_key(key: bytes, value: bytes, expire_ms: int | None = None, idle: int | None = None) -> bytes:
    head = (bytes([rdb.EXPIRETIME_MS]) + struct.pack("<q", expire_ms) if expire_ms else b"") + (
        bytes([rdb.IDLE, idle]) if idle is not None else b"")
    return head + b"\x00" + rdb_string(key) + rdb_string(value)


def reference(key: rdb.Key, version: int, replace: bool) -> bytes:
    """What redis-py (hiredis's packer) sends for the RESTORE `infra.ops.restore` sent before issue #19."""
    args: list = [b"RESTORE", key.key, b"%d" % (key.expire_ms or 0), key.payload(version)]
    args += [b"REPLACE"] * replace + [b"ABSTTL"] * bool(key.expire_ms)
    if key.idle_seconds is not None:
        args += [b"IDLETIME", b"%d" % key.idle_seconds]
    elif key.freq is not None:
        args += [b"FREQ", b"%d" % key.freq]
    return hiredis.pack_command(tuple(args))


FUTURE = 4_102_444_800_000  # 2100-01-01 in unix ms


@pytest.mark.parametrize("replace", [False, True])
@pytest.mark.parametrize("record", [
    string_key(b"plain", b"v"),
    string_key(b"k" * 70, b"x" * 20_000),  # a 14-bit key length, a 32-bit value length
    string_key(b"ttl", b"v", expire_ms=FUTURE),
    string_key(b"idle", b"v", idle=7),
    string_key(b"both", b"v", expire_ms=FUTURE, idle=0),
    bytes([rdb.FREQ, 200]) + b"\x00" + rdb_string(b"lfu") + rdb_string(b"v"),
    b"\x00" + rdb_string(b"n") + bytes([0xC0, 0x7B]),  # an int8-encoded value
    b"\x0b" + rdb_string(b"intset") + rdb_string(b"\x02\x00\x00\x00\x01\x00\x00\x00\x01\x00\x02\x00"),
])
def test_encode_writes_what_redis_py_would_send(record, replace):
    data = rdb_file([record])
    keys = [r for r in rdb.records(data) if isinstance(r, rdb.Key)]
    (batch,) = [b for b in rdb.batches(data) if not isinstance(b, rdb.Function)]
    blob, names, expired = encode(batch, data, 10, replace, now_ms=0)
    assert blob == b"".join(reference(key, 10, replace) for key in keys)
    assert names == [key.key for key in keys] and expired == 0


def test_encode_skips_keys_already_expired():
    data = rdb_file([string_key(b"gone", b"v", expire_ms=1_000), string_key(b"kept", b"v", expire_ms=FUTURE),
                     string_key(b"forever", b"v")])
    (batch,) = list(rdb.batches(data))
    blob, names, expired = encode(batch, data, 10, False, now_ms=2_000)
    assert names == [b"kept", b"forever"] and expired == 1 and b"gone" not in blob


def test_batches_split_at_databases_functions_and_the_byte_cap():
    function = bytes([rdb.FUNCTION2]) + rdb_string(LIBRARY)
    data = rdb_file([function, bytes([rdb.SELECTDB, 0])] + [string_key(b"a%d" % i, b"v") for i in range(5)]
                    + [bytes([rdb.SELECTDB, 3])] + [string_key(b"b%d" % i, b"x" * 600) for i in range(4)])
    shapes = [("function",) if isinstance(b, rdb.Function) else (b[0][0], len(b))
              for b in rdb.batches(data, batch_keys=2, batch_bytes=1_000)]
    assert shapes == [("function",), (0, 2), (0, 2), (0, 1), (3, 2), (3, 2)]


@pytest.fixture
def dev(dev_run, tmp_path):
    conf, command, password = container_boot(dev_run)
    with RedisServer.from_container(conf, tmp_path / "target", command) as server:
        yield server, password


@pytest.mark.integration
def test_keys_of_several_databases_and_a_library_land_where_they_belong(dev, monkeypatch):
    server, password = dev
    monkeypatch.setattr(restore_replay, "BATCH", 3)  # batches and database switches mid-window
    records = [bytes([rdb.FUNCTION2]) + rdb_string(LIBRARY)]
    for db in (0, 3, 5):
        records += [bytes([rdb.SELECTDB, db])] + [string_key(b"k%d" % i, b"db%d-%d" % (db, i)) for i in range(10)]
    target = Target("127.0.0.1", server.port, password, False, {}, **ADMIN)
    tally = restore.replay(target, rdb_file(records), replace=False)
    assert (tally.restored, tally.functions, tally.in_flight) == (30, 1, 0)
    for db in (0, 3, 5):
        client = server.client(password, db=db)
        assert client.dbsize() == 10 and client.get("k7") == b"db%d-7" % db
    assert server.client(password).fcall("answer", 0) == 42


@pytest.mark.integration
def test_the_replay_runs_at_most_its_window_ahead_of_the_server(dev, monkeypatch):
    """Streaming, structurally: batches are read from the file only as the server confirms earlier ones."""
    server, password = dev
    monkeypatch.setattr(restore_replay, "BATCH", 10)
    walked, seen = [0], []
    original = rdb.batches

    def counted(*args, **kwargs):
        for batch in original(*args, **kwargs):
            walked[0] += 1
            yield batch

    monkeypatch.setattr(rdb, "batches", counted)
    data = rdb_file([string_key(b"k%d" % i, b"v") for i in range(1_000)])
    restore.replay(Target("127.0.0.1", server.port, password, False, {}, **ADMIN), data, replace=False,
                   after_batch=lambda tally, _: seen.append((walked[0], tally.restored, tally.in_flight)))
    assert len(seen) == 100 and seen[-1] == (100, 1_000, 0)
    for read, confirmed, in_flight in seen:
        assert read - confirmed // 10 <= restore_replay.WINDOW and in_flight <= restore_replay.WINDOW * 10


@pytest.mark.integration
def test_the_in_band_probe_reads_the_servers_eviction_counter(dev_run, tmp_path):
    """The probe's reply, read on the replay's own connection after a batch, is the raw INFO the watch parses."""
    conf, command, password = container_boot(dev_run)
    with RedisServer.from_container(conf, tmp_path / "small", command, extra_conf="maxmemory 2mb") as server:
        client = server.client(password)
        watch = write_guard.Watch(client, write_guard.ServerState.from_info(client.info()))
        wire = Wire(client, 0, write_guard.Watch.PROBE)
        try:
            blob = b"".join(hiredis.pack_command((b"SET", b"k%d" % i, os.urandom(1_000))) for i in range(5_000))
            wire.send(blob, [b"k%d" % i for i in range(5_000)], tally := Tally())
            failed, probed = wire.confirm(tally)
        finally:
            wire.close()
        evicted = client.info("stats")["evicted_keys"]
        assert not failed and tally.restored == 5_000 and isinstance(probed, bytes) and evicted > 0
        assert watch.evicted(probed) == evicted == watch.evicted()


@pytest.mark.integration
def test_restore_over_tls(dev_run, tls_files, tmp_path):
    """The replay writes raw bytes on redis-py's connection: on its TLS socket too."""
    conf, command, password = container_boot(dev_run)
    with RedisServer.from_container(conf, tmp_path / "tls", command, tls=tls_files) as server:
        path = tmp_path / "b.rdb"
        path.write_bytes(rdb_file([string_key(b"k%d" % i, b"over tls %d" % i) for i in range(2_500)]))
        target = Target("127.0.0.1", server.port, password, True, {}, **ADMIN, ca_cert=str(tls_files.ca))
        result = restore.run(target, path, use_manifest=False)
        assert result.restored == 2_500 and result.persisted.startswith("AOF rewritten")
        assert server.client(password).get("k2499") == b"over tls 2499"


def _peak_rss_mib(server, password, tmp_path: Path, path: Path) -> float:
    outputs = write_outputs(tmp_path / f"outputs-{path.stem}.json", outputs_for(server, password))
    _, code, stderr, peak = run_measured([sys.executable, "-m", "infra.cli", "restore", "--outputs", outputs, str(path),
                                          "--yes", "--force", "--no-manifest"], timeout=300)
    assert code == 0, stderr
    return peak


@pytest.mark.integration
def test_restore_memory_does_not_grow_with_the_backup(dev, tmp_path):
    """Peak RSS of the whole restore process for a 1-key backup and for a ~120 MB one of 150,000 keys: the second
    may add a bounded working set (the window, the walk's mapped pages), never the data."""
    server, password = dev
    tiny, large = tmp_path / "tiny.rdb", tmp_path / "large.rdb"
    tiny.write_bytes(rdb_file([string_key(b"one", b"v")]))
    large.write_bytes(rdb_file([string_key(b"small:%d" % i, os.urandom(100)) for i in range(140_000)]
                               + [string_key(b"large:%d" % i, os.urandom(10_000)) for i in range(10_000)]))
    assert large.stat().st_size > 110 * 2**20
    baseline = _peak_rss_mib(server, password, tmp_path, tiny)
    peak = _peak_rss_mib(server, password, tmp_path, large)
    assert server.client(password).dbsize() == 150_001
    assert peak - baseline < 40, (baseline, peak)
