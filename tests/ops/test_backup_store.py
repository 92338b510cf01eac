"""The backup directory rules: names, partial files, never overwriting, manifests (retention: test_backup_retention)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from infra.ops import backup_store

NOW = datetime(2025, 3, 10, 12, 0, 0, tzinfo=timezone.utc)


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


def test_partial_names_carry_a_random_part_only_this_tool_writes(tmp_path):
    final = tmp_path / "dev-20250310T120000Z.rdb"
    names = set()
    for _ in range(3):
        partial, handle = backup_store.open_partial(final)
        handle.close()
        names.add(partial.name)
        assert backup_store.partial_pattern("dev").fullmatch(partial.name)
        assert partial.stat().st_mode & 0o777 == 0o600
    assert len(names) == 3  # concurrent runs never share a partial file
    assert not backup_store.partial_pattern("dev").fullmatch(".dev-20250310T120000Z.rdb.partial")  # no random part
    assert not backup_store.partial_pattern("dev").fullmatch(".dev-notes.0123456789abcdef.partial")


def test_a_dangling_symlink_at_a_backup_name_counts_as_taken(tmp_path):
    (tmp_path / "dev-20250310T120000Z.rdb").symlink_to(tmp_path / "elsewhere")
    assert backup_store.new_name(tmp_path, "dev", NOW).name == "dev-20250310T120000Z-2.rdb"


def test_a_commit_that_cannot_write_its_manifest_leaves_no_final_name(tmp_path):
    final = tmp_path / "dev-20250310T120000Z.rdb"
    partial, handle = backup_store.open_partial(final)
    with handle:
        handle.write(b"new")
    backup_store.manifest_path(final).write_text("someone else's")  # appeared after the name was chosen
    with pytest.raises(FileExistsError):
        backup_store.commit(partial, final, {"format": backup_store.FORMAT})
    assert not final.exists() and partial.exists()  # the caller removes its partial
    assert backup_store.manifest_path(final).read_text() == "someone else's"


@pytest.mark.parametrize("content, message", [
    (None, "no manifest"), ("not json", "unreadable"), ('{"format": "other"}', "not a profwise-redis backup"),
    (b"\xff\xfe not utf-8", "unreadable"),
])
def test_bad_manifests_are_reported(tmp_path, content, message):
    rdb = tmp_path / "dev-20250310T120000Z.rdb"
    rdb.write_bytes(b"x")
    if content is not None:
        path = backup_store.manifest_path(rdb)
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    with pytest.raises((FileNotFoundError, ValueError), match=message):
        backup_store.load_manifest(rdb)
