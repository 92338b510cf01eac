"""The backup directory: timestamped RDB files and their manifests — never overwriting, never half-written.

A backup is `<label>-<UTC stamp>[-n].rdb` plus `<label>-<UTC stamp>[-n].manifest.json` (label, creation time, size,
sha256, key count, versions). The data is streamed into a hidden `.<final name>.<random>.partial` file created
exclusively with mode 0600 (the random part makes it a name no other program writes, so a crashed run's leftovers
can be recognised as ours), checked, then hard-linked to its final name (`link` fails rather than replace an existing
file) and only then is the manifest written, also exclusively: a backup without a manifest is incomplete and is
neither listed nor restored; if the manifest cannot be written the data's final name is removed again. Retention
(which of these files to delete) is `infra.ops.backup_retention`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

FORMAT = "profwise-redis-backup/1"
STAMP = "%Y%m%dT%H%M%SZ"
MANIFEST_SUFFIX = ".manifest.json"
PARTIAL_SUFFIX = ".partial"


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


def stem_pattern(label: str) -> str:
    """The regular expression of this label's backup names without suffix: `<label>-<stamp>` or `…-<n>`, n 2–999."""
    return re.escape(safe_label(label)) + r"-(\d{8}T\d{6}Z)(?:-([2-9]|[1-9]\d{1,2}))?"


def partial_pattern(label: str) -> re.Pattern[str]:
    return re.compile(r"\." + stem_pattern(label) + r"\.rdb\.[0-9a-f]{16}" + re.escape(PARTIAL_SUFFIX))


def new_name(dest: Path, label: str, now: datetime) -> Path:
    """The first free `<label>-<stamp>[-n].rdb` in dest (two backups in one second get a suffix). Anything at a name
    counts, a dangling symlink included: nothing of someone else's is ever replaced."""
    base = f"{safe_label(label)}-{now.astimezone(timezone.utc).strftime(STAMP)}"
    for n in range(1, 1000):
        candidate = dest / (base + (f"-{n}" if n > 1 else "") + ".rdb")
        if not os.path.lexists(candidate) and not os.path.lexists(manifest_path(candidate)):
            return candidate
    raise FileExistsError(f"too many backups named {base}* in {dest}")


def open_partial(final: Path) -> tuple[Path, Any]:
    partial = final.with_name(f".{final.name}.{secrets.token_hex(8)}{PARTIAL_SUFFIX}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    return partial, os.fdopen(fd, "wb")


def _write_exclusive(path: Path, data: bytes) -> None:
    """Create `path` (never an existing one) with `data`; a file we created but could not fill is removed."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit(partial: Path, final: Path, manifest: dict[str, Any]) -> Path:
    """Give the checked data its final name without replacing anything, then write the manifest; on any failure the
    final name we just made is removed again (the partial stays for the caller to remove)."""
    os.link(partial, final)  # raises FileExistsError instead of overwriting
    path = manifest_path(final)
    try:
        _write_exclusive(path, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
    except BaseException:
        os.unlink(final)  # ours: made by the link above
        raise
    os.unlink(partial)
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
    except (OSError, ValueError) as error:  # ValueError: not JSON, or not UTF-8
        raise ValueError(f"manifest {path} is unreadable: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"{path} is not a profwise-redis backup manifest (format {FORMAT})")
    return manifest
