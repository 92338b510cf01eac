"""Plain-text tables for the CLI's human reports (the `--json` reports carry the same data)."""

from __future__ import annotations

import textwrap
from typing import Any, Sequence


def wrap(text: str, width: int | None) -> list[str]:
    """`text` as lines of at most `width` characters, broken between words only (a longer word keeps its own line)."""
    if width is None:
        return [text]
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]


def render(headers: Sequence[str], rows: Sequence[Sequence[Any]],
           max_widths: Sequence[int | None] = ()) -> str:
    """Columns two spaces apart, each as wide as its widest cell. `max_widths[i]`, when given, wraps column i's cells
    at that width onto continuation lines (the other columns blank there), so a long detail cannot stretch a table
    beyond a CI log's width."""
    limits = [*max_widths, *[None] * (len(headers) - len(max_widths))]
    cells = [[wrap(str(cell), limit) for cell, limit in zip(row, limits, strict=False)]
             for row in [headers, *rows]]
    widths = [max(len(line) for row in cells for line in row[i]) for i in range(len(headers))]
    lines = []
    for row in cells:
        for depth in range(max(len(cell) for cell in row)):
            parts = [(cell[depth] if depth < len(cell) else "").ljust(width)
                     for cell, width in zip(row, widths, strict=False)]
            lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def pairs(items: Sequence[tuple[str, Any]]) -> str:
    """A two-column key/value table."""
    return render(("", ""), list(items)).split("\n", 1)[1]
