"""The bench's arithmetic and its table: medians with min–max, paired ratios, goals, markdown. Pure functions.

Every figure is several runs of the same thing on the same machine; a figure shows its median and the min–max of
its runs, because on a shared machine one run is an anecdote. Ratios are taken run by run between the two sides of
a comparison (ours_i / baseline_i, measured back to back), then summarised the same way, so background noise that
hits one pair hits both sides of it.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any, Sequence


@dataclass(frozen=True)
class Figure:
    samples: tuple[float, ...]
    unit: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def low(self) -> float:
        return min(self.samples)

    @property
    def high(self) -> float:
        return max(self.samples)

    def show(self, digits: int = 3) -> str:
        return f"{fmt(self.median, digits)}{self.unit} ({fmt(self.low, digits)}–{fmt(self.high, digits)})"

    def as_dict(self) -> dict[str, Any]:
        return {"median": self.median, "min": self.low, "max": self.high, "samples": list(self.samples),
                "unit": self.unit}


def fmt(value: float, digits: int = 3) -> str:
    """Significant-digit formatting with thousands separators: 0.0123, 1.23, 12.3, 84,512."""
    if value == 0:
        return "0"
    if abs(value) >= 10 ** digits:
        return f"{value:,.0f}"
    decimals = max(0, digits - 1 - int(f"{abs(value):e}".split("e")[1]))
    return f"{value:,.{decimals}f}"


def ratios(ours: Sequence[float], baseline: Sequence[float]) -> Figure:
    if len(ours) != len(baseline) or not ours:
        raise ValueError("ratios need the same number (> 0) of paired runs on each side")
    return Figure(tuple(o / b for o, b in zip(ours, baseline, strict=True)), "×")


@dataclass(frozen=True)
class Goal:
    op: str  # "<=" or ">="
    limit: float

    def met(self, value: float) -> bool:
        return value <= self.limit if self.op == "<=" else value >= self.limit

    def __str__(self) -> str:
        return f"{'≤' if self.op == '<=' else '≥'} {fmt(self.limit)}×"


@dataclass
class Row:
    """One line of the results table: a comparison (ours vs baseline), or a plain note when it could not run."""

    section: str
    what: str
    ours: Figure | None = None
    baseline: Figure | None = None
    baseline_name: str = ""
    ratio: Figure | None = None
    goal: Goal | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        if self.goal is None or self.ratio is None:
            return "—"
        return "met" if self.goal.met(self.ratio.median) else "NOT met"

    def as_dict(self) -> dict[str, Any]:
        plain = lambda f: f.as_dict() if f else None  # noqa: E731
        return {"section": self.section, "what": self.what, "ours": plain(self.ours), "baseline": plain(self.baseline),
                "baseline_name": self.baseline_name, "ratio": plain(self.ratio),
                "goal": str(self.goal) if self.goal else None, "verdict": self.verdict, "note": self.note,
                **({"extra": self.extra} if self.extra else {})}


def markdown_table(rows: Sequence[Row]) -> str:
    lines = ["| measurement | ours: median (min–max) | baseline | ratio: median (min–max) | goal | verdict |",
             "| --- | --- | --- | --- | --- | --- |"]
    for row in rows:
        ours = row.ours.show() if row.ours else row.note or "—"
        base = f"{row.baseline_name}: {row.baseline.show()}" if row.baseline else row.baseline_name or "—"
        ratio = row.ratio.show() if row.ratio else "—"
        lines.append(f"| {row.what} | {ours} | {base} | {ratio} | {row.goal or '—'} | {row.verdict} |")
        if row.note and row.ours:
            lines.append(f"| ↳ {row.note} | | | | | |")
    return "\n".join(lines)
