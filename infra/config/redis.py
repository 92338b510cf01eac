"""The Redis settings model: one validated description of how Profwise's Redis behaves.

Both backends render from this model: `redis_conf` turns it into the container's `redis.conf`, and the ElastiCache
component turns the same `directives()` into a parameter group. Defaults are the Profwise deployment guide's
production values. The model knows nothing about Pulumi; `settings` reads it from the stack config.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Literal

from pydantic import Field, field_validator

from infra.sizes import GIB, MIB, SIZE_UNITS, format_size  # noqa: F401 — format_size: re-exported
from infra.config.models import Number, Section, as_list, refuse_duplicates
from infra.config.redis_commands import CommandName

SIZE_PRESETS = {"small": 256 * MIB, "medium": 512 * MIB, "large": GIB}
MIN_MAXMEMORY = 16 * MIB
# Redis 7.2 src/config.c: maxmemory is an unsigned 64-bit MEMORY_CONFIG parsed by memtoull() (src/util.c), which
# neither checks strtoull's overflow nor the unit multiplication (2**64 wraps to 0 = no limit), and INFO prints it
# with %lld (src/server.c), so anything above the signed 64-bit maximum reads back negative. That maximum it is.
MAX_MAXMEMORY = 2**63 - 1
# slowlog-log-slower-than: createLongLongConfig(..., -1, LLONG_MAX, ...) in src/config.c, a count of microseconds.
MAX_SLOWLOG_US = 2**63 - 1
# `save <seconds> <changes>`: struct saveparam { time_t seconds; int changes; } (src/server.h); the parser takes
# strtoll's result without an overflow check, so changes above INT_MAX wrap.
MAX_SAVE_SECONDS, MAX_SAVE_CHANGES = 2**63 - 1, 2**31 - 1
# At most 20 digits: Python refuses to parse a few thousand (int max str digits), and no real size needs more.
_SIZE_RE = re.compile(r"(\d{1,20})(b|kb|mb|gb)?", re.ASCII)

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


def parse_size(value: Any) -> int:
    """`512mb`, `1gb`, `268435456`, or a preset name -> bytes. Binary units, as Redis reads `mb`/`gb`."""
    if isinstance(value, bool):
        raise ValueError("must be a size such as 256mb or 1gb, not a boolean")
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a size: use a whole number of bytes or a number with kb, mb or gb "
                         "(e.g. 256mb, 1gb)")
    text = value.strip().lower().replace(" ", "")
    if text in SIZE_PRESETS:
        return SIZE_PRESETS[text]
    match = _SIZE_RE.fullmatch(text)
    if not match:
        presets = "/".join(SIZE_PRESETS)
        raise ValueError(f"{value!r} is not a size: use a number with kb, mb or gb (e.g. 256mb, 1gb) or a preset "
                         f"({presets})")
    return int(match.group(1)) * SIZE_UNITS[match.group(2) or "b"]


def _microseconds(ms: float) -> int:
    """Exactly, from the decimal the user wrote: 2.5 ms is 2500 us (binary float arithmetic could say 2499)."""
    return int((Decimal(repr(ms)) * 1000).to_integral_value(ROUND_HALF_EVEN))


def yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


class RedisSettings(Section):
    """`profwise-redis:redis` — how Redis evicts, persists, logs and protects itself."""

    maxmemory: int = Field(512 * MIB, examples=["256mb", "1gb", "small", 268435456],
                           description="Memory limit: a size (256mb, 1gb) or preset small/medium/large "
                           "(256mb/512mb/1gb), 16mb to 2^63-1 bytes. Docker only; on ElastiCache the node type sets "
                           "it.")
    maxmemory_policy: EvictionPolicy = Field("allkeys-lru", description="What Redis evicts when maxmemory is reached.")
    appendonly: bool = Field(True, description="Append-only file persistence (Docker; ElastiCache uses snapshots).")
    appendfsync: Literal["always", "everysec", "no"] = Field(
        "everysec", description="AOF fsync policy: everysec loses at most ~1 s of writes on a crash.")
    save_points: as_list(tuple[tuple[int, int], ...]) = Field(  # type: ignore[valid-type]
        ((900, 1), (300, 10), (60, 10000)),
        description="RDB snapshot points as [seconds, changes] pairs, each listed once; [] turns RDB snapshots off.")
    slowlog_threshold_ms: Number = Field(10, ge=0, description="Log commands slower than this many milliseconds "
                                         "(a finite number; Redis keeps it as whole microseconds).")
    slowlog_max_len: int = Field(128, ge=1, le=100_000, description="Entries kept in the slow log.")
    tcp_keepalive: int = Field(60, ge=0, le=7200, description="Seconds between TCP keepalive probes (0 = off).")
    timeout: int = Field(0, ge=0, le=86_400, description="Close client connections idle this many seconds (0 = never).")
    lazyfree: bool = Field(True, description="Free memory of evicted/expired/deleted keys in a background thread.")
    protected_mode: bool = Field(True, description="Redis protected mode (defence in depth beside the password).")
    disabled_commands: as_list(tuple[CommandName, ...]) = Field(  # type: ignore[valid-type]
        ("FLUSHDB", "FLUSHALL", "CONFIG"), examples=[["FLUSHDB", "FLUSHALL", "CONFIG", "KEYS"]],
        description="Redis 7.2 commands the app's default user may not run (ACL -command rules; the admin user "
        "keeps them), each listed once; never a subcommand or one the tools need (infra/config/redis_commands.py "
        "REQUIRED_COMMANDS). FLUSHALL, FLUSHDB, SWAPDB, MIGRATE and @admin are denied to the app whatever this says.")

    @field_validator("maxmemory", mode="before")
    @classmethod
    def _parse_maxmemory(cls, value: Any) -> int:
        size = parse_size(value)
        if size < MIN_MAXMEMORY:
            raise ValueError(f"{format_size(size)} is too small: Redis needs room for its own overhead; "
                             "use at least 16mb (e.g. 256mb or the preset small)")
        if size > MAX_MAXMEMORY:
            raise ValueError(f"{format_size(size)} is more than Redis can store and report back (2^63-1 bytes, "
                             "about 8 EiB); use a size the machine has, e.g. 1gb")
        return size

    @field_validator("save_points")
    @classmethod
    def _check_save_points(cls, points: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
        for seconds, changes in points:
            if seconds < 1 or changes < 1:
                raise ValueError(f"[{seconds}, {changes}] is not a save point: both seconds and changes must be "
                                 "at least 1 (e.g. [900, 1]); use [] to turn RDB snapshots off")
            if seconds > MAX_SAVE_SECONDS or changes > MAX_SAVE_CHANGES:
                raise ValueError(f"[{seconds}, {changes}] is beyond what Redis stores (changes at most "
                                 f"{MAX_SAVE_CHANGES}); use e.g. [900, 1]")
        return refuse_duplicates(points, "save point", lambda point: f"[{point[0]}, {point[1]}]")

    @field_validator("slowlog_threshold_ms")
    @classmethod
    def _slowlog_fits(cls, ms: float) -> float:
        if _microseconds(ms) > MAX_SLOWLOG_US:
            raise ValueError(f"{ms:g} ms is more than Redis can store (slowlog-log-slower-than is a signed 64-bit "
                             "count of microseconds); use e.g. 10")
        return ms

    @field_validator("disabled_commands")
    @classmethod
    def _each_command_once(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        return refuse_duplicates(names, "command")

    @property
    def slowlog_threshold_us(self) -> int:
        return _microseconds(self.slowlog_threshold_ms)

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
