"""Backup retention: delete only what this tool wrote, only when it is provably old, never the last good backup.

A file is ours when (1) its name is exactly this label's pattern (`backup_store.stem_pattern`), (2) it and its
manifest are regular files (a directory or symlink named like a backup is someone else's), and (3) the manifest
parses, has our format and describes this very file: label, file name, creation time (the name's stamp), size and —
before anything is deleted or counted as the newest — sha256. Anything else is left alone, and a file named like
ours that fails is named in a warning.

Age is the manifest's `created_at`, never the name or the file's mtime. A backup dated more than CLOCK_TOLERANCE
ahead of now is ignored — never deleted (its age is unknowable), never counted as the newest — and warned about, so a
backup taken with a clock in 2099 neither shadows the real newest for ever nor gets pruned on a guess. The backup
just taken and the newest intact one before it are always kept: even when this run's clock is wrong in a way nothing
here can see (the server's clock wrong the same way), the last backup from before survives. `backup.take` compares
this machine's clock with the server's first and skips retention when they disagree (`infra.clock`; the
ElastiCache backup does the same with the API's clock). Partial files
of a crashed run are deleted when their exact name (with its random part) is ours, they are regular files owned by
this user, and nothing has written to them for PARTIAL_MAX_AGE.

`plan` decides from what `scan` found; `apply` deletes, each data + manifest pair with Ctrl-C held back, and reports
every failure instead of raising, so a failed deletion is never mistaken for a failed backup.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from infra.ops import backup_store
from infra.ops import interrupts
from infra.clock import CLOCK_TOLERANCE
from infra.ops.backup_store import FORMAT, MANIFEST_SUFFIX, STAMP, safe_label

PARTIAL_MAX_AGE = timedelta(days=1)  # a .partial not written to for this long was left by a crashed run
MANIFEST_MAX_BYTES = 1 << 20  # ours are ~1 KB: a bigger "manifest" is not ours, and is not read into memory
_SHA256 = re.compile(r"[0-9a-f]{64}")


class NotOurs(Exception):
    """A file named like one of our backups that this tool did not write as it is (the message says why)."""


@dataclass(frozen=True)
class Backup:
    rdb: Path
    manifest: Path
    created: datetime
    sequence: int
    size: int
    sha256: str


@dataclass
class Retention:
    pruned: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    interrupted: bool = False


def _manifest_json(path: Path) -> object:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise NotOurs("its manifest is not a regular file")
        data = handle.read(MANIFEST_MAX_BYTES + 1)
    if len(data) > MANIFEST_MAX_BYTES:
        raise NotOurs("its manifest is far larger than ours")
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        raise NotOurs("its manifest is not JSON") from None


def read_backup(manifest: Path, label: str) -> Backup:
    """The backup this manifest describes, when every check of the module docstring but the sha256 holds."""
    match = re.fullmatch(backup_store.stem_pattern(label) + re.escape(MANIFEST_SUFFIX), manifest.name)
    if not match:
        raise NotOurs("not this label's name pattern")
    rdb = manifest.with_name(manifest.name.removesuffix(MANIFEST_SUFFIX) + ".rdb")
    try:
        data = os.lstat(rdb)
        content = _manifest_json(manifest)
    except FileNotFoundError:
        raise NotOurs("its data file is missing") from None
    except OSError as error:
        raise NotOurs(f"cannot be read: {error.strerror}") from None
    if not stat.S_ISREG(data.st_mode):
        raise NotOurs(f"{rdb.name} is not a regular file")
    if not isinstance(content, dict) or content.get("format") != FORMAT:
        raise NotOurs(f"its manifest is not a {FORMAT} manifest")
    if content.get("file") != rdb.name or not isinstance(content.get("label"), str) \
            or safe_label(content["label"]) != safe_label(label):
        raise NotOurs("its manifest describes another file")
    try:
        created = datetime.fromisoformat(str(content.get("created_at")))
    except ValueError:
        raise NotOurs("its manifest has no valid created_at") from None
    if created.tzinfo is None or created.astimezone(timezone.utc).strftime(STAMP) != match.group(1):
        raise NotOurs("its manifest's created_at is not the time in its name")
    size, sha256 = content.get("size"), content.get("sha256")
    if type(size) is not int or size != data.st_size:
        raise NotOurs(f"its size differs from its manifest's ({data.st_size:,} bytes, manifest {size!r})")
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise NotOurs("its manifest has no sha256")
    return Backup(rdb, manifest, created.astimezone(timezone.utc), int(match.group(2) or 1), size, sha256)


def intact(backup: Backup) -> str | None:
    """None when the data still hashes to its manifest's sha256; else why not."""
    try:
        actual = backup_store.sha256_file(backup.rdb)
    except OSError as error:
        return f"cannot be read: {error.strerror}"
    return None if actual == backup.sha256 else "its sha256 differs from its manifest's"


def scan(dest: Path, label: str) -> tuple[list[Backup], list[str]]:
    """This label's backups (oldest first) and a warning for each file named like one that is not ours."""
    found, warnings = [], []
    pattern = re.compile(backup_store.stem_pattern(label) + re.escape(MANIFEST_SUFFIX))
    for entry in sorted(os.scandir(dest), key=lambda e: e.name):
        if pattern.fullmatch(entry.name):
            try:
                found.append(read_backup(Path(entry.path), label))
            except NotOurs as reason:
                warnings.append(f"left alone: {entry.name.removesuffix(MANIFEST_SUFFIX)}.rdb ({reason})")
    return sorted(found, key=lambda b: (b.created, b.sequence)), warnings


def plan(backups: list[Backup], keep_days: int, now: datetime, keep: Path,
         check: Callable[[Backup], str | None] = intact) -> tuple[list[Backup], list[str]]:
    """(what to delete, warnings): see the module docstring for the rules. `check` is `intact` (the sha256)."""
    warnings, dated = [], []
    for backup in backups:
        if backup.created > now + CLOCK_TOLERANCE:
            warnings.append(f"ignored: {backup.rdb.name} is dated {backup.created:%Y-%m-%d %H:%M} UTC, in the "
                            "future (a wrong clock when it was taken?): retention neither deletes it nor counts it "
                            "as the newest; delete it yourself once you have checked it")
        else:
            dated.append(backup)
    failed: set[Path] = set()

    def ok(backup: Backup) -> bool:
        problem = check(backup)
        if problem:
            warnings.append(f"left alone: {backup.rdb.name} ({problem})")
            failed.add(backup.rdb)
        return problem is None

    protected = {keep}
    for backup in reversed(dated):  # the newest intact backup before this one: the last good one, whatever the clock
        if backup.rdb != keep and ok(backup):
            protected.add(backup.rdb)
            break
    cutoff = now - timedelta(days=keep_days)
    old = [b for b in dated if b.created < cutoff and b.rdb not in protected and b.rdb not in failed]
    return [b for b in old if ok(b)], warnings


def stale_partials(dest: Path, label: str, now: datetime) -> list[Path]:
    pattern, uid = backup_store.partial_pattern(label), os.getuid()
    stale = []
    for entry in os.scandir(dest):
        if pattern.fullmatch(entry.name):
            info = entry.stat(follow_symlinks=False)
            written = datetime.fromtimestamp(info.st_mtime, timezone.utc)
            if stat.S_ISREG(info.st_mode) and info.st_uid == uid and now - written > PARTIAL_MAX_AGE:
                stale.append(Path(entry.path))
    return stale


def apply(dest: Path, label: str, keep_days: int, now: datetime, keep: Path) -> Retention:
    """Delete what `plan` and `stale_partials` name; never raises for a file it could not delete or read."""
    result = Retention()
    try:
        backups, result.warnings = scan(dest, label)
        doomed, warnings = plan(backups, keep_days, now, keep)
        result.warnings += warnings
        pairs = [(b.rdb, b.manifest) for b in doomed] + [(p, None) for p in stale_partials(dest, label, now)]
        for data, manifest in pairs:
            with interrupts.held() as hold:
                _delete(data, manifest, result)
            if hold.interrupted:
                result.interrupted = True
                break
    except KeyboardInterrupt:  # while reading or hashing: nothing half-deleted
        result.interrupted = True
    except OSError as error:
        result.errors.append(f"cannot read {dest}: {error.strerror or error}")
    return result


def _delete(data: Path, manifest: Path | None, result: Retention) -> None:
    try:
        data.unlink()  # data first: a manifest left without data is harmless and reported by `scan`
    except OSError as error:
        result.errors.append(f"could not delete {data.name}: {error.strerror or error}")
        return
    result.pruned.append(data.name)
    if manifest is not None:
        try:
            manifest.unlink()
        except OSError as error:
            result.errors.append(f"deleted {data.name} but not its manifest {manifest.name}: {error.strerror}")
