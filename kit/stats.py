"""Estimates with their sample size and a 95% interval (DESIGN: statistics on small samples
carry both, inside the measure's bounds), shared by every package. The intervals are scipy's:
Student's t for a mean, Wilson's score interval for a share."""

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


def _clamp(estimate: Estimate, bounds: tuple[float, float] | None) -> Estimate:
    if bounds is None or estimate.low is None or estimate.high is None:
        return estimate
    low, high = bounds
    return Estimate(estimate.value, estimate.n, max(low, estimate.low), min(high, estimate.high))


def _t_estimate(
    mean: float, variance: float, n: int, confidence: float, bounds: tuple[float, float] | None
) -> Estimate:
    """Student's t interval around `mean`; no interval for a single value."""
    _check(confidence)
    if n == 1:
        return Estimate(mean, 1, None, None)
    scale = math.sqrt(max(0.0, variance) / n)
    low = high = mean  # every value the same: scipy gives no interval for a zero scale
    if scale > 0:
        low, high = (float(x) for x in stats.t.interval(confidence, n - 1, loc=mean, scale=scale))
        if not (math.isfinite(low) and math.isfinite(high)):  # a scale too small to compute with
            low = high = mean
    return _clamp(Estimate(mean, n, low, high), bounds)


def mean_from_sums(
    n: int, total: float, squares: float, confidence: float = 0.95, bounds: tuple[float, float] | None = None
) -> Estimate:
    """The mean of n values given their sum and sum of squares (enough to keep per group
    without the rows), with Student's t interval. `bounds` keeps the interval inside the
    measure's range (a score lies in 0..1)."""
    _check(confidence)
    if n == 0:
        return Estimate(None, 0, None, None)
    mean = total / n
    variance = (squares - n * mean * mean) / (n - 1) if n > 1 else 0.0
    return _t_estimate(mean, variance, n, confidence, bounds)


def mean_interval(
    values: Sequence[float], confidence: float = 0.95, bounds: tuple[float, float] | None = None
) -> Estimate:
    """The mean with Student's t interval; no interval for a single value."""
    _check(confidence)
    values = [float(v) for v in values]
    n = len(values)
    if n == 0:
        return Estimate(None, 0, None, None)
    mean = math.fsum(values) / n
    variance = math.fsum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
    return _t_estimate(mean, variance, n, confidence, bounds)


def proportion_interval(successes: int, n: int, confidence: float = 0.95) -> Estimate:
    """A share with the Wilson score interval, which behaves at 0 and 1 and on small n."""
    _check(confidence)
    if n < 0 or not 0 <= successes <= max(n, 0):
        raise ValueError(f"{successes} successes out of {n} is not a proportion")
    if n == 0:
        return Estimate(None, 0, None, None)
    interval = stats.binomtest(successes, n).proportion_ci(confidence_level=confidence, method="wilson")
    p = successes / n
    # At 0 and n the interval touches 0 or 1 exactly; rounding must not leave it a hair off.
    low = 0.0 if successes == 0 else min(p, float(interval.low))
    high = 1.0 if successes == n else max(p, float(interval.high))
    return Estimate(p, n, low, high)


def net_score_interval(promoters: int, detractors: int, n: int, confidence: float = 0.95) -> Estimate:
    """A net score such as NPS (share of promoters minus share of detractors, -1..1) with a
    normal-approximation interval: variance (p + d - (p - d)^2) / n. scipy has no interval for a
    difference of two shares of one multinomial sample; the normal quantile is scipy's."""
    _check(confidence)
    if n <= 0:
        return Estimate(None, 0, None, None)
    p, d = promoters / n, detractors / n
    value = p - d
    half = float(stats.norm.ppf((1 + confidence) / 2)) * math.sqrt(max(0.0, p + d - value * value) / n)
    return Estimate(value, n, max(-1.0, value - half), min(1.0, value + half))
