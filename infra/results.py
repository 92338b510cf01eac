"""The words every tool reports in — pass, warn, fail, skip — and `CheckResult`, one named, timed outcome.

A bottom module (stdlib only): the verifier's checks, the control-plane checks of a backend, health, thresholds and
the report all speak it without importing each other.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Iterable, Literal

PASS, FAIL, WARN, SKIP = "pass", "fail", "warn", "skip"
Plane = Literal["all", "data", "control"]  # what a verification run checks: the endpoint, the service's API, or both


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str
    detail: str
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def passed(results: Iterable[CheckResult]) -> bool:
    return all(r.status != FAIL for r in results)
