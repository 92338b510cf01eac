"""Data-plane checks: what a client of the endpoint can see — reachability, TLS, AUTH, settings, a round trip.

Each check takes a `Probe` (the target plus one authenticated connection and cached `INFO` sections) and returns
`(status, detail)`; the runner in `infra.verify` times it, catches what it raises and skips what a failed gate makes
pointless. Settings are read back from `INFO` because CONFIG is disabled, and commands are probed with `COMMAND INFO`,
never called. The guide's key metrics (persistence, memory, clients, hit ratio, latency, cluster) are in
`infra.checks_metrics`. Waiting for a starting endpoint uses redis-py's `Retry` with exponential backoff, bounded.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from infra import checks_metrics
from infra.redis_settings import format_size
from infra.verify import FAIL, PASS, SKIP, WARN, Target, command_present

T = TypeVar("T")
Outcome = tuple[str, str]
# ElastiCache makes these unavailable itself, so they count as absent there without a probe:
# https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ClientConfig.RestrictedCommands.html
ELASTICACHE_RESTRICTED = frozenset({"BGREWRITEAOF", "BGSAVE", "CONFIG", "DEBUG", "MIGRATE", "REPLICAOF", "SAVE",
                                    "SLAVEOF", "SHUTDOWN", "SYNC"})
ROUND_TRIP_TTL = 60  # seconds: if the DEL is lost with the connection, the key still expires on its own


class Probe:
    """The target plus what several checks share: one authenticated client and the INFO sections already read."""

    def __init__(self, target: Target):
        self.target = target
        self._client: redis.Redis | None = None
        self._info: dict[str, dict[str, Any]] = {}

    def client(self) -> redis.Redis:
        if self._client is None:
            self._client = self.target.client(self.target.password)
        return self._client

    def info(self, section: str) -> dict[str, Any]:
        if section not in self._info:
            self._info[section] = self.client().info(section)
        return self._info[section]

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def call_with_wait(action: Callable[[], T], seconds: float, errors: tuple[type[Exception], ...]) -> T:
    """Run `action`, retrying `errors` with redis-py's exponential backoff for at most `seconds` in total, then
    re-raise the last error (a starting container or a fresh ElastiCache DNS name needs a moment)."""
    backoff = ExponentialBackoff(cap=5.0, base=0.1)
    deadline = time.monotonic() + seconds
    failures: list[Exception] = []

    def give_up_at_deadline(error: Exception) -> None:
        failures.append(error)
        if time.monotonic() + backoff.compute(len(failures)) > deadline:
            raise error

    return Retry(backoff, -1, supported_errors=errors).call_with_retry(action, give_up_at_deadline)


def reachable(p: Probe) -> Outcome:
    t, attempts = p.target, []

    def connect() -> None:
        attempts.append(time.monotonic())
        socket.create_connection((t.host, t.port), timeout=t.timeout).close()

    try:
        call_with_wait(connect, t.wait, (OSError,))
    except OSError as error:
        waited = f" after {len(attempts)} attempts over {t.wait:g}s" if len(attempts) > 1 else ""
        return FAIL, f"cannot open a TCP connection to {t.host}:{t.port}{waited}: {error}"
    return PASS, f"TCP connect to {t.host}:{t.port}" + (f" (after {len(attempts)} attempts)" if len(attempts) > 1 else "")


def _is_loopback(host: str) -> bool:
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host).is_loopback
    return host == "localhost"


def tls(p: Probe) -> Outcome:
    t = p.target
    if not t.tls:
        if _is_loopback(t.host):
            return SKIP, "tls is false: plaintext, acceptable only because the endpoint is on loopback"
        return WARN, f"tls is false: the password and data cross the network to {t.host} unencrypted"
    context = ssl.create_default_context(cafile=t.ca_cert)  # verifies the chain and the host name
    try:
        with socket.create_connection((t.host, t.port), timeout=t.timeout) as raw:
            with context.wrap_socket(raw, server_hostname=t.host) as conn:
                cert, version = conn.getpeercert() or {}, conn.version()
    except ssl.SSLCertVerificationError as error:
        return FAIL, (f"the server's certificate is not trusted ({error.verify_message}): pass --ca-cert FILE "
                      "(or verify.caCert) with the CA that signed it")
    except ssl.SSLError as error:
        return FAIL, f"TLS handshake failed ({error.reason or error}): the endpoint does not speak TLS on port {t.port}"
    days = (ssl.cert_time_to_seconds(cert["notAfter"]) - time.time()) / 86400
    issuer = dict(pair[0] for pair in cert.get("issuer", ())).get("commonName", "?")
    detail = f"{version}, certificate for {t.host} verified (issuer {issuer}), expires in {days:.0f} days"
    return (WARN if days < 14 else PASS), detail


def tls_only(p: Probe) -> Outcome:
    t = p.target
    if not t.tls:
        return SKIP, "tls is false: nothing to refuse"
    reply = b""
    with socket.create_connection((t.host, t.port), timeout=t.timeout) as raw:
        raw.sendall(b"*1\r\n$4\r\nPING\r\n")
        with contextlib.suppress(ConnectionResetError, socket.timeout):
            reply = raw.recv(64)
    if reply[:1] in (b"+", b"-"):  # a RESP reply: the port serves plaintext clients
        first = reply.split(b"\r\n")[0].decode(errors="replace")
        return FAIL, f"a plaintext PING got a Redis reply ({first!r}): the endpoint does not require TLS"
    return PASS, "a plaintext PING gets no Redis reply (the connection is closed or answered with a TLS alert)"


def auth_enforced(p: Probe) -> Outcome:
    try:
        p.target.client().ping()
    except redis.AuthenticationError as error:
        return PASS, f"unauthenticated PING refused ({error})"
    except redis.ResponseError as error:
        if "NOAUTH" in str(error):
            return PASS, "unauthenticated PING refused (NOAUTH)"
        raise
    return FAIL, "the server answered PING without a password: AUTH is not enforced (requirepass is not set)"


def ping(p: Probe) -> Outcome:
    try:  # LOADING (the AOF is being replayed) is retried like a starting endpoint
        answered = call_with_wait(lambda: p.client().ping(), p.target.wait, (redis.BusyLoadingError,))
    except redis.AuthenticationError as error:
        return FAIL, (f"the server refused the stack's password ({error}): the password output does not match the "
                      "server's requirepass / AUTH token")
    return (PASS, "PING answered PONG with the stack's password") if answered else (FAIL, "PING did not answer PONG")


def _expected(p: Probe, key: str) -> Any:
    return p.target.settings.get(key)


def maxmemory(p: Probe) -> Outcome:
    actual = p.info("memory")["maxmemory"]
    if p.target.backend == "elasticache":
        return SKIP, f"on ElastiCache the node type sets maxmemory (the server reports {format_size(actual)})"
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
    if p.target.backend == "elasticache":
        return SKIP, "ElastiCache persists with snapshots and replicas (see the aws_backups check), not an AOF"
    expected, actual = _expected(p, "appendonly"), bool(p.info("persistence")["aof_enabled"])
    if expected is None:
        return SKIP, "the settings output has no appendonly"
    if actual != expected:
        return FAIL, f"AOF is {'on' if actual else 'off'} but the stack promised appendonly {'yes' if expected else 'no'}"
    return PASS, f"AOF {'on' if actual else 'off'}, as promised"


def dangerous_commands(p: Probe) -> Outcome:
    disabled = [str(name).upper() for name in _expected(p, "disabled-commands") or ()]
    if not disabled:
        return WARN, "the stack disables no commands: FLUSHALL, FLUSHDB and CONFIG can wipe or reconfigure the cache"
    aws = p.target.backend == "elasticache"
    present = [c for c in disabled if not (aws and c in ELASTICACHE_RESTRICTED) and command_present(p.client(), c)]
    if present:
        return FAIL, (f"{', '.join(present)} still available (found by COMMAND INFO, not called): the server does "
                      "not run with the stack's rename-command lines")
    return PASS, f"{', '.join(disabled)} absent (probed with COMMAND INFO)"


def round_trip(p: Probe) -> Outcome:
    t = p.target
    client: Any = p.client()
    if t.cluster:  # the configuration endpoint redirects keys of other shards: let redis-py follow MOVED
        client = redis.RedisCluster(host=t.host, port=t.port, password=t.password, ssl=t.tls,
                                    ssl_ca_certs=t.ca_cert if t.tls else None, socket_timeout=t.timeout,
                                    socket_connect_timeout=t.timeout)
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


CHECKS: list[Check] = [
    Check("reachable", reachable, gate="all"),
    Check("tls", tls, gate="all"),
    Check("tls_only", tls_only),
    Check("auth_enforced", auth_enforced),
    Check("ping", ping, gate="auth"),
    *(Check(name, run, needs_auth=True) for name, run in [
        ("maxmemory", maxmemory), ("eviction_policy", eviction_policy), ("aof", aof),
        ("dangerous_commands", dangerous_commands),
        *checks_metrics.CHECKS[:4],  # persistence, memory, clients, key_metrics: read before our own GET counts
        ("round_trip", round_trip),
        *checks_metrics.CHECKS[4:],
    ]),
]
