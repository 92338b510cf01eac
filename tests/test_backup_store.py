"""The backup directory rules: names, never overwriting, manifests, retention."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from infra import backup_store

NOW = datetime(2025, 3, 10, 12, 0, 0, tzinfo=timezone.utc)


def make(dest: Path, label: str, when: datetime, suffix: str = "") -> Path:
    rdb = dest / f"{label}-{when.strftime(backup_store.STAMP)}{suffix}.rdb"
    rdb.write_bytes(b"data")
    backup_store.manifest_path(rdb).write_text("{}")
    return rdb


@pytest.mark.parametrize("label, expected", [
    ("dev", "dev"), ("org/project/prod", "org-project-prod"), ("../../etc", "etc"), ("", "redis"),
])
def test_labels_become_flat_file_names(label, expected):
    assert backup_store.safe_label(label) == expected


def test_two_backups_in_one_second_get_distinct_names(tmp_path):
    first = backup_store.new_name(tmp_path, "dev", NOW)
    assert first.name == "dev-20250310T120000Z.rdb"
    first.write_bytes(b"x")
    assert backup_store.new_name(tmp_path, "dev", NOW).name == "dev-20250310T120000Z-2.rdb"


def test_commit_never_overwrites_and_writes_a_private_manifest(tmp_path):
    final = tmp_path / "dev-20250310T120000Z.rdb"
    partial, handle = backup_store.open_partial(final)
    with handle:
        handle.write(b"new")
    final.write_bytes(b"the last good backup")
    with pytest.raises(FileExistsError):
        backup_store.commit(partial, final, {"format": backup_store.FORMAT})
    assert final.read_bytes() == b"the last good backup"
    final.unlink()
    manifest = backup_store.commit(partial, final, {"format": backup_store.FORMAT})
    assert final.read_bytes() == b"new" and not partial.exists()
    assert manifest.stat().st_mode & 0o777 == 0o600 and final.stat().st_mode & 0o777 == 0o600
    assert backup_store.load_manifest(final) == {"format": backup_store.FORMAT}


def test_a_partial_file_is_created_exclusively(tmp_path):
    final = tmp_path / "dev-x.rdb"
    backup_store.open_partial(final)[1].close()
    with pytest.raises(FileExistsError):
        backup_store.open_partial(final)


def test_only_backups_with_a_manifest_are_listed_oldest_first(tmp_path):
    late = make(tmp_path, "dev", NOW, "-2")
    early = make(tmp_path, "dev", NOW)
    make(tmp_path, "dev-2", NOW - timedelta(days=30))  # another label sharing the prefix
    (tmp_path / "dev-20250101T000000Z.rdb").write_bytes(b"no manifest: incomplete")
    assert [s.rdb for s in backup_store.list_backups(tmp_path, "dev")] == [early, late]


def test_prune_removes_old_backups_of_this_label_only(tmp_path):
    old = [make(tmp_path, "dev", NOW - timedelta(days=d)) for d in (30, 8)]
    recent = make(tmp_path, "dev", NOW - timedelta(days=6))
    other = make(tmp_path, "prod", NOW - timedelta(days=30))
    new = make(tmp_path, "dev", NOW)
    removed = backup_store.prune(tmp_path, "dev", 7, NOW, keep=new)
    assert sorted(removed) == sorted(p.name for p in old)
    assert not any(p.exists() or backup_store.manifest_path(p).exists() for p in old)
    assert recent.exists() and other.exists() and new.exists()


def test_prune_never_deletes_the_one_just_taken_nor_the_newest(tmp_path):
    newest = make(tmp_path, "dev", NOW - timedelta(days=20))
    just_taken = make(tmp_path, "dev", NOW - timedelta(days=40))  # a clock far behind: still kept
    older = make(tmp_path, "dev", NOW - timedelta(days=50))
    assert backup_store.prune(tmp_path, "dev", 0, NOW, keep=just_taken) == [older.name]
    assert newest.exists() and just_taken.exists()


def test_prune_clears_partials_left_by_a_crash(tmp_path):
    import os

    stale = tmp_path / ".dev-20250101T000000Z.rdb.partial"
    stale.write_bytes(b"half")
    os.utime(stale, (0, (NOW - timedelta(days=2)).timestamp()))
    fresh = tmp_path / ".dev-20250310T115959Z.rdb.partial"  # maybe a backup running right now
    fresh.write_bytes(b"in progress")
    os.utime(fresh, (0, NOW.timestamp()))
    new = make(tmp_path, "dev", NOW)
    assert backup_store.prune(tmp_path, "dev", 7, NOW, keep=new) == [stale.name]
    assert fresh.exists()


@pytest.mark.parametrize("content, message", [
    (None, "no manifest"), ("not json", "unreadable"), ('{"format": "other"}', "not a profwise-redis backup"),
])
def test_bad_manifests_are_reported(tmp_path, content, message):
    rdb = tmp_path / "dev-20250310T120000Z.rdb"
    rdb.write_bytes(b"x")
    if content is not None:
        backup_store.manifest_path(rdb).write_text(content)
    with pytest.raises((FileNotFoundError, ValueError), match=message):
        backup_store.load_manifest(rdb)
