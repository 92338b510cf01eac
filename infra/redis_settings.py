"""The Redis settings model: one validated description of how Profwise's Redis behaves.

Both backends render from this model: `redis_conf` turns it into the container's `redis.conf`, and the ElastiCache
component turns the same `directives()` into a parameter group. Defaults are the Profwise deployment guide's
production values. The model knows nothing about Pulumi; `settings` reads it from the stack config.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator

from infra.models import Section

MIB = 1024 * 1024
GIB = 1024 * MIB
SIZE_PRESETS = {"small": 256 * MIB, "medium": 512 * MIB, "large": GIB}
SIZE_UNITS = {"b": 1, "kb": 1024, "mb": MIB, "gb": GIB}
MIN_MAXMEMORY = 16 * MIB
_SIZE_RE = re.compile(r"^(\d+)(b|kb|mb|gb)?$")
_COMMAND_RE = re.compile(r"^[A-Z][A-Z0-9_|-]*$")

EvictionPolicy = Literal[
    "noeviction",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
]

# Commands the project's own tooling calls (verify, backup, health); disabling one would break them.
REQUIRED_COMMANDS = frozenset(
    {"AUTH", "HELLO", "PING", "INFO", "COMMAND", "SET", "GET", "DEL", "TTL", "SLOWLOG", "LASTSAVE", "BGSAVE",
     "SYNC", "PSYNC", "SCAN", "TYPE", "DUMP", "RESTORE", "PTTL", "DBSIZE",
     "REPLCONF", "BGREWRITEAOF", "SELECT", "TIME"}
)


def parse_size(value: Any) -> int:
    """`512mb`, `1gb`, `268435456`, or a preset name -> bytes. Binary units, as Redis reads `mb`/`gb`."""
    if isinstance(value, bool):
        raise ValueError("must be a size such as 256mb or 1gb, not a boolean")
    if isinstance(value, int):
        return value
    text = str(value).strip().lower().replace(" ", "")
    if text in SIZE_PRESETS:
        return SIZE_PRESETS[text]
    match = _SIZE_RE.match(text)
    if not match:
        presets = "/".join(SIZE_PRESETS)
        raise ValueError(f"{value!r} is not a size: use a number with kb, mb or gb (e.g. 256mb, 1gb) or a preset "
                         f"({presets})")
    return int(match.group(1)) * SIZE_UNITS[match.group(2) or "b"]


def format_size(n_bytes: int) -> str:
    """Bytes -> the largest exact unit Redis understands (536870912 -> '512mb')."""
    for unit in ("gb", "mb", "kb"):
        if n_bytes % SIZE_UNITS[unit] == 0:
            return f"{n_bytes // SIZE_UNITS[unit]}{unit}"
    return str(n_bytes)


def yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


class RedisSettings(Section):
    """`profwise-redis:redis` — how Redis evicts, persists, logs and protects itself."""

    maxmemory: int = Field(512 * MIB, description="Memory limit: a size (256mb, 1gb) or preset small/medium/large "
                           "(256mb/512mb/1gb). Docker only; on ElastiCache the node type sets it.")
    maxmemory_policy: EvictionPolicy = Field("allkeys-lru", description="What Redis evicts when maxmemory is reached.")
    appendonly: bool = Field(True, description="Append-only file persistence (Docker; ElastiCache uses snapshots).")
    appendfsync: Literal["always", "everysec", "no"] = Field(
        "everysec", description="AOF fsync policy: everysec loses at most ~1 s of writes on a crash.")
    save_points: tuple[tuple[int, int], ...] = Field(
        ((900, 1), (300, 10), (60, 10000)),
        description="RDB snapshot points as [seconds, changes] pairs; [] turns RDB snapshots off.")
    slowlog_threshold_ms: float = Field(10, ge=0, description="Log commands slower than this many milliseconds.")
    slowlog_max_len: int = Field(128, ge=1, le=100_000, description="Entries kept in the slow log.")
    tcp_keepalive: int = Field(60, ge=0, le=7200, description="Seconds between TCP keepalive probes (0 = off).")
    timeout: int = Field(0, ge=0, le=86_400, description="Close client connections idle this many seconds (0 = never).")
    lazyfree: bool = Field(True, description="Free memory of evicted/expired/deleted keys in a background thread.")
    protected_mode: bool = Field(True, description="Redis protected mode (defence in depth beside the password).")
    disabled_commands: tuple[str, ...] = Field(
        ("FLUSHDB", "FLUSHALL", "CONFIG"), description="Commands removed from the server (renamed to nothing).")

    @field_validator("maxmemory", mode="before")
    @classmethod
    def _parse_maxmemory(cls, value: Any) -> int:
        size = parse_size(value)
        if size < MIN_MAXMEMORY:
            raise ValueError(f"{format_size(size)} is too small: Redis needs room for its own overhead; "
                             "use at least 16mb (e.g. 256mb or the preset small)")
        return size

    @field_validator("save_points")
    @classmethod
    def _check_save_points(cls, points: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
        for seconds, changes in points:
            if seconds < 1 or changes < 1:
                raise ValueError(f"[{seconds}, {changes}] is not a save point: both seconds and changes must be "
                                 "at least 1 (e.g. [900, 1]); use [] to turn RDB snapshots off")
        return points

    @field_validator("disabled_commands", mode="before")
    @classmethod
    def _normalise_commands(cls, names: Any) -> tuple[str, ...]:
        if isinstance(names, str) or not isinstance(names, (list, tuple)):
            raise ValueError('must be a list of command names, e.g. ["FLUSHDB", "FLUSHALL", "CONFIG"]')
        result: list[str] = []
        for name in names:
            upper = str(name).strip().upper()
            if not _COMMAND_RE.match(upper):
                raise ValueError(f"{name!r} is not a Redis command name (letters, digits, '-', '_' or '|')")
            if upper in REQUIRED_COMMANDS:
                raise ValueError(f"{upper} cannot be disabled: verification, backup and health checks need it; "
                                 "remove it from the list")
            if upper not in result:
                result.append(upper)
        return tuple(result)

    @property
    def slowlog_threshold_us(self) -> int:
        return round(self.slowlog_threshold_ms * 1000)

    def directives(self) -> dict[str, str]:
        """The model as Redis directives (name -> value as redis.conf writes it); both renderers start here."""
        save = " ".join(f"{s} {c}" for s, c in self.save_points) or '""'
        lazy = yes_no(self.lazyfree)
        return {
            "protected-mode": yes_no(self.protected_mode),
            "tcp-keepalive": str(self.tcp_keepalive),
            "timeout": str(self.timeout),
            "maxmemory": format_size(self.maxmemory),
            "maxmemory-policy": self.maxmemory_policy,
            "lazyfree-lazy-eviction": lazy,
            "lazyfree-lazy-expire": lazy,
            "lazyfree-lazy-server-del": lazy,
            "lazyfree-lazy-user-del": lazy,
            "lazyfree-lazy-user-flush": lazy,
            "replica-lazy-flush": lazy,
            "save": save,
            "appendonly": yes_no(self.appendonly),
            "appendfsync": self.appendfsync,
            "slowlog-log-slower-than": str(self.slowlog_threshold_us),
            "slowlog-max-len": str(self.slowlog_max_len),
        }

    def effective(self) -> dict[str, Any]:
        """The non-secret settings a live server must show; exported as the `settings` stack output."""
        return {
            "maxmemory": self.maxmemory,
            "maxmemory-policy": self.maxmemory_policy,
            "appendonly": self.appendonly,
            "appendfsync": self.appendfsync,
            "save": [list(point) for point in self.save_points],
            "slowlog-log-slower-than": self.slowlog_threshold_us,
            "slowlog-max-len": self.slowlog_max_len,
            "tcp-keepalive": self.tcp_keepalive,
            "timeout": self.timeout,
            "lazyfree": self.lazyfree,
            "disabled-commands": list(self.disabled_commands),
        }
