"""The backup directory: timestamped RDB files, their manifests, retention — never overwriting, never half-written.

A backup is `<label>-<UTC stamp>.rdb` plus `<label>-<UTC stamp>.manifest.json` (size, sha256, key count, versions).
The data is streamed into a hidden `.partial` file created exclusively with mode 0600, checked, then hard-linked to
its final name (`link` fails rather than replace an existing file) and only then is the manifest written: a backup
without a manifest is incomplete and is neither listed nor restored. Retention removes backups of the same label
older than N days, but never the one just taken and never the newest, so a run of failures can't empty the folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

FORMAT = "profwise-redis-backup/1"
STAMP = "%Y%m%dT%H%M%SZ"
MANIFEST_SUFFIX = ".manifest.json"
PARTIAL_MAX_AGE = timedelta(days=1)  # a .partial older than this was left by a crashed run


def safe_label(label: str) -> str:
    """Stack names may hold `/` (org/project/stack); keep file names flat and portable."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", label).strip("-.") or "redis"


def manifest_path(rdb_path: Path) -> Path:
    return rdb_path.with_name(rdb_path.name.removesuffix(".rdb") + MANIFEST_SUFFIX)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def new_name(dest: Path, label: str, now: datetime) -> Path:
    """The first free `<label>-<stamp>[-n].rdb` in dest (two backups in one second get a suffix)."""
    base = f"{safe_label(label)}-{now.astimezone(timezone.utc).strftime(STAMP)}"
    for n in range(1, 1000):
        candidate = dest / (base + (f"-{n}" if n > 1 else "") + ".rdb")
        if not candidate.exists() and not manifest_path(candidate).exists():
            return candidate
    raise FileExistsError(f"too many backups named {base}* in {dest}")


def open_partial(final: Path) -> tuple[Path, Any]:
    partial = final.with_name(f".{final.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return partial, os.fdopen(fd, "wb")


def _write_exclusive(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit(partial: Path, final: Path, manifest: dict[str, Any]) -> Path:
    """Give the checked data its final name without replacing anything, then write the manifest."""
    os.link(partial, final)  # raises FileExistsError instead of overwriting
    os.unlink(partial)
    path = manifest_path(final)
    _write_exclusive(path, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
    _fsync_dir(final.parent)
    return path


def load_manifest(rdb_path: Path) -> dict[str, Any]:
    path = manifest_path(rdb_path)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"no manifest {path.name} next to {rdb_path.name}: only complete backups made by "
                                "`python -m infra.cli backup` have one (pass --no-manifest to restore a foreign "
                                "RDB file on its own CRC64)") from None
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"manifest {path} is unreadable: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"{path} is not a profwise-redis backup manifest (format {FORMAT})")
    return manifest


@dataclass(frozen=True)
class Stored:
    rdb: Path
    manifest: Path
    created: datetime
    sequence: int = 1  # the -n suffix of a second backup within the same second


def list_backups(dest: Path, label: str) -> list[Stored]:
    """Complete backups of this label (those with a manifest), oldest first."""
    prefix = safe_label(label) + "-"
    found = []
    for path in dest.glob(f"{prefix}*{MANIFEST_SUFFIX}"):
        stem = path.name.removesuffix(MANIFEST_SUFFIX)
        stamp = re.fullmatch(re.escape(prefix) + r"(\d{8}T\d{6}Z)(?:-(\d+))?", stem)
        if not stamp:  # another label that shares our prefix (e.g. dev vs dev-2)
            continue
        created = datetime.strptime(stamp.group(1), STAMP).replace(tzinfo=timezone.utc)
        found.append(Stored(path.with_name(stem + ".rdb"), path, created, int(stamp.group(2) or 1)))
    return sorted(found, key=lambda s: (s.created, s.sequence))


def prune(dest: Path, label: str, keep_days: int, now: datetime, keep: Path) -> list[str]:
    """Delete this label's backups older than keep_days, except `keep` (just taken) and the newest. Returns names."""
    backups = list_backups(dest, label)
    cutoff = now - timedelta(days=keep_days)
    protected = {keep.name} | ({backups[-1].rdb.name} if backups else set())
    removed = []
    for stored in backups:
        if stored.created >= cutoff or stored.rdb.name in protected:
            continue
        stored.rdb.unlink(missing_ok=True)  # data first: a manifest without data is listed and retried next time
        stored.manifest.unlink(missing_ok=True)
        removed.append(stored.rdb.name)
    for partial in dest.glob(f".{safe_label(label)}-*.partial"):
        if now - datetime.fromtimestamp(partial.stat().st_mtime, timezone.utc) > PARTIAL_MAX_AGE:
            partial.unlink(missing_ok=True)
            removed.append(partial.name)
    return removed
