"""Render verification results for people (a table: check, status, detail, time) and machines (JSON).

Shared by the CLI and the `pulumi up` hook, so a failed deployment shows the same report CI does. Details are
already scrubbed of the password by the runner; nothing here adds a secret.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Sequence

from infra.verify import FAIL, CheckResult, passed

DETAIL_WIDTH = 88  # wider details wrap under their own column, so the table stays readable in a CI log


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + [line] if line or not lines else lines


def table(results: Sequence[CheckResult]) -> str:
    name_w = max([len("check"), *(len(r.name) for r in results)])
    detail_w = min(DETAIL_WIDTH, max([len("detail"), *(len(r.detail) for r in results)]))
    rows = [f"{'check':<{name_w}}  {'status':<6}  {'detail':<{detail_w}}  {'time':>7}"]
    for r in results:
        first, *rest = _wrap(r.detail, detail_w)
        rows.append(f"{r.name:<{name_w}}  {r.status.upper() if r.status == FAIL else r.status:<6}  "
                    f"{first:<{detail_w}}  {r.seconds:>6.3f}s")
        rows += [f"{'':<{name_w}}  {'':<6}  {line}" for line in rest]
    return "\n".join(rows)


def summary(results: Sequence[CheckResult]) -> str:
    counts = ", ".join(f"{n} {status}" for status, n in sorted(Counter(r.status for r in results).items()))
    if passed(list(results)):
        return f"verification passed ({counts})"
    failed = ", ".join(r.name for r in results if r.status == FAIL)
    return f"verification FAILED: {failed} ({counts})"


def as_json(results: Sequence[CheckResult]) -> str:
    return json.dumps({"passed": passed(list(results)), "summary": summary(results),
                       "checks": [r.as_dict() for r in results]}, indent=2)
