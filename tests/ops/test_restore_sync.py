"""`restore`'s replication fast path against real redis-servers booted from the dev container's config (AOF on): the
target loads the backup itself, key by key equal to the source (every type, TTLs, access records, several databases,
functions), rewrites its AOF and keeps the data through a crash; a key written before the sync aborts it with nothing
flushed; a refused REPLICAOF, a writable replica, a TLS target or a connection from elsewhere falls back to RESTORE;
Ctrl-C while the file is sent, loaded or rewritten says what the target holds and leaves it a primary; a backup that
does not fit is refused before REPLICAOF, and an eviction after the promotion fails the restore."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
import redis

from conftest import container_boot
from infra.ops import backup, restore, sync_master, sync_route, write_guard
from infra.endpoint import Target
from support.ops_support import assert_same, capture, fill, outputs_for, write_outputs
from support.redis_server import RedisServer
from support.stack_harness import REPO_ROOT
from support.ops_support import restore_cli

pytestmark = pytest.mark.integration

OTHER_DBS = (2, 9)
SLOW_LOAD = "key-load-delay 150\nloading-process-events-interval-bytes 1024"  # ~1.6 s for 10k keys; INFO answered


@pytest.fixture(scope="module")
def source_backup(dev_run, tmp_path_factory):
    """(backup path, {db: captured state}) of every type in db 0 plus keys with TTLs in two more databases."""
    conf, command, password = container_boot(dev_run)
    workdir = tmp_path_factory.mktemp("sync-source")
    with RedisServer.from_container(conf, workdir / "source", command) as source:
        fill(source.client(password))
        for db in OTHER_DBS:
            client = source.client(password, db=db)
            for i in range(50):
                client.set(f"db{db}:{i}", f"v{i}", ex=3600 if i % 2 else None)
        path = backup.take(Target.from_outputs(outputs_for(source, password)), workdir / "backups", "dev", 7).path
        # after the backup: reading a value resets its idle time, which the backup keeps
        states = {db: capture(source.client(password, db=db)) for db in (0, *OTHER_DBS)}
    return path, states


def _json(done: subprocess.CompletedProcess[str]) -> dict:
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def _role(server: RedisServer, password: str) -> str:
    return server.client(password).info("replication")["role"]


@pytest.mark.parametrize("appendonly", ["yes", "no"])
def test_an_empty_target_loads_the_backup_itself_and_keeps_it_through_a_crash(source_backup, dev_servers, dev_run,
                                                                              tmp_path, appendonly):
    path, expected = source_backup
    start, password = dev_servers
    target = start("target", extra_conf=f"appendonly {appendonly}")
    rewrites = target.client(password).info("persistence")["aof_rewrites"]
    report = _json(restore_cli(target, password, dev_run, tmp_path, path, "--yes", "--json"))
    assert report["method"] == "replication" and report["restored"] == sum(len(s.keys) for s in expected.values())
    persistence = target.client(password).info("persistence")
    if appendonly == "yes":  # the target's own rewrite after the sync, awaited: done, and only that one
        assert report["persisted"].startswith("AOF rewritten")
        assert persistence["aof_rewrites"] == rewrites + 1 and persistence["aof_last_bgrewrite_status"] == "ok"
        assert not persistence["aof_rewrite_in_progress"] and not persistence["aof_rewrite_scheduled"]
    else:
        assert report["persisted"].startswith("RDB saved")
    assert _role(target, password) == "master" and target.client(password).info("stats")["evicted_keys"] == 0
    for crashed in (False, True):
        if crashed:  # kill -9: only what is on disk comes back
            target.kill()
            target.start()
        for db, state in expected.items():
            assert_same(state, capture(target.client(password, db=db)))


def test_a_key_written_before_the_sync_aborts_it_and_nothing_is_flushed(source_backup, dev_servers, monkeypatch):
    """The app writes after the pre-flight check and before REPLICAOF; once REPLICAOF is in, writes are refused."""
    path, _ = source_backup
    start, password = dev_servers
    target = start("target")
    app = target.client(password)
    handshake, refused = sync_master.Link.handshake, []

    def while_held(link):
        with pytest.raises(redis.ReadOnlyError):
            app.set("app:after-replicaof", 1)
        refused.append(True)
        return handshake(link)

    monkeypatch.setattr(sync_master.Link, "handshake", while_held)
    with pytest.raises(restore.RestoreError) as stopped:
        restore.run(Target.from_outputs(outputs_for(target, password)), path, replication=sync_route.AUTO,
                    confirm=lambda plan: bool(app.set("app:late", "mine")))
    message = str(stopped.value)
    assert "received 1 keys" in message and "nothing was sent or flushed: the target holds 1 keys" in message
    assert message.endswith("; it is a primary again") and refused == [True]
    assert _role(target, password) == "master" and app.keys("*") == [b"app:late"] and app.get("app:late") == b"mine"
    assert "Flushing old data" not in target.log_path.read_text()


@pytest.mark.parametrize("refusal", ['rename-command REPLICAOF ""', "ACL SETUSER profwise-admin -replicaof"])
def test_a_refused_replicaof_falls_back_to_restore_and_says_so(source_backup, dev_servers, dev_run, tmp_path,
                                                               refusal):
    path, expected = source_backup
    start, password = dev_servers
    if refusal.startswith("ACL"):  # the admin user (the one restore connects as) is denied REPLICAOF
        target = start("target")
        target.admin().execute_command(*refusal.split())
    else:
        target = start("target", extra_conf=refusal)
    done = restore_cli(target, password, dev_run, tmp_path, path, "--yes", "--json")
    assert _json(done)["method"] == "RESTORE"
    assert "not loading by replication: the target refused REPLICAOF" in done.stderr
    assert_same(expected[0], capture(target.client(password)))


@pytest.mark.parametrize("setting, reason", [
    ("replica-read-only no", "replica-read-only no"),
    ("", "not the target"),  # the route names another peer: the target's own connection is then refused
])
def test_no_fast_path_without_proof_it_is_safe(source_backup, dev_servers, monkeypatch, setting, reason):
    path, expected = source_backup
    start, password = dev_servers
    target = start("target", extra_conf=setting)
    if not setting:
        monkeypatch.setattr(sync_route, "choose", lambda *_: sync_route.Route("127.0.0.1", "127.0.0.2", "a test"))
    said: list[str] = []
    result = restore.run(Target.from_outputs(outputs_for(target, password)), path, replication=sync_route.AUTO,
                         progress=said.append)
    assert result.method == "RESTORE" and any(reason in line and "RESTORE instead" in line for line in said), said
    assert _role(target, password) == "master"
    assert_same(expected[0], capture(target.client(password)))


def test_a_tls_target_keeps_the_restore_path(source_backup, dev_run, tmp_path, tls_files):
    path, _ = source_backup
    conf, command, password = container_boot(dev_run)
    with RedisServer.from_container(conf, tmp_path / "tls", command, tls=tls_files) as target:
        outputs = write_outputs(tmp_path / "tls.json", outputs_for(target, password, dev_run))
        done = subprocess.run([sys.executable, "-m", "infra.cli", "restore", "--outputs", outputs, str(path), "--yes",
                               "--json", "--ca-cert", str(tls_files.ca)], cwd=REPO_ROOT, capture_output=True,
                              text=True, timeout=120)
        assert _json(done)["method"] == "RESTORE" and "not by replication: the target uses TLS" in done.stderr


@pytest.mark.parametrize("stage", ["handshake", "stream"])
def test_ctrl_c_before_the_whole_file_is_sent_leaves_the_target_empty(source_backup, dev_servers, monkeypatch, stage):
    path, _ = source_backup
    start, password = dev_servers
    target = start("target")
    real = getattr(sync_master.Link, stage)

    def interrupted(link, *args):
        if stage == "stream":  # half the file really reaches the target's temporary file
            with open(path, "rb") as handle:
                link.conn.sendfile(handle, 0, path.stat().st_size // 2)
        else:
            real(link, *args)
        raise KeyboardInterrupt

    monkeypatch.setattr(sync_master.Link, stage, interrupted)
    with pytest.raises(restore.Interrupted) as stopped:
        restore.run(Target.from_outputs(outputs_for(target, password)), path, replication=sync_route.AUTO)
    held = "nothing was sent or flushed: the target holds 0 keys" if stage == "handshake" else \
        "nothing was flushed or written: the target is empty, as before"
    assert held in str(stopped.value) and str(stopped.value).endswith("; it is a primary again")
    assert _role(target, password) == "master" and target.client(password).dbsize() == 0
    assert "Flushing old data" not in target.log_path.read_text()


@pytest.mark.parametrize("when, conf, said", [
    ("loading", SLOW_LOAD, "the target holds the whole backup"),
    ("rewriting", "rdb-key-save-delay 150", "restore interrupted while waiting for the target's AOF rewrite"),
])
def test_sigint_while_the_target_loads_or_rewrites_says_it_holds_the_whole_backup(source_backup, dev_servers,
                                                                                   dev_run, tmp_path, when, conf, said):
    path, expected = source_backup
    start, password = dev_servers
    target = start("target", extra_conf=conf)
    client = target.client(password)
    outputs = write_outputs(tmp_path / "target.json", outputs_for(target, password, dev_run))
    cli = subprocess.Popen([sys.executable, "-m", "infra.cli", "restore", "--outputs", outputs, str(path), "--yes"],
                           cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            info = client.info()
            if (info["loading"] if when == "loading" else
                    info["role"] == "master" and info["aof_rewrite_in_progress"] and info["aof_rewrites"]):
                break
            time.sleep(0.01)
        cli.send_signal(signal.SIGINT)
        _, stderr = cli.communicate(timeout=60)
    finally:
        cli.kill()
    last = stderr.strip().splitlines()[-1]
    assert cli.returncode == 130 and "Traceback" not in stderr, stderr
    assert said in last and f"the whole backup ({sum(len(s.keys) for s in expected.values()):,} keys)" in last, last
    assert last.endswith("; it is a primary again") and _role(target, password) == "master"
    assert_same(expected[0], capture(client))
    # The server goes on with the rewrite the message says was not awaited (and refuses SIGTERM meanwhile:
    # "Writing initial AOF, can't exit"); once it is done the backup survives a crash.
    while (info := client.info("persistence"))["aof_rewrite_in_progress"] or info["aof_rewrite_scheduled"]:
        time.sleep(0.05)
    target.kill()
    target.start()
    assert_same(expected[0], capture(target.client(password)))
    target.kill()  # its shutdown SAVE would take the delay again


def test_a_backup_that_does_not_fit_is_refused_before_replicaof(source_backup, dev_servers, dev_run, tmp_path):
    path, _ = source_backup
    start, password = dev_servers
    target = start("target", extra_conf="maxmemory 3mb")
    done = restore_cli(target, password, dev_run, tmp_path, path, "--yes")
    assert done.returncode == 1 and "nothing was written: the backup does not fit" in done.stderr, done.stderr
    assert "REPLICAOF" not in target.log_path.read_text() and target.client(password).dbsize() == 0


def test_an_eviction_once_promoted_fails_the_restore(source_backup, dev_servers, monkeypatch):
    """A replica never evicts; if the fit check were wrong, the promoted target would: that must not pass."""
    path, _ = source_backup
    start, password = dev_servers
    target = start("target", extra_conf="maxmemory 3mb")
    monkeypatch.setattr(restore, "need_of", lambda summary: write_guard.Need("the backup", 0, 1, 0))
    with pytest.raises(restore.RestoreError, match="the target evicted [0-9,]+ keys once it was a primary again"):
        restore.run(Target.from_outputs(outputs_for(target, password)), path, replication=sync_route.AUTO)
    assert _role(target, password) == "master"
    target.kill()  # it refuses SIGTERM while it writes its initial AOF after the sync
