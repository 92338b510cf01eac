"""The write guard: what every command that writes into a live server (`restore`, `loadtest`'s prefill) proves before
it writes a byte, and watches while it writes — one mechanism, so no writer can forget a check.

Before: the server is a primary (a replica refuses writes), has finished loading its data (`loading:0`), is not in
cluster mode, has every database the data uses (probed with SELECT on a separate connection: CONFIG is disabled on
these servers), and the data plus the writer's client buffers fit below its ceiling (maxmemory, or for throwaway test
data the guide's 80 % alert line) after what is already used — existing keys included, so neither `allkeys-lru`
evicts the app's keys for us nor `noeviction` refuses us half-way. While: `evicted_keys` must not move (`Watch`).
The checks are pure functions over INFO fields (`ServerState`, `Need`, `fit`, `unwritable`, `refusal`,
`database_count`); the I/O around them is `check`, `selector` and `Watch`. The memory model's constants are checked
against real servers (tests/test_write_guard.py): the estimate must be at least what Redis 7.0 and 8 really use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from infra.sizes import mib

# The memory model errs high on purpose. Against restores into real servers (calibration datasets: mixed types, 40,000
# random 1 KB strings, 50,000 small ints, large hashes/sets/zsets/lists, 40,000 short keys with TTLs, streams with
# 2,000-entry PELs) it came out 1.15-2.1x what Redis 7.0.15 really used and 1.14-3.75x on Redis 8.2, which stores
# small keys and sets more compactly; tests/test_write_guard.py keeps it at or above both.
# Per key: the keyspace dictEntry, the value's robj, the key's sds header, an expire entry and the bucket pointers,
# twice while a dict rehashes (short keys with a TTL measured ~130 B beside their bytes on 7.0.15).
KEY_OVERHEAD = 144
# Per element a server keeps as its own allocation (hash-table and skiplist entries, quicklist and stream nodes,
# stream pending entries, counted in the group's PEL and in its consumer's).
ELEMENT_OVERHEAD = 112
# jemalloc rounds an allocation up to its size class: at most 25 % more (four classes per doubling).
ALLOCATOR_SLACK = 1.25
# A connection with a command in flight holds a query buffer (PROTO_IOBUF_LEN, 16 KiB) and a reply buffer
# (PROTO_REPLY_CHUNK_BYTES, 16 KiB) beside its client struct; an argument or a reply larger than that gets an
# allocation of its own, once each way. Why a bound from Redis's source and not a sample: a sample taken before the
# run sees idle connections — measured 3.5-7 KB each on Redis 7.0.15 — while under load the same connections took
# 36.5 KB each (7.0.15) and 16 KB (8.2), the 22-33 MB per 1,000 connections seen in production-like runs.
CLIENT_BUFFER_BYTES = 40 * 1024


def data_bytes(keys: int, string_bytes: int, elements: int = 0) -> int:
    """Memory `keys` keys take once written: their keys' and values' bytes (`string_bytes`), plus overheads."""
    return keys * KEY_OVERHEAD + int(string_bytes * ALLOCATOR_SLACK) + elements * ELEMENT_OVERHEAD


def client_bytes(connections: int, largest_argument: int) -> int:
    return connections * (CLIENT_BUFFER_BYTES + 2 * largest_argument)


@dataclass(frozen=True)
class ServerState:
    """The INFO fields a write depends on."""
    version: str
    role: str
    loading: bool
    loaded_percent: str
    cluster: bool
    maxmemory: int
    used: int  # used_memory less what eviction does not count (replica and AOF buffers): what maxmemory limits
    policy: str
    evicted: int
    aof_enabled: bool
    keys_per_db: Mapping[int, int]

    @property
    def keys(self) -> int:
        return sum(self.keys_per_db.values())

    @classmethod
    def from_info(cls, info: Mapping[str, Any]) -> ServerState:
        keys = {int(name[2:]): int(v.get("keys", 0)) for name, v in info.items()
                if name.startswith("db") and name[2:].isdigit() and isinstance(v, Mapping)}
        return cls(str(info.get("redis_version", "?")), str(info.get("role", "master")),
                   bool(int(info.get("loading", 0) or 0) or int(info.get("async_loading", 0) or 0)),
                   str(info.get("loading_loaded_perc", "?")), bool(int(info.get("cluster_enabled", 0) or 0)),
                   int(info.get("maxmemory", 0) or 0),
                   int(info.get("used_memory", 0)) - int(info.get("mem_not_counted_for_evict", 0) or 0),
                   str(info.get("maxmemory_policy", "?")), int(info.get("evicted_keys", 0) or 0),
                   bool(int(info.get("aof_enabled", 0) or 0)), keys)


@dataclass(frozen=True)
class Need:
    """What a writer is about to write, and how to fix a refusal in its own terms."""
    what: str  # "the backup", "the test data"
    data: int  # bytes, from `data_bytes`
    connections: int
    largest_argument: int
    highest_db: int = 0
    ceiling: float = 1.0  # share of maxmemory the write may reach
    fix: str = "raise maxmemory or free memory"


@dataclass(frozen=True)
class Fit:
    data: int
    clients: int
    connections: int
    used: int
    maxmemory: int  # 0: no limit
    ceiling: float

    @property
    def needed(self) -> int:
        return self.data + self.clients

    @property
    def available(self) -> int | None:
        return None if not self.maxmemory else int(self.maxmemory * self.ceiling) - self.used

    @property
    def fits(self) -> bool:
        return self.available is None or self.needed <= self.available

    def describe(self) -> str:
        needed = (f"~{mib(self.needed)} MiB ({mib(self.data)} MiB of data + {mib(self.clients)} MiB "
                  f"of client buffers for {self.connections:,} connection(s))")
        if self.available is None:
            return f"needs {needed}; no maxmemory, so nothing is evicted (the host's memory is the limit)"
        line = "maxmemory" if self.ceiling >= 1 else f"{100 * self.ceiling:.0f} % of maxmemory (the guide's alert line)"
        return (f"needs {needed}; {mib(max(self.available, 0))} MiB available below {line} "
                f"({mib(self.used)} of {mib(self.maxmemory)} MiB used)")


def fit(state: ServerState, need: Need) -> Fit:
    return Fit(need.data, client_bytes(need.connections, need.largest_argument), need.connections, state.used,
               state.maxmemory, need.ceiling)


def unwritable(state: ServerState) -> str | None:
    """Why this server takes no writes at all (one line with the fix), or None."""
    if state.cluster:
        return "the server runs in cluster mode; this command writes through a single (non-cluster) endpoint"
    if state.role != "master":
        return (f"the server is a replica (role:{state.role}), which refuses writes: point --stack/--outputs at the "
                "primary")
    if state.loading:
        return (f"the server is still loading its data (loading:1, {state.loaded_percent} % done): wait until INFO "
                "persistence shows loading:0, then run this again")
    return None


def refusal(state: ServerState, need: Need) -> str | None:
    """Why writing `need` into this server would lose or half-write data (one line with the fix), or None."""
    if reason := unwritable(state):
        return reason
    room = fit(state, need)
    if not room.fits:
        return f"{need.what} does not fit: it {room.describe()}: {need.fix}"
    return None


def database_count(selects: Callable[[int], bool], highest: int) -> int | None:
    """None when db `highest` can be SELECTed; otherwise how many databases the server has (bisection over SELECT,
    which changes nothing)."""
    if selects(highest):
        return None
    low, high = 0, highest  # db `low` exists (db 0 always does), db `high` does not
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if selects(middle) else (low, middle)
    return low + 1


@dataclass(frozen=True)
class Verdict:
    state: ServerState
    fit: Fit
    problem: str | None


def check(info: Mapping[str, Any], need: Need, selects: Callable[[int], bool]) -> Verdict:
    """Every check, from one INFO reply (`client.info()`) and a SELECT probe (`selects(db)`, on a connection of its
    own)."""
    state = ServerState.from_info(info)
    problem = refusal(state, need)
    if problem is None and need.highest_db:
        count = database_count(selects, need.highest_db)
        if count is not None:
            problem = (f"{need.what} has keys in db {need.highest_db} but the server has only {count} databases "
                       f"(db 0-{count - 1}): give it at least {need.highest_db + 1} (`databases` in its redis.conf; "
                       "Redis's default is 16)")
    return Verdict(state, fit(state, need), problem)


class Watch:
    """Evictions since the write began: any one means the write cost someone's data. A writer that pipelines can send
    PROBE in band, after its own commands, and hand the raw reply to `evicted` (no round trip of its own)."""

    PROBE = ("INFO", "stats")

    def __init__(self, client: Any, state: ServerState):
        self.client, self.baseline = client, state.evicted

    def evicted(self, stats: bytes | None = None) -> int:
        if stats is None:
            return int(self.client.info("stats").get("evicted_keys", 0)) - self.baseline
        return info_field(stats, "evicted_keys") - self.baseline


def info_field(text: bytes, name: str) -> int:
    """One integer field of a raw INFO reply (`name:value` lines); 0 when absent."""
    text = b"\n" + text
    at = text.find(b"\n" + name.encode() + b":")
    if at < 0:
        return 0
    start = at + len(name) + 2
    end = text.find(b"\r", start)
    return int(text[start:end if end >= 0 else len(text)])


def selector(target: Any) -> Callable[[int], bool]:
    """`selects(db)` for `check`: SELECT on a fresh connection of its own (closed at once), so the probe cannot change
    which database the writer's own connections use."""
    import redis

    def selects(db: int) -> bool:
        client = target.operator_client(db=db)  # redis-py SELECTs as it connects
        try:
            client.ping()
            return True
        except redis.ResponseError as error:
            if "out of range" in str(error) or "invalid DB index" in str(error):
                return False
            raise
        finally:
            client.close()

    return selects
