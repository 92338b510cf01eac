"""Post-deploy verification: small named checks against a live Redis, each bounded in time, each returning a result.

Used by `make up` (through the CLI), the CLI itself and the tests. Checks never print and never run a destructive
command. This module reads only the stack-output contract (`infra.contract`), so it serves both backends.
"""

from __future__ import annotations

import socket
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable, Mapping

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from infra import contract

PASS, FAIL, WARN, SKIP = "pass", "fail", "warn", "skip"


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    password: str
    tls: bool
    settings: Mapping[str, Any]
    timeout: float = 5.0

    @classmethod
    def from_outputs(cls, outputs: Mapping[str, Any], timeout: float = 5.0) -> Target:
        missing = [k for k in (contract.HOST, contract.PORT, contract.PASSWORD) if k not in outputs]
        if missing:
            raise ValueError(f"stack outputs lack {', '.join(missing)}: is this a profwise-redis stack, and were the "
                             "outputs read with --show-secrets?")
        password = outputs[contract.PASSWORD]
        if not isinstance(password, str) or password == "[secret]":
            raise ValueError("the password output is masked: read the outputs with `pulumi stack output --json "
                             "--show-secrets`")
        return cls(host=str(outputs[contract.HOST]), port=int(outputs[contract.PORT]), password=password,
                   tls=bool(outputs.get(contract.TLS, False)), settings=outputs.get(contract.SETTINGS) or {},
                   timeout=timeout)

    def client(self, password: str | None = None, **kwargs: Any) -> redis.Redis:
        # No silent retries inside a check: a refused AUTH must be reported, not retried with backoff.
        kwargs.setdefault("retry", Retry(NoBackoff(), 0))
        return redis.Redis(host=self.host, port=self.port, password=password, ssl=self.tls,
                           socket_timeout=self.timeout, socket_connect_timeout=self.timeout, **kwargs)


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str
    detail: str
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def command_present(client: redis.Redis, name: str) -> bool:
    """`COMMAND INFO name` is nil for a command that is absent (renamed away); the command itself is never called."""
    client.set_response_callback("COMMAND", lambda response, **_: response)  # keep the raw reply
    return client.execute_command("COMMAND", "INFO", name) != [None]


def check_reachable(t: Target) -> tuple[str, str]:
    with socket.create_connection((t.host, t.port), timeout=t.timeout):
        return PASS, f"TCP connect to {t.host}:{t.port}"


def check_auth_enforced(t: Target) -> tuple[str, str]:
    try:
        t.client().ping()
    except redis.AuthenticationError as error:
        return PASS, f"unauthenticated PING refused ({error})"
    except redis.ResponseError as error:
        if "NOAUTH" in str(error):
            return PASS, "unauthenticated PING refused (NOAUTH)"
        raise
    return FAIL, "the server answered PING without a password: AUTH is not enforced"


def check_ping(t: Target) -> tuple[str, str]:
    if t.client(t.password).ping():
        return PASS, "PING answered PONG with the stack's password"
    return FAIL, "PING did not answer PONG"


CHECKS: list[tuple[str, Callable[[Target], tuple[str, str]]]] = [
    ("reachable", check_reachable),
    ("auth_enforced", check_auth_enforced),
    ("ping", check_ping),
]


def run_checks(target: Target) -> list[CheckResult]:
    results = []
    for name, check in CHECKS:
        started = time.monotonic()
        try:
            status, detail = check(target)
        except Exception as error:  # a check reports its failure; it never raises to the caller
            status, detail = FAIL, f"{type(error).__name__}: {error}".replace(target.password, "***")
        results.append(CheckResult(name, status, detail, round(time.monotonic() - started, 3)))
        if name == "reachable" and status == FAIL:
            break
    return results


def passed(results: list[CheckResult]) -> bool:
    return all(r.status != FAIL for r in results)
