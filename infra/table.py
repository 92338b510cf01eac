"""Plain-text tables for the CLI's human reports (the `--json` reports carry the same data)."""

from __future__ import annotations

from typing import Any, Sequence


def render(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip() for row in cells]
    return "\n".join(lines)


def pairs(items: Sequence[tuple[str, Any]]) -> str:
    """A two-column key/value table."""
    return render(("", ""), list(items)).split("\n", 1)[1]
