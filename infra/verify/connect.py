"""Connection checks: the endpoint accepts TCP, and when the stack promises TLS, it speaks only TLS with a
certificate this machine trusts (`--ca-cert` / `verify.caCert` for a private CA). When TLS is off, they say so.

A freshly created endpoint may still be starting (a container replaying its AOF, an ElastiCache DNS name not yet
resolvable): `call_with_wait` retries with redis-py's `Retry` and exponential backoff up to a bound, then re-raises
the last error. Each check takes the `infra.verify.checks.Probe` and returns `(status, detail)`.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import time
from typing import Any, Callable, TypeVar, cast

from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from infra.results import FAIL, PASS, SKIP, WARN

T = TypeVar("T")
Outcome = tuple[str, str]


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


def reachable(p: Any) -> Outcome:
    t, attempts = p.target, []

    def connect() -> None:
        attempts.append(time.monotonic())
        socket.create_connection((t.host, t.port), timeout=t.timeout).close()

    try:
        call_with_wait(connect, t.wait, (OSError,))
    except OSError as error:
        waited = (f" ({len(attempts)} attempts in {attempts[-1] - attempts[0]:.1f}s, waiting at most {t.wait:g}s)"
                  if len(attempts) > 1 else "")
        return FAIL, f"cannot open a TCP connection to {t.host}:{t.port}{waited}: {error}"
    waited = f" (after {len(attempts)} attempts)" if len(attempts) > 1 else ""
    return PASS, f"TCP connect to {t.host}:{t.port}{waited}"


def _is_loopback(host: str) -> bool:
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host).is_loopback
    return host == "localhost"


def tls(p: Any) -> Outcome:
    t = p.target
    if not t.tls:
        if _is_loopback(t.host):
            return SKIP, "tls is false: plaintext, acceptable only because the endpoint is on loopback"
        return WARN, f"tls is false: the password and data cross the network to {t.host} unencrypted"
    context = t.ssl_context()  # verifies the chain and the host name
    try:
        with socket.create_connection((t.host, t.port), timeout=t.timeout) as raw:
            with context.wrap_socket(raw, server_hostname=t.host) as conn:
                cert, version = conn.getpeercert() or {}, conn.version()
    except ssl.SSLCertVerificationError as error:
        return FAIL, (f"the server's certificate is not trusted ({error.verify_message}): pass --ca-cert FILE "
                      "(or verify.caCert) with the CA that signed it")
    except (socket.timeout, TimeoutError):
        return FAIL, (f"no TLS handshake within {t.timeout:g}s: the endpoint does not speak TLS on port {t.port} "
                      "(a plaintext Redis waits silently for the end of a line) or is frozen")
    except ssl.SSLError as error:
        return FAIL, f"TLS handshake failed ({error.reason or error}): the endpoint does not speak TLS on port {t.port}"
    days = (ssl.cert_time_to_seconds(str(cert["notAfter"])) - time.time()) / 86400
    rdns = cast(tuple[tuple[tuple[str, str], ...], ...], cert.get("issuer", ()))
    issuer = {k: v for rdn in rdns for k, v in rdn}.get("commonName", "?")
    detail = f"{version}, certificate for {t.host} verified (issuer {issuer}), expires in {days:.0f} days"
    return (WARN if days < 14 else PASS), detail


def tls_only(p: Any) -> Outcome:
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
