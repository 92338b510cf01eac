"""Data-plane checks: what a client of the endpoint can see — AUTH, the promised settings, a round trip — and
`CHECKS`, the ordered list the runner in `infra.verify.run` executes.

Connection and TLS checks are in `infra.verify.connect`, the guide's key metrics in `infra.verify.metrics`. Each
check takes a `Probe` (the target plus one authenticated connection and cached `INFO` sections) and returns
`(status, detail)`; the runner in `infra.verify.run` times it, catches what it raises and skips what a failed gate makes
pointless. Settings are read back from `INFO` (the app may not run CONFIG), and what each principal may run is asked
with `ACL DRYRUN` (infra.verify.permissions), never run.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from typing import Any, Callable, cast

import redis

from infra.verify import connect as checks_connect
from infra.verify import metrics as checks_metrics
from infra.verify import permissions as checks_permissions
from infra.verify.connect import call_with_wait
from infra.sizes import format_size
from infra.endpoint import Target
from infra.results import FAIL, PASS, SKIP, WARN

Outcome = tuple[str, str]
ROUND_TRIP_TTL = 60  # seconds: if the DEL is lost with the connection, the key still expires on its own


def command_present(client: redis.Redis, name: str) -> bool:
    """Whether the server has `name` at all (COMMAND INFO is nil for a command renamed away); never calls it."""
    return checks_permissions.command_info(client, name) is not None


class Probe:
    """The target plus what several checks share: one authenticated client and the INFO sections already read."""

    def __init__(self, target: Target):
        self.target = target
        self._client: redis.Redis | None = None
        self._admin: redis.Redis | None = None
        self._info: dict[str, dict[str, Any]] = {}

    def client(self) -> redis.Redis:
        if self._client is None:
            self._client = self.target.client(self.target.password)
        return self._client

    def admin(self) -> redis.Redis:
        """The operations' connection: the admin user (or, without one in the outputs, the app's password)."""
        if self._admin is None:
            self._admin = self.target.operator_client()
        return self._admin

    def info(self, section: str) -> dict[str, Any]:
        if section not in self._info:
            self._info[section] = cast(dict[str, Any], self.client().info(section))
        return self._info[section]

    def close(self) -> None:
        for client in (self._client, self._admin):
            if client is not None:
                client.close()


def auth_enforced(p: Probe) -> Outcome:
    try:
        p.target.client().ping()
    except redis.AuthenticationError as error:
        return PASS, f"unauthenticated PING refused ({error})"
    except redis.ResponseError as error:
        if "NOAUTH" in str(error):
            return PASS, "unauthenticated PING refused (NOAUTH)"
        raise
    return FAIL, "the server answered PING without a password: AUTH is not enforced (the default user has no password)"


def ping(p: Probe) -> Outcome:
    try:  # LOADING (the AOF is being replayed) is retried like a starting endpoint
        answered = call_with_wait(lambda: p.client().ping(), p.target.wait, (redis.BusyLoadingError,))
    except redis.AuthenticationError as error:
        if "without any password configured" in str(error):
            return FAIL, "the server has no password configured, so it refuses AUTH with the stack's password"
        return FAIL, (f"the server refused the stack's password ({error}): the password output does not match the "
                      "server's requirepass / AUTH token")
    except redis.ResponseError as error:
        if str(error).startswith("MISCONF"):  # authenticated, but Redis refuses PING and writes after a failed save
            return WARN, f"authenticated, but PING is refused: {error} (see persistence)"
        raise
    return (PASS, "PING answered PONG with the stack's password") if answered else (FAIL, "PING did not answer PONG")


def _expected(p: Probe, key: str) -> Any:
    return p.target.settings.get(key)


def _managed(p: Probe, key: str) -> str | None:
    """Why the service itself decides `key` (the settings output's `managed`), or None when the stack sets it."""
    reason = (p.target.settings.get("managed") or {}).get(key)
    return str(reason) if reason else None


def maxmemory(p: Probe) -> Outcome:
    actual = p.info("memory")["maxmemory"]
    managed = _managed(p, "maxmemory")
    if managed:
        return SKIP, f"{managed} (the server reports {format_size(actual)})"
    expected = _expected(p, "maxmemory")
    if expected is None:
        return SKIP, "the settings output has no maxmemory"
    if actual != expected:
        return FAIL, f"maxmemory is {format_size(actual)} but the stack promised {format_size(expected)}"
    return PASS, f"maxmemory {format_size(actual)}"


def eviction_policy(p: Probe) -> Outcome:
    actual, expected = p.info("memory")["maxmemory_policy"], _expected(p, "maxmemory-policy")
    if expected is None:
        return SKIP, "the settings output has no maxmemory-policy"
    if actual != expected:
        return FAIL, f"maxmemory-policy is {actual} but the stack promised {expected}"
    return PASS, f"maxmemory-policy {actual}"


def aof(p: Probe) -> Outcome:
    managed = _managed(p, "appendonly")
    if managed:
        return SKIP, managed
    expected, actual = _expected(p, "appendonly"), bool(p.info("persistence")["aof_enabled"])
    if expected is None:
        return SKIP, "the settings output has no appendonly"
    if actual != expected:
        promised = "yes" if expected else "no"
        return FAIL, f"AOF is {'on' if actual else 'off'} but the stack promised appendonly {promised}"
    return PASS, f"AOF {'on' if actual else 'off'}, as promised"


def round_trip(p: Probe) -> Outcome:
    t = p.target
    client: Any = t.cluster_client(t.password) if t.cluster else p.client()
    key, token = f"profwise:verify:{uuid.uuid4().hex}", uuid.uuid4().hex
    try:
        if not client.set(key, token, ex=ROUND_TRIP_TTL, nx=True):
            return FAIL, f"SET {key} NX was refused"
        value, ttl = client.get(key), client.ttl(key)
    finally:
        with contextlib.suppress(redis.RedisError):
            client.delete(key)
        if client is not p.client():
            client.close()
    if value != token.encode():
        return FAIL, f"GET {key} returned {value!r}, not the value just written"
    if not 0 < ttl <= ROUND_TRIP_TTL:
        return FAIL, f"TTL {key} is {ttl}: the expiry was not kept"
    return PASS, f"SET/GET/TTL/DEL of {key} (TTL {ttl}s)"


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[Probe], Outcome]
    gate: str = ""  # "all": when this fails every later check is pointless; "auth": later checks need the password
    needs_auth: bool = False


# The guide's metrics that read counters the round trip would move (its GET is a keyspace hit, its SET a write and
# some memory): they run before it. The others (latency, cluster, and any added later) run after it.
METRICS_BEFORE_ROUND_TRIP = ("persistence", "memory", "clients", "key_metrics")
_METRICS = dict(checks_metrics.CHECKS)

CHECKS: list[Check] = [
    Check("reachable", checks_connect.reachable, gate="all"),
    Check("tls", checks_connect.tls, gate="all"),
    Check("tls_only", checks_connect.tls_only),
    Check("auth_enforced", auth_enforced),
    Check("ping", ping, gate="auth"),
    *(Check(name, run, needs_auth=True) for name, run in [
        ("maxmemory", maxmemory), ("eviction_policy", eviction_policy), ("aof", aof),
        ("principals", checks_permissions.principals),
        ("dangerous_commands", checks_permissions.dangerous_commands),
        *((name, _METRICS[name]) for name in METRICS_BEFORE_ROUND_TRIP),
        ("round_trip", round_trip),
        *((name, run) for name, run in checks_metrics.CHECKS if name not in METRICS_BEFORE_ROUND_TRIP),
    ]),
]
