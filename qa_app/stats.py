"""Estimates with their sample size and a 95% interval (DESIGN: statistics on small samples
carry both), shared by scorecards, surveys and reports."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats


@dataclass(frozen=True)
class Estimate:
    value: float | None
    n: int
    low: float | None
    high: float | None


def mean_interval(values: Sequence[float], confidence: float = 0.95) -> Estimate:
    """The mean with Student's t interval; no interval for a single value."""
    n = len(values)
    if n == 0:
        return Estimate(None, 0, None, None)
    mean = sum(values) / n
    if n == 1:
        return Estimate(mean, 1, None, None)
    variance = sum((v - mean) ** 2 for v in values) / (n - 1)
    half = stats.t.ppf((1 + confidence) / 2, n - 1) * math.sqrt(variance / n)
    return Estimate(mean, n, mean - half, mean + half)


def proportion_interval(successes: int, n: int, confidence: float = 0.95) -> Estimate:
    """A share with the Wilson score interval, which behaves at 0 and 1 and on small n."""
    if n <= 0:
        return Estimate(None, 0, None, None)
    p = successes / n
    z = stats.norm.ppf((1 + confidence) / 2)
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return Estimate(p, n, max(0.0, centre - half), min(1.0, centre + half))
