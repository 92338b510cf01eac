"""`env --write`: update the app's .env in place — only a regular file, every line but ours kept byte for byte.

Which file is written (`resolve`): FILE itself when it is a regular file or does not exist, or — through any chain
of symlinks — the regular file the chain ends at, so a `.env` linked to a shared one updates the shared one rather
than replacing the link with a copy that goes stale. Refused, with the reason, before anything is written: a device,
FIFO, socket or directory at the end; a chain passing through /proc (`/proc/self/fd/1`, `/dev/stdout`, `/dev/fd/N`:
names for whatever the process has open, not a file anyone meant); a symlink to nothing; a file with other hard
links (the atomic rename below would leave them holding the old values). The new content goes to a temporary file
created 0600 beside the target, is fsynced and renamed over it; when root rewrites another user's file, that user
keeps owning it.

How it is merged (`merge_dotenv`): python-dotenv's own parser (`dotenv.parser.parse_stream`) splits the text into
bindings, each carrying its exact original text, so quoted multi-line values are understood (a `REDIS_PASSWORD=` line
inside another variable's quoted value is that variable's text, not a binding) and everything that is not one of
our keys is copied verbatim — comments, `export`, spacing, unparseable lines, CRLF line endings, bytes that are not
UTF-8 (carried through with surrogateescape). Our keys keep their own `export` prefix and line ending; a repeated one
is dropped (the last would win in most readers); missing ones are appended in the file's own line ending.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import stat
from pathlib import Path
from typing import Callable, Mapping

MAX_HOPS = 40  # as the kernel's own symlink limit (ELOOP)
PROC = Path("/proc")
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"))


class Refused(ValueError):
    """FILE is not something `env --write` may write (the CLI exits 2)."""


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def resolve(path: Path) -> Path:
    """The regular file to write for `path` (see the module docstring); raises Refused."""
    current, via = Path(os.path.abspath(path)), ""
    for _ in range(MAX_HOPS):
        parent = Path(os.path.realpath(current.parent))
        if parent == PROC or PROC in parent.parents:
            raise Refused(f"{path} leads into /proc ({parent / current.name}): that names a process's open file, "
                          "not a file to keep settings in")
        current = parent / current.name
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            if via:
                raise Refused(f"{path} is a symlink to {current}, which does not exist: create it, or pass the real "
                              "path") from None
            return current
        if stat.S_ISLNK(info.st_mode):
            via, current = str(current), parent / os.readlink(current)
            continue
        if not stat.S_ISREG(info.st_mode):
            shown = f"{path}" + (f" (through symlinks: {current})" if via else "")
            raise Refused(f"{shown} is {_kind(info.st_mode)}: --write writes only a regular file")
        if info.st_nlink > 1:
            raise Refused(f"{current} has {info.st_nlink} hard links: replacing it would leave the others with the "
                          "old values; pass a path with a single link")
        return current
    raise Refused(f"{path}: more than {MAX_HOPS} symlinks")


def read_existing(target: Path) -> tuple[bytes, os.stat_result] | None:
    """The current content and status of `target`, None when it does not exist; the type is checked on the open
    file, so a FIFO swapped in after `resolve` is refused instead of blocking the read."""
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise Refused(f"{target} is {_kind(info.st_mode)}: --write writes only a regular file")
        return handle.read(), info


def replace(target: Path, data: bytes, previous: os.stat_result | None) -> None:
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)  # explicit: the mode must not depend on the umask
            if previous is not None and os.geteuid() == 0 and previous.st_uid != 0:
                os.fchown(handle.fileno(), previous.st_uid, previous.st_gid)  # the app's user keeps reading it
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself survives a crash
    finally:
        os.close(dir_fd)


_BLANK_LINES = re.compile(r"(?:[^\S\r\n]*(?:\r\n|\n|\r))*")
_INDENT_EXPORT = re.compile(r"[^\S\r\n]*(?:export[^\S\r\n]+)?")
_LINE_END = re.compile(r"(?:\r\n|\n|\r)?\Z")
_FIRST_NEWLINE = re.compile(r"\r\n|\n|\r")


def merge_dotenv(existing: str, env: Mapping[str, str], quote: Callable[[str], str]) -> str:
    from dotenv.parser import parse_stream  # loaded only by `env --write`

    bom = "\ufeff" if existing.startswith("\ufeff") else ""
    body = existing[len(bom):]  # recent python-dotenv strips a BOM itself; we keep it
    bindings = list(parse_stream(io.StringIO(body)))
    if "".join(b.original.string for b in bindings) != body:  # guards "every other byte kept" on any parser version
        raise Refused("the existing file cannot be split into lines faithfully; choose another --write path")
    found = _FIRST_NEWLINE.search(body)
    newline = found.group() if found else "\n"
    parts, seen = [], set()
    for binding in bindings:
        original, key = binding.original.string, binding.key
        if binding.error or key is None or key not in env:
            parts.append(original)
            continue
        blank = _BLANK_LINES.match(original).group()  # type: ignore[union-attr]
        if key in seen:  # a repeat of our key: dropped, the blank lines before it kept
            parts.append(blank)
            continue
        seen.add(key)
        prefix = _INDENT_EXPORT.match(original, len(blank)).group()  # type: ignore[union-attr]
        line_end = _LINE_END.search(original).group()  # type: ignore[union-attr]
        parts.append(f"{blank}{prefix}{key}={quote(env[key])}{line_end}")
    text = "".join(parts)
    missing = [key for key in env if key not in seen]
    if missing and text and not text.endswith(("\n", "\r")):
        text += newline
    return bom + text + "".join(f"{key}={quote(env[key])}{newline}" for key in missing)
