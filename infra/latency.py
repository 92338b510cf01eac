"""A small HDR-style latency histogram: constant memory, ~0.1 % resolution, cheap to record and to merge.

`loadtest` records millions of latencies per run across several processes; keeping them all would cost memory that
grows with `--seconds`, and sorting them at the end would be the slowest part. Like HdrHistogram, values (integer
microseconds) fall into log-linear buckets: exact below 2048 µs, then 1024 buckets per power of two, so any reported
percentile is within 0.1 % of the true value (it reports the bucket's upper edge, never an optimistic figure). The
exact maximum is kept beside the buckets. Histograms travel between processes as plain dicts (`to_dict`/`from_dict`).
"""

from __future__ import annotations

import math
from typing import Any

SUB_BITS = 10
SUB = 1 << SUB_BITS  # buckets per power of two above the exact range
MAX_US = (1 << 36) - 1  # ~19 hours: anything slower is clamped (a run is bounded far below that)


def bucket_of(us: int) -> int:
    if us < 2 * SUB:
        return us
    shift = us.bit_length() - SUB_BITS - 1
    return (shift << SUB_BITS) + (us >> shift)


def bucket_bounds(index: int) -> tuple[int, int]:
    """(lowest, highest) microsecond value that falls into bucket `index`."""
    if index < 2 * SUB:
        return index, index
    shift = (index >> SUB_BITS) - 1
    low = (index - (shift << SUB_BITS)) << shift
    return low, low + (1 << shift) - 1


class Histogram:
    __slots__ = ("counts", "total", "sum_us", "max_us")

    def __init__(self) -> None:
        self.counts = [0] * (bucket_of(MAX_US) + 1)
        self.total = 0
        self.sum_us = 0
        self.max_us = 0

    def record(self, us: int) -> None:
        if us > self.max_us:
            self.max_us = us = min(us, MAX_US)
        self.counts[bucket_of(us)] += 1
        self.total += 1
        self.sum_us += us

    def merge(self, other: Histogram) -> Histogram:
        for index, count in enumerate(other.counts):
            if count:
                self.counts[index] += count
        self.total += other.total
        self.sum_us += other.sum_us
        self.max_us = max(self.max_us, other.max_us)
        return self

    def percentile(self, q: float) -> int:
        """The value at or below which q % of the recorded values fall (0 when empty), in microseconds."""
        if not self.total:
            return 0
        rank = max(1, math.ceil(self.total * q / 100))
        seen = 0
        for index, count in enumerate(self.counts):
            seen += count
            if seen >= rank:
                return min(bucket_bounds(index)[1], self.max_us)
        return self.max_us

    @property
    def mean_us(self) -> float:
        return self.sum_us / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"counts": {i: c for i, c in enumerate(self.counts) if c}, "total": self.total, "sum_us": self.sum_us,
                "max_us": self.max_us}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Histogram:
        hist = cls()
        for index, count in data["counts"].items():
            hist.counts[int(index)] = count
        hist.total, hist.sum_us, hist.max_us = data["total"], data["sum_us"], data["max_us"]
        return hist
