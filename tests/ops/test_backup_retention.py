"""Retention deletes only what this tool wrote, dates backups by their manifests, keeps the last good one and
reports every failure truthfully: the rules as a table, then real backups of a real server through the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from infra.ops import backup
from infra import clock
from infra.ops import backup_retention
from infra.ops import backup_store
from infra.ops.backup_retention import Backup
from infra.endpoint import Target
from support.ops_support import backup_cli, outputs_for, write_outputs
from support.stack_harness import REPO_ROOT

NOW = datetime(2025, 3, 10, 12, 0, 0, tzinfo=timezone.utc)


def stored(days_ago: float, sequence: int = 1) -> Backup:
    created = NOW - timedelta(days=days_ago)
    name = f"dev-{created.strftime(backup_store.STAMP)}" + (f"-{sequence}" if sequence > 1 else "")
    return Backup(Path(name + ".rdb"), Path(name + ".manifest.json"), created, sequence, 1, "0" * 64)


def names(backups) -> list[str]:
    return sorted(b.rdb.name for b in backups)


@pytest.mark.parametrize("ages, keep_days, just_taken, broken, deleted", [
    ([30, 8, 6, 0], 7, 0, (), [30, 8]),
    ([30, 8, 0], 7, 0, (), [30]),  # 8 days is old, but the newest before the new one: the last good backup
    ([30, 20, 10, 1, 0], 7, 0, (), [30, 20, 10]),
    ([30, 20, 0], 0, 0, (), [30]),  # --keep-days 0 still keeps the one before
    ([50, 40, 20], 0, 40, (), [50]),  # the one just taken dated behind (a clock far back): it and the newest stay
    ([30, 20, 10, 0], 7, 0, (10,), [30]),  # the newest before is corrupt: the next intact one is kept instead
    ([30, 20, 10, 0], 7, 0, (30,), [20]),  # a corrupt old one is not ours as it is: left alone
    ([30, -30000, 0], 7, 0, (), []),  # 2107: ignored — not the newest, so 30 days is the one kept before the new one
    ([30, 20, -30000, 0], 7, 0, (), [30]),
])
def test_retention_rules(ages, keep_days, just_taken, broken, deleted):
    backups = [stored(age) for age in ages]
    keep = stored(just_taken).rdb
    doomed, warnings = backup_retention.plan(backups, keep_days, NOW, keep,
                                             check=lambda b: "corrupt" if b.rdb in {stored(a).rdb for a in broken}
                                             else None)
    assert names(doomed) == names(stored(age) for age in deleted)
    future = [w for w in warnings if "in the future" in w]
    assert len(future) == sum(age < 0 for age in ages) and all("neither deletes it nor counts it" in w for w in future)
    assert len([w for w in warnings if "corrupt" in w]) == len(broken)


@pytest.mark.parametrize("local, server_ctime, refused", [
    (NOW, str(int(NOW.timestamp())), False),
    (NOW, str(int((NOW - timedelta(minutes=50)).timestamp())), False),
    (datetime(2099, 1, 1, tzinfo=timezone.utc), str(int(NOW.timestamp())), True),  # this machine's clock is wrong
    (NOW, str(int((NOW - timedelta(days=3)).timestamp())), True),  # or the server's: either way, don't prune
    (NOW, None, False),  # an RDB without ctime: nothing to compare with
])
def test_retention_is_skipped_when_the_clocks_disagree(local, server_ctime, refused):
    problem = clock.clock_problem(local, clock.rdb_clock(server_ctime))
    assert (problem is not None) is refused
    if refused:
        assert "nothing pruned" in problem


# ---- real backups of a real server -------------------------------------------------------------------------------

def take_at(server, password: str, dest: Path, when: datetime, keep_days: int = 7):
    """A real backup (SYNC from the server, checked, committed) taken as if this machine's clock said `when`."""
    target = Target.from_outputs(outputs_for(server, password))
    return backup.take(target, dest, "dev", keep_days, now=lambda: when)


def manifest_of(path: Path) -> dict:
    return json.loads(backup_store.manifest_path(path).read_text())


def lookalike(dest: Path, stamp: str, source: Path, **manifest_changes) -> Path:
    """A file named like one of ours, with a copy of a real backup's data and manifest, the manifest changed."""
    path = dest / f"dev-{stamp}.rdb"
    path.write_bytes(source.read_bytes())
    created = datetime.strptime(stamp, backup_store.STAMP).replace(tzinfo=timezone.utc)
    manifest = {**manifest_of(source), "file": path.name, "created_at": created.isoformat(), **manifest_changes}
    backup_store.manifest_path(path).write_text(json.dumps(manifest))
    return path


@pytest.mark.integration
def test_retention_deletes_only_its_own_old_backups_after_a_good_one(dev_servers, dev_run, tmp_path):
    start, password = dev_servers
    source = start("source")
    source.client(password).set("k", "v")
    dest = tmp_path / "backups"
    real_now = datetime.now(timezone.utc)
    oldest, old = (take_at(source, password, dest, real_now - timedelta(days=d)).path for d in (30, 20))

    not_json = dest / "dev-20200103T000000Z.rdb"  # someone else's file beside a manifest we cannot read
    not_json.write_bytes(b"not ours")
    backup_store.manifest_path(not_json).write_text("{not json")
    wrong_sha = lookalike(dest, "20200104T000000Z", oldest, sha256="f" * 64)
    directory = dest / "dev-20200105T000000Z.rdb"
    lookalike(dest, "20200105T000000Z", oldest)
    directory.unlink()
    directory.mkdir()  # a directory named like a backup, with a manifest that matches everything but its type
    (directory / "precious").write_text("kept")
    other_label = lookalike(dest, "20200106T000000Z", oldest).rename(dest / "other-20200106T000000Z.rdb")
    hidden = [dest / ".dev-20200101T000000Z.rdb.partial", dest / ".dev-notes.partial"]  # the old glob's victims
    ours = dest / ".dev-20200101T000000Z.rdb.0123456789abcdef.partial"  # what a crashed run of this tool leaves
    for path in [*hidden, ours]:
        path.write_bytes(b"half")
        os.utime(path, (0, time.time() - 3 * 86400))
    everything_else = sorted(p for p in dest.rglob("*") if p not in (oldest, backup_store.manifest_path(oldest), ours))

    source.stop()  # a failed backup prunes nothing and leaves no partial
    failed = backup_cli(source, password, dev_run, tmp_path, dest)
    assert failed.returncode == 1 and "backup failed, nothing was pruned" in failed.stderr
    assert oldest.exists() and ours.exists() and len(list(dest.glob(".*partial"))) == 3

    source.start()
    done = backup_cli(source, password, dev_run, tmp_path, dest, "--keep-days", "7")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert sorted(report["pruned"]) == sorted([oldest.name, ours.name]) and report["prune_errors"] == []
    assert not oldest.exists() and not backup_store.manifest_path(oldest).exists() and not ours.exists()
    assert old.exists(), "the newest backup before the new one is always kept"
    assert all(p.exists() for p in everything_else) and (directory / "precious").read_text() == "kept"
    for name, reason in [(not_json.name, "not JSON"), (wrong_sha.name, "sha256 differs"),
                         (directory.name, "not a regular file")]:
        assert any(name in w and reason in w for w in report["warnings"]), (name, report["warnings"])
    assert not any(other_label.name in w for w in report["warnings"])
    assert "warning: left alone" in done.stderr

    again = backup_cli(source, password, dev_run, tmp_path, dest, "--keep-days", "0")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["pruned"] == [old.name]
    assert sorted(p.name for p in dest.glob("dev-*.rdb") if p.is_file() and p not in (not_json, wrong_sha)) == \
        sorted([Path(report["file"]).name, Path(json.loads(again.stdout)["file"]).name])


@pytest.mark.integration
def test_a_backup_from_2099_neither_prunes_history_nor_stays_the_newest(dev_servers, dev_run, tmp_path):
    start, password = dev_servers
    source = start("source")
    source.client(password).set("k", "v")
    dest = tmp_path / "backups"
    real_now = datetime.now(timezone.utc)
    three, two = (take_at(source, password, dest, real_now - timedelta(days=d)).path for d in (3, 2))

    future = take_at(source, password, dest, datetime(2099, 1, 1, tzinfo=timezone.utc), keep_days=0)
    assert future.path.name.startswith("dev-20990101T") and future.pruned == []
    assert "retention skipped" in future.retention.warnings[0] and three.exists() and two.exists()

    done = backup_cli(source, password, dev_run, tmp_path, dest, "--keep-days", "1")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["pruned"] == [three.name]
    assert two.exists(), "the real newest backup before this one is kept, not the one dated 2099"
    assert future.path.exists() and any(future.path.name in w and "in the future" in w for w in report["warnings"])


@pytest.mark.integration
@pytest.mark.parametrize("days, message", [
    ("1000000", "out of range: use 0 to 36500 days"), ("-1", "out of range"), ("1e3", "not a whole number"),
    ("nan", "not a whole number"), ("7.5", "not a whole number"),
])
def test_keep_days_beyond_the_calendar_is_a_usage_error_before_any_backup(dev_run, tmp_path, days, message):
    dest = tmp_path / "backups"
    done = backup_cli(1, "p" * 20, dev_run, tmp_path, dest, "--keep-days", days)  # refused before any connection
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not dest.exists()


@pytest.mark.integration
def test_ctrl_c_while_streaming_leaves_no_file_and_says_so(dev_servers, dev_run, tmp_path):
    start, password = dev_servers
    source = start("slow", extra_conf="rdb-key-save-delay 20000")  # 20 ms per key: a snapshot that takes seconds
    source.client(password).mset({f"k{i}": i for i in range(300)})
    dest = tmp_path / "backups"
    outputs = write_outputs(tmp_path / "outputs.json", outputs_for(source, password, dev_run))
    process = subprocess.Popen([sys.executable, "-m", "infra.cli", "backup", "--outputs", outputs, "--dest",
                                str(dest), "--label", "dev"], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not list(dest.glob(".*.partial")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # inside the transfer: the server is still writing its snapshot
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines()[-1] == \
        "backup interrupted (Ctrl-C): no backup was written (its partial file was removed) and nothing was pruned"
    assert list(dest.iterdir()) == []
    source.kill()  # its shutdown save would take 6 s more (20 ms per key), and nothing here reads it


@pytest.mark.integration
def test_a_deletion_that_fails_is_reported_after_the_complete_backup(dev_servers, dev_run, tmp_path, monkeypatch,
                                                                    capsys):
    """Root may delete anything here, so the refusal is staged: `unlink` of the old backup raises as on a read-only
    or immutable file. The command must not claim the backup failed or that nothing was pruned."""
    from infra.cli import main as cli

    start, password = dev_servers
    source = start("source")
    dest = tmp_path / "backups"
    real_now = datetime.now(timezone.utc)
    stuck, deletable, _ = (take_at(source, password, dest, real_now - timedelta(days=d)).path for d in (30, 20, 10))
    unlink = Path.unlink

    def refuse(self: Path, missing_ok: bool = False) -> None:
        if self.name == stuck.name:
            raise PermissionError(1, "Operation not permitted", str(self))
        unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", refuse)
    outputs = write_outputs(tmp_path / "outputs.json", outputs_for(source, password, dev_run))
    code = cli.main(["backup", "--outputs", outputs, "--dest", str(dest), "--label", "dev", "--keep-days", "7"])
    err = capsys.readouterr().err
    assert code == 1 and "backup failed" not in err and "nothing was pruned" not in err
    assert f"is complete, but retention failed: could not delete {stuck.name}: Operation not permitted" in err
    assert stuck.exists() and not deletable.exists()


def consistent(dest: Path, when: datetime, data: bytes = b"REDIS0011 data") -> Path:
    """Files exactly as a backup of this tool leaves them (name, manifest content), without a server."""
    path = dest / f"dev-{when.strftime(backup_store.STAMP)}.rdb"
    path.write_bytes(data)
    manifest = {"format": backup_store.FORMAT, "file": path.name, "label": "dev", "size": len(data),
                "created_at": when.isoformat(timespec="seconds"), "sha256": backup_store.sha256_file(path)}
    backup_store.manifest_path(path).write_text(json.dumps(manifest))
    return path


def test_ctrl_c_during_retention_stops_between_pairs(tmp_path, monkeypatch):
    """A real SIGINT while the first old backup is being deleted: its manifest goes too, the next pair is not
    touched, and the result says retention was interrupted."""
    first, second = (consistent(tmp_path, NOW - timedelta(days=d)) for d in (30, 20))
    kept = [consistent(tmp_path, NOW - timedelta(days=d)) for d in (2, 0)]
    unlink = Path.unlink

    def interrupted_unlink(self: Path, missing_ok: bool = False) -> None:
        unlink(self, missing_ok=missing_ok)
        if self == first:
            os.kill(os.getpid(), signal.SIGINT)  # held back until the pair is gone

    monkeypatch.setattr(Path, "unlink", interrupted_unlink)
    result = backup_retention.apply(tmp_path, "dev", 7, NOW, keep=kept[-1])
    assert result.interrupted and result.pruned == [first.name] and result.errors == []
    assert not backup_store.manifest_path(first).exists()
    assert second.exists() and backup_store.manifest_path(second).exists() and all(p.exists() for p in kept)
    assert backup_retention.apply(tmp_path, "dev", 7, NOW, keep=kept[-1]).pruned == [second.name]  # resumed
