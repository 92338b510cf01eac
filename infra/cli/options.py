"""Argument types the subcommands share: bounded, finite numbers whose refusal names the option's unit and range.

argparse turns an `ArgumentTypeError` into `prog: error: argument --x: <message>` and exit 2, so a bad value never
reaches the code that would trip on it: `float()` accepts "nan", "inf" and "1e999" (which every comparison, sleep or
date arithmetic downstream handles differently, or raises on), and `int()` accepts a million days, which overflows
`datetime`. Every numeric option is built here, so the same word means the same range everywhere.
"""

from __future__ import annotations

import argparse
import math
from typing import Callable


def _range_text(low: float, high: float, unit: str, low_open: bool) -> str:
    return f"use more than {low:g} and at most {high:g} {unit}" if low_open else f"use {low:g} to {high:g} {unit}"


def number(low: float, high: float, unit: str, *, low_open: bool = False) -> Callable[[str], float]:
    """A finite number of `unit` in [low, high] (or (low, high] with low_open=True)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of {unit}") from None
        inside = (low < value if low_open else low <= value) and value <= high
        if not math.isfinite(value) or not inside:
            raise argparse.ArgumentTypeError(f"{text} is out of range: {_range_text(low, high, unit, low_open)}")
        return value

    parse.__name__ = unit  # argparse names the type in its own messages
    return parse


def seconds(low: float = 0.0, high: float = 3600.0, *, low_open: bool = True) -> Callable[[str], float]:
    """A finite number of seconds in (low, high] (or [low, high] with low_open=False)."""
    return number(low, high, "seconds", low_open=low_open)


def whole(low: int, high: int, unit: str) -> Callable[[str], int]:
    """A whole number in [low, high], written in decimal digits (no "1e3", no "7.0")."""

    def parse(text: str) -> int:
        stripped = text.strip()
        digits = stripped[1:] if stripped[:1] in "+-" else stripped
        if not digits.isascii() or not digits.isdigit() or len(digits) > 18:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of {unit}: "
                                             f"{_range_text(low, high, unit, False)}")
        value = int(stripped)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is out of range: {_range_text(low, high, unit, False)}")
        return value

    parse.__name__ = unit
    return parse
