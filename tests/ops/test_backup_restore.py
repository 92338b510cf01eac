"""Backup → restore against real redis-servers booted from the dev container's config, through the CLI; and the
wait for the restored data to reach disk, against a scripted server."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
import redis

from infra.ops import backup_store
from infra.ops import restore
from infra.endpoint import Target
from support.ops_support import (KNOWN_FREQ, KNOWN_IDLE_SECONDS, assert_same, backup_cli, capture, fill, outputs_for,
                                  restore_cli)
from conftest import container_boot
from support.redis_server import RedisServer, modern_redis_server_binary

LFU = "maxmemory-policy allkeys-lfu"  # FREQ is kept, saved and restored only under an LFU policy


class ScriptedServer:
    """What `restore.persist` sees of a server: replies to BGREWRITEAOF / BGSAVE and INFO persistence, in order; the
    last of each is repeated (a rewrite that never ends)."""

    def __init__(self, replies: list, infos: list[dict]):
        self.replies, self.infos, self.commands, self.infos_read = replies, infos, [], 0

    def execute_command(self, *args):
        self.commands.append(args[0])
        reply = self.replies[min(len(self.commands), len(self.replies)) - 1]
        if isinstance(reply, Exception):
            raise reply
        return reply

    def info(self, section):
        assert section == "persistence"
        self.infos_read += 1
        return self.infos[min(self.infos_read, len(self.infos)) - 1]

    def time(self):
        return (1_000, 0)


BUSY = redis.ResponseError("Background append only file rewriting already in progress")
REWRITING = {"aof_rewrite_in_progress": 1, "aof_rewrite_scheduled": 0}
SCHEDULED = {"aof_rewrite_in_progress": 0, "aof_rewrite_scheduled": 1}
REWRITTEN = {"aof_rewrite_in_progress": 0, "aof_rewrite_scheduled": 0, "aof_last_bgrewrite_status": "ok"}


@pytest.mark.parametrize("replies, infos, naps", [
    (["OK"], [REWRITTEN], []),
    (["OK"], [REWRITING, REWRITING, SCHEDULED, REWRITTEN], [restore.POLL_SECONDS] * 3),  # waits until it is done
    ([BUSY, BUSY, "OK"], [REWRITING, REWRITTEN], [restore.RETRY_SECONDS] * 2 + [restore.POLL_SECONDS]),  # a rewrite
    # already running may predate us
])
def test_persist_waits_for_a_rewrite_of_its_own(replies, infos, naps):
    server, slept = ScriptedServer(replies, infos), []
    assert restore.persist(server, aof_enabled=True, sleep=slept.append).startswith("AOF rewritten")
    assert server.commands == ["BGREWRITEAOF"] * len(replies) and server.infos_read == len(infos) and slept == naps


@pytest.mark.parametrize("replies, infos, timeout, message", [
    (["OK"], [{**REWRITTEN, "aof_last_bgrewrite_status": "err"}], 60, "the AOF rewrite failed"),
    ([redis.ResponseError("ERR no disk")], [REWRITTEN], 60, "could not rewrite the AOF: ERR no disk"),
    ([BUSY], [REWRITTEN], 0.05, "already in progress"),  # someone else's rewrite that never ends: bounded
    (["OK"], [REWRITING], 0.05, "did not finish within 0s"),
])
def test_persist_reports_a_rewrite_that_fails_or_never_ends(replies, infos, timeout, message):
    with pytest.raises(restore.RestoreError, match=message):
        restore.persist(ScriptedServer(replies, infos), aof_enabled=True, timeout=timeout, sleep=lambda _: None)


def test_persist_with_aof_off_waits_for_a_save_after_the_restore():
    saving = {"rdb_bgsave_in_progress": 1, "rdb_last_save_time": 999}
    stale = {"rdb_bgsave_in_progress": 0, "rdb_last_save_time": 999}  # an older save: not ours
    saved = {"rdb_bgsave_in_progress": 0, "rdb_last_save_time": 1_000, "rdb_last_bgsave_status": "ok"}
    server = ScriptedServer(["Background saving scheduled"], [saving, stale, saved])
    assert restore.persist(server, aof_enabled=False, sleep=lambda _: None).startswith("RDB saved")
    assert server.commands == ["BGSAVE"] and server.infos_read == 3
    failed = ScriptedServer(["OK"], [{**saved, "rdb_last_bgsave_status": "err"}])
    with pytest.raises(restore.RestoreError, match="BGSAVE failed"):
        restore.persist(failed, aof_enabled=False, sleep=lambda _: None)


@pytest.fixture(scope="module")
def filled_backup(dev_run, tmp_path_factory):
    """A backup of a source server holding >= 10,000 keys of every type, with its manifest and the source's captured
    state. Taken once per module (filling and backing up is most of each test's cost): the tests only read the file
    (one that damages it works on a copy), and every TTL is compared net of the wall time since the capture."""
    conf, command, password = container_boot(dev_run)
    workdir = tmp_path_factory.mktemp("filled")
    with RedisServer.from_container(conf, workdir / "source", command) as source:
        client = source.client(password)
        assert fill(client) >= 10_000
        done = backup_cli(source, password, dev_run, workdir, workdir / "backups")
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        return Path(report["file"]), report["manifest"], capture(client)


@pytest.mark.integration
def test_backup_writes_a_checked_file_and_manifest(filled_backup):
    path, manifest, state = filled_backup
    assert path.name.startswith("dev-") and path.suffix == ".rdb"
    assert manifest["keys"] == len(state.keys) and manifest["rdb_checksum"] == "ok" and manifest["functions"] == 1
    assert state.keys[b"meta:access"][3] == KNOWN_IDLE_SECONDS // 3600  # LRU: the idle time, in hours
    assert manifest["sha256"] == backup_store.sha256_file(path) and manifest["size"] == path.stat().st_size
    assert manifest["server_version"].startswith("7.") and manifest["rdb_version"] >= 10
    assert {"string", "hash", "list", "set", "zset", "stream"} <= set(manifest["types"])
    assert path.stat().st_mode & 0o777 == 0o600
    assert backup_store.load_manifest(path) == manifest


@pytest.mark.integration
def test_restore_brings_every_key_back_and_it_survives_a_restart(filled_backup, dev_servers, dev_run, tmp_path):
    path, manifest, expected = filled_backup
    start, password = dev_servers
    target = start("target")  # AOF on: the shipped config, the trap the guide's restore falls into
    rewrites = target.client(password).info("persistence")["aof_rewrites"]
    done = restore_cli(target, password, dev_run, tmp_path, path, "--yes", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["restored"] == manifest["keys"] and json.loads(done.stdout)["functions"] == 1
    # persisted by one AOF rewrite of its own, awaited before the command returned (a kill -9 cannot tell: the
    # page cache keeps the AOF's plain appends too)
    assert target.client(password).info("persistence")["aof_rewrites"] == rewrites + 1
    assert_same(expected, capture(target.client(password)))
    assert password not in done.stdout + done.stderr
    target.restart()  # clean restart: the server loads its AOF
    assert_same(expected, capture(target.client(password)))


@pytest.mark.integration
def test_restore_into_an_aof_server_survives_a_crash(filled_backup, dev_servers, dev_run, tmp_path):
    path, manifest, expected = filled_backup
    start, password = dev_servers
    target = start("target")
    assert target.client(password).info("persistence")["aof_enabled"] == 1
    assert restore_cli(target, password, dev_run, tmp_path, path, "--yes").returncode == 0
    target.kill()  # no shutdown save: only what the restore put on disk counts
    target.start()
    assert target.client(password).dbsize() == manifest["keys"]
    assert_same(expected, capture(target.client(password)))


@pytest.mark.integration
def test_restore_with_aof_off_saves_an_rdb_that_survives_a_crash(filled_backup, dev_servers, dev_run, tmp_path):
    path, manifest, _ = filled_backup
    start, password = dev_servers
    target = start("target-no-aof", extra_conf="appendonly no")
    done = restore_cli(target, password, dev_run, tmp_path, path, "--yes", "--json")
    assert done.returncode == 0, done.stderr
    assert "RDB saved" in json.loads(done.stdout)["persisted"]
    target.kill()
    target.start()
    assert target.client(password).dbsize() == manifest["keys"]


@pytest.mark.integration
def test_lfu_counters_survive_backup_restore_and_a_crash(dev_servers, dev_run, tmp_path):
    """Under an LFU policy a key's access record is its FREQ counter (the RDB then carries FREQ, not IDLE)."""
    start, password = dev_servers
    source = start("lfu-source", extra_conf=LFU)
    client = source.client(password)
    fill(client, n_strings=1_000)
    done = backup_cli(source, password, dev_run, tmp_path, tmp_path / "b")
    assert done.returncode == 0, done.stderr
    expected = capture(client)
    assert abs(expected.keys[b"meta:access"][3] - KNOWN_FREQ) <= 2
    target = start("lfu-target", extra_conf=LFU)
    done = restore_cli(target, password, dev_run, tmp_path, Path(json.loads(done.stdout)["file"]), "--yes")
    assert done.returncode == 0, done.stderr
    assert_same(expected, capture(target.client(password)))
    target.kill()
    target.start()
    assert_same(expected, capture(target.client(password)))


@pytest.mark.integration
def test_keys_already_expired_when_replayed_are_skipped(filled_backup, dev_servers):
    """Replayed 4,000 s later (the clock stood in), the keys with a 1 h or 30 min TTL are past their expiry: counted
    and not sent; those with 5,000 s or 2 h left are restored."""
    path, manifest, expected = filled_backup
    start, password = dev_servers
    target = start("target")
    later_ms = int(time.time() * 1000) + 4_000_000
    gone = {key for key, (_, _, pttl, _) in expected.keys.items() if 0 <= pttl < 4_000_000}
    assert len(gone) > 3_000 and any(pttl > 4_000_000 for _, _, pttl, _ in expected.keys.values())
    result = restore.run(Target.from_outputs(outputs_for(target, password)), path, now_ms=lambda: later_ms)
    assert result.skipped_expired == len(gone) and result.restored == manifest["keys"] - len(gone)
    assert set(capture(target.client(password)).keys) == set(expected.keys) - gone


@pytest.mark.integration
def test_the_guides_restore_trap_is_real(filled_backup, dev_run, tmp_path):
    """Copying the backup in as dump.rdb next to `appendonly yes` (the guide's restore) starts EMPTY on Redis 7."""
    path, _, _ = filled_backup
    conf, command, password = container_boot(dev_run)
    (tmp_path / "copied").mkdir()
    shutil.copy(path, tmp_path / "copied" / "dump.rdb")
    with RedisServer.from_container(conf, tmp_path / "copied", command) as server:
        assert server.client(password).dbsize() == 0


@pytest.mark.integration
def test_a_non_empty_target_is_refused_without_force(filled_backup, dev_servers, dev_run, tmp_path):
    path, manifest, expected = filled_backup
    start, password = dev_servers
    target = start("busy")
    client = target.client(password)
    client.set("str:0", "live value")
    client.set("live:only", "kept")
    refused = restore_cli(target, password, dev_run, tmp_path, path, "--yes")
    assert refused.returncode == 1 and "--force" in refused.stderr
    assert client.dbsize() == 2 and client.get("str:0") == b"live value"
    forced = restore_cli(target, password, dev_run, tmp_path, path, "--yes", "--force")
    assert forced.returncode == 0, forced.stderr
    assert client.get("str:0") == expected.keys[b"str:0"][1] and client.get("live:only") == b"kept"
    assert client.dbsize() == manifest["keys"] + 1


@pytest.mark.integration
def test_confirmation_is_required_without_yes(filled_backup, dev_servers, dev_run, tmp_path):
    path, _, _ = filled_backup
    start, password = dev_servers
    target = start("target")
    done = restore_cli(target, password, dev_run, tmp_path, path)  # stdin is not a terminal
    assert done.returncode == 2 and "--yes" in done.stderr
    assert target.client(password).dbsize() == 0


@pytest.mark.integration
@pytest.mark.parametrize("damage", ["flip a byte", "truncate"])
def test_a_corrupted_backup_is_refused(filled_backup, dev_servers, dev_run, tmp_path, damage):
    original, _, _ = filled_backup
    path = tmp_path / original.name  # a copy, with its manifest: the module's other tests read the original
    shutil.copy(original, path)
    shutil.copy(backup_store.manifest_path(original), backup_store.manifest_path(path))
    data = bytearray(path.read_bytes())
    if damage == "flip a byte":
        # One byte of a short string value (stored as is, not LZF-compressed): the RDB's structure stays intact, so
        # only the checksum can catch it. (The middle byte of the file, tried before, depends on the key order of
        # the source's hash table — a random seed per server — and sometimes landed on a type byte.)
        data[data.index(b"value-3000")] ^= 0x01
    else:
        del data[-100:]
    path.write_bytes(bytes(data))
    start, password = dev_servers
    target = start("target")
    done = restore_cli(target, password, dev_run, tmp_path, path, "--yes")
    assert done.returncode == 1 and "differs from its manifest" in done.stderr
    # without the manifest the RDB's own CRC64 (a flipped value byte) or structure (a cut) still catches it
    done = restore_cli(target, password, dev_run, tmp_path, path, "--yes", "--no-manifest")
    expected = ("checksum",) if damage == "flip a byte" else ("truncated", "damaged")
    assert done.returncode == 1 and any(word in done.stderr for word in expected), done.stderr
    assert target.client(password).dbsize() == 0


@pytest.mark.integration
def test_a_backup_newer_than_the_target_is_refused_before_writing(dev_servers, dev_run, tmp_path):
    """A Redis 8 snapshot (RDB v12) into the Debian 7.0 server (reads up to v10) — as a 7.2 dev image's (v11) would:
    refused with what to do, before a single key is written."""
    start, password = dev_servers
    source = start("modern", binary=modern_redis_server_binary())
    source.client(password).set("k", "v")
    done = backup_cli(source, password, dev_run, tmp_path, tmp_path / "b")
    assert done.returncode == 0, done.stderr
    path = Path(json.loads(done.stdout)["file"])
    assert json.loads(done.stdout)["manifest"]["rdb_version"] == 12
    target = start("target")
    assert target.client(password).info("server")["redis_version"].startswith("7.0")
    done = restore_cli(target, password, dev_run, tmp_path, path, "--yes")
    assert done.returncode == 1
    assert "RDB v12" in done.stderr and "Redis 7.4 or 8.x" in done.stderr and "at least as new" in done.stderr
    assert target.client(password).dbsize() == 0


@pytest.mark.integration
@pytest.mark.parametrize("source_binary", ["debian-7.0", "redis-8"])
def test_restore_into_redis_8_from_its_own_and_from_an_older_backup(dev_servers, dev_run, tmp_path, source_binary):
    """The newest encodings (RDB v12: listpack sets, stream v3, ...) round-trip too, and a 7.0 backup restores into a
    newer server."""
    start, password = dev_servers
    source = start("source", **({"binary": modern_redis_server_binary()} if source_binary == "redis-8" else {}))
    client = source.client(password)
    fill(client, n_strings=1_000)
    done = backup_cli(source, password, dev_run, tmp_path, tmp_path / "b")
    assert done.returncode == 0, done.stderr
    expected = capture(client)  # after the backup: capturing reads every value, which resets its idle time
    target = start("modern-target", binary=modern_redis_server_binary())
    done = restore_cli(target, password, dev_run, tmp_path, Path(json.loads(done.stdout)["file"]), "--yes")
    assert done.returncode == 0, done.stderr
    target.restart()
    assert_same(expected, capture(target.client(password)))
