"""Post-deploy verification: small named checks against a live Redis, each bounded in time, each returning a result.

One module used in three places: the `pulumi up` hook (infra/verify_hook.py), the CLI (`python -m infra.cli
verify`) and the tests. It reads only the stack-output contract (`infra.contract`), so it serves both backends.
`run_checks(target)` runs the data-plane checks of `infra.checks` against the endpoint; `run_all(outputs, ...)` adds
the AWS control-plane checks of `infra.control_plane` when the outputs carry a `control_plane`. Checks never print,
never run a destructive command, and never let the password into a result.
"""

from __future__ import annotations

import socket
import time
from dataclasses import asdict, dataclass
from typing import Any, Literal, Mapping
from urllib.parse import quote

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from infra import contract

PASS, FAIL, WARN, SKIP = "pass", "fail", "warn", "skip"
Plane = Literal["all", "data", "control"]


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    password: str
    tls: bool
    settings: Mapping[str, Any]
    timeout: float = 5.0
    ca_cert: str | None = None  # PEM bundle of a private CA; None trusts the system's CAs
    wait: float = 0.0  # seconds to keep retrying an endpoint that is still starting
    backend: str = "docker"
    cluster: bool = False  # cluster mode expected (from the control plane's description)

    @classmethod
    def from_outputs(cls, outputs: Mapping[str, Any], timeout: float = 5.0, ca_cert: str | None = None,
                     wait: float = 0.0) -> Target:
        missing = [k for k in (contract.HOST, contract.PORT, contract.PASSWORD) if k not in outputs]
        if missing:
            raise ValueError(f"stack outputs lack {', '.join(missing)}: is this a profwise-redis stack, and were the "
                             "outputs read with --show-secrets?")
        password = outputs[contract.PASSWORD]
        if not isinstance(password, str) or password == "[secret]":
            raise ValueError("the password output is masked: read the outputs with `pulumi stack output --json "
                             "--show-secrets`")
        tls = outputs.get(contract.TLS, False)
        if not isinstance(tls, bool):
            raise ValueError(f"the tls output must be true or false, not {tls!r}")
        control_plane = outputs.get(contract.CONTROL_PLANE) or {}
        return cls(host=str(outputs[contract.HOST]), port=int(outputs[contract.PORT]), password=password,
                   tls=tls, settings=outputs.get(contract.SETTINGS) or {}, timeout=timeout, ca_cert=ca_cert,
                   wait=wait, backend=str(outputs.get(contract.BACKEND, "docker")),
                   cluster=str(control_plane.get("cluster_mode", "")).lower() in ("true", "enabled"))

    def client(self, password: str | None = None, **kwargs: Any) -> redis.Redis:
        return redis.Redis(**self._connection(password, kwargs))

    def cluster_client(self, password: str | None = None, **kwargs: Any) -> redis.RedisCluster:
        """For cluster mode: the configuration endpoint redirects keys of other shards, and this client follows MOVED.
        It connects (and discovers the nodes) as it is built."""
        return redis.RedisCluster(**self._connection(password, kwargs))

    def _connection(self, password: str | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        # No silent retries inside a check: a refused AUTH or a timeout must be reported, not retried (both clients
        # otherwise retry a failed command 3 times with exponential backoff and jitter).
        kwargs.setdefault("retry", Retry(NoBackoff(), 0))
        if self.tls:  # redis-py verifies the certificate and the host name by default (ssl_cert_reqs="required")
            kwargs.setdefault("ssl_ca_certs", self.ca_cert)
        return {"host": self.host, "port": self.port, "password": password, "ssl": self.tls,
                "socket_timeout": self.timeout, "socket_connect_timeout": self.timeout, **kwargs}

    def scrub(self, text: str) -> str:
        return scrub(text, self.password)


def scrub(text: str, password: str) -> str:
    """The password never reaches a report or an error message, in plain or URL-quoted form."""
    for secret in {password, quote(password, safe="")} - {""}:
        text = text.replace(secret, "***")
    return text


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


def describe_error(error: BaseException, timeout: float) -> str:
    if isinstance(error, (redis.TimeoutError, socket.timeout)):
        return f"no answer within {timeout:g}s ({error}): is the server frozen or overloaded?"
    return f"{type(error).__name__}: {error}"


def run_checks(target: Target) -> list[CheckResult]:
    """Every data-plane check, in order. A failed gate (unreachable, TLS broken, server not answering, password
    refused) turns the checks that depend on it into skips, so a dead or frozen server costs one timeout, not ten."""
    from infra import checks

    probe = checks.Probe(target)
    results: list[CheckResult] = []
    blocked = {"all": "", "auth": ""}
    try:
        for check in checks.CHECKS:
            reason = blocked["all"] or (blocked["auth"] if check.needs_auth else "")
            if reason:
                results.append(CheckResult(check.name, SKIP, reason, 0.0))
                continue
            started = time.monotonic()
            try:
                status, detail = check.run(probe)
            except redis.AuthenticationError as error:
                status, detail = FAIL, f"AUTH refused: {error}"
            except (redis.ConnectionError, redis.TimeoutError, OSError) as error:
                status, detail = FAIL, describe_error(error, target.timeout)
                blocked["all"] = f"skipped: {check.name} failed (the server is not answering)"
            except Exception as error:  # a check reports its failure; it never raises to the caller
                status, detail = FAIL, f"{type(error).__name__}: {error}"
            results.append(CheckResult(check.name, status, target.scrub(detail), round(time.monotonic() - started, 3)))
            if status == FAIL and check.gate:
                blocked[check.gate] = blocked[check.gate] or f"skipped: {check.name} failed"
    finally:
        probe.close()
    return results


def run_all(outputs: Mapping[str, Any], *, plane: Plane = "all", timeout: float = 5.0, ca_cert: str | None = None,
            wait: float = 0.0) -> list[CheckResult]:
    """The data plane from `outputs` (raises ValueError when they are unusable) and, when the outputs describe one,
    the AWS control plane (boto3 finds its endpoint and credentials as usual: AWS_ENDPOINT_URL, AWS_PROFILE, ...)."""
    results: list[CheckResult] = []
    if plane in ("all", "data"):
        results += run_checks(Target.from_outputs(outputs, timeout=timeout, ca_cert=ca_cert, wait=wait))
    expected = outputs.get(contract.CONTROL_PLANE)
    if plane in ("all", "control") and expected:
        from infra import control_plane

        results += control_plane.run_checks(expected, outputs, timeout=timeout)
    elif plane == "control":
        results.append(CheckResult("aws_control_plane", FAIL, "the outputs have no control_plane: only the "
                                   "elasticache backend has an AWS control plane to check", 0.0))
    return results


def passed(results: list[CheckResult]) -> bool:
    return all(r.status != FAIL for r in results)
