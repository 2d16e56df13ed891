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


def _check(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"the confidence must be between 0 and 1, not {confidence}")


def mean_interval(values: Sequence[float], confidence: float = 0.95) -> Estimate:
    """The mean with Student's t interval; no interval for a single value."""
    _check(confidence)
    values = [float(v) for v in values]
    n = len(values)
    if n == 0:
        return Estimate(None, 0, None, None)
    mean = math.fsum(values) / n
    if n == 1:
        return Estimate(mean, 1, None, None)
    variance = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    half = float(stats.t.ppf((1 + confidence) / 2, n - 1)) * math.sqrt(variance / n)
    return Estimate(mean, n, mean - half, mean + half)


def proportion_interval(successes: int, n: int, confidence: float = 0.95) -> Estimate:
    """A share with the Wilson score interval, which behaves at 0 and 1 and on small n."""
    _check(confidence)
    if n < 0 or not 0 <= successes <= max(n, 0):
        raise ValueError(f"{successes} successes out of {n} is not a proportion")
    if n == 0:
        return Estimate(None, 0, None, None)
    p = successes / n
    z = float(stats.norm.ppf((1 + confidence) / 2))
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # At 0 and n the interval touches 0 or 1 exactly; rounding must not leave it a hair off.
    low = 0.0 if successes == 0 else min(p, max(0.0, centre - half))
    high = 1.0 if successes == n else max(p, min(1.0, centre + half))
    return Estimate(p, n, low, high)


def net_score_interval(promoters: int, detractors: int, n: int, confidence: float = 0.95) -> Estimate:
    """A net score such as NPS (share of promoters minus share of detractors, -1..1) with a
    normal-approximation interval: variance (p + d - (p - d)^2) / n."""
    if n <= 0:
        return Estimate(None, 0, None, None)
    p, d = promoters / n, detractors / n
    value = p - d
    z = stats.norm.ppf((1 + confidence) / 2)
    half = z * math.sqrt(max(0.0, p + d - value * value) / n)
    return Estimate(value, n, max(-1.0, value - half), min(1.0, value + half))
