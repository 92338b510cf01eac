"""Post-deploy verification: small named checks against a live Redis, each bounded in time, each returning a result.

One module used in three places: the `pulumi up` hook (infra/verify/hook.py), the CLI (`python -m infra.cli
verify`) and the tests. It reads only the stack-output contract (`infra.contract`), so it serves every backend.
`run_checks(target)` runs the data-plane checks of `infra.verify.checks` against the endpoint; `run_all(outputs, ...)`
adds the control-plane checks the backend's spec names when the outputs carry a `control_plane`. Checks never print,
never run a destructive command, and never let the password into a result.
"""

from __future__ import annotations

import socket
import time
from typing import Any, Mapping

import redis

from infra import backends, contract, tunnel
from infra.backends.spec import load
from infra.endpoint import Target
from infra.results import FAIL, SKIP, CheckResult, Plane
from infra.verify import checks


def describe_error(error: BaseException, timeout: float) -> str:
    if isinstance(error, (redis.TimeoutError, socket.timeout)):
        return f"no answer within {timeout:g}s ({error}): is the server frozen or overloaded?"
    return f"{type(error).__name__}: {error}"


def run_checks(target: Target) -> list[CheckResult]:
    """Every data-plane check, in order. A failed gate (unreachable, TLS broken, server not answering, password
    refused) turns the checks that depend on it into skips, so a dead or frozen server costs one timeout, not ten."""
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
    the control plane, with the checks of the backend the outputs name (for ElastiCache boto3 finds its endpoint and
    credentials as usual: AWS_ENDPOINT_URL, AWS_PROFILE, ...)."""
    results: list[CheckResult] = []
    if plane in ("all", "data"):
        try:
            with tunnel.reach(outputs) as reachable:  # the outputs themselves when Redis needs no SSH tunnel
                results += run_checks(Target.from_outputs(reachable, timeout=timeout, ca_cert=ca_cert, wait=wait))
        except tunnel.TunnelError as error:
            results.append(CheckResult("ssh_tunnel", FAIL, str(error), 0.0))
    expected = outputs.get(contract.CONTROL_PLANE)
    spec = backends.find(outputs.get(contract.BACKEND))
    if plane in ("all", "control") and expected and spec and spec.control_plane:
        results += load(spec.control_plane)(expected, outputs, timeout=timeout)
    elif plane == "control":
        results.append(CheckResult("control_plane", FAIL, f"the outputs have no control_plane, or their backend "
                                   f"({outputs.get(contract.BACKEND)}) has no control plane to check", 0.0))
    return results
