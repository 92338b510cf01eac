"""The load test's latency histogram against exact percentiles of the same data."""

from __future__ import annotations

import math
import random

import pytest

from infra.latency import MAX_US, Histogram, bucket_bounds, bucket_of


def exact(values: list[int], q: float) -> int:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(len(ordered) * q / 100)) - 1]


@pytest.mark.parametrize("name, values", [
    ("uniform-small", [random.Random(1).randrange(0, 2000) for _ in range(5000)]),
    ("lognormal", [int(random.Random(2).lognormvariate(9, 1.2)) for _ in range(20000)]),
    ("bimodal", [300] * 900 + [250_000] * 100),
    ("single", [12345]),
])
@pytest.mark.parametrize("q", [50, 95, 99, 100])
def test_percentiles_within_a_tenth_of_a_percent_and_never_optimistic(name, values, q):
    hist = Histogram()
    for v in values:
        hist.record(v)
    true = exact(values, q)
    assert true <= hist.percentile(q) <= true * 1.001 + 1


@pytest.mark.parametrize("value", [0, 1, 2047, 2048, 2049, 4095, 4096, 10**6, 10**9, MAX_US])
def test_every_value_falls_inside_its_bucket(value):
    low, high = bucket_bounds(bucket_of(value))
    assert low <= value <= high
    assert (high - low) <= max(0, low) / 1024


def test_buckets_are_contiguous():
    previous_high = -1
    for index in range(bucket_of(MAX_US) + 1):
        low, high = bucket_bounds(index)
        assert low == previous_high + 1
        previous_high = high


def test_merge_and_round_trip_equal_one_histogram_of_everything():
    a, b, both = Histogram(), Histogram(), Histogram()
    for i, v in enumerate(random.Random(3).randrange(1, 10**7) for _ in range(3000)):
        (a if i % 2 else b).record(v)
        both.record(v)
    merged = Histogram.from_dict(a.to_dict()).merge(Histogram.from_dict(b.to_dict()))
    assert merged.counts == both.counts and merged.total == both.total == 3000
    assert merged.max_us == both.max_us and merged.mean_us == pytest.approx(both.mean_us)


def test_empty_and_clamped():
    hist = Histogram()
    assert hist.percentile(99) == 0 and hist.mean_us == 0
    hist.record(MAX_US * 4)
    assert hist.max_us == MAX_US and hist.percentile(50) == MAX_US
