"""Render verification results for people (a table: check, status, detail, time) and machines (JSON).

Shared by the CLI and the `pulumi up` hook, so a failed deployment shows the same report CI does. Details are
already scrubbed of the password by the runner; nothing here adds a secret.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Sequence

from infra.table import render
from infra.results import FAIL, CheckResult, passed

DETAIL_WIDTH = 88  # wider details wrap under their own column, so the table stays readable in a CI log
HEADERS = ("check", "status", "detail", f"{'time':>7}")  # right-aligned over the seconds


def table(results: Sequence[CheckResult]) -> str:
    rows = [(r.name, r.status.upper() if r.status == FAIL else r.status, r.detail, f"{r.seconds:>6.3f}s")
            for r in results]
    return render(HEADERS, rows, max_widths=(None, None, DETAIL_WIDTH))


def summary(results: Sequence[CheckResult]) -> str:
    counts = ", ".join(f"{n} {status}" for status, n in sorted(Counter(r.status for r in results).items()))
    if passed(list(results)):
        return f"verification passed ({counts})"
    failed = ", ".join(r.name for r in results if r.status == FAIL)
    return f"verification FAILED: {failed} ({counts})"


def as_json(results: Sequence[CheckResult]) -> str:
    return json.dumps({"passed": passed(list(results)), "summary": summary(results),
                       "checks": [r.as_dict() for r in results]}, indent=2)
