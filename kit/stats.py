"""Estimates with their sample size and a 95% interval (DESIGN: statistics on small samples
carry both, inside the measure's bounds), shared by every package.

- A share (yes/no answers): Wilson's score interval, as scipy's `binomtest` gives it.
- A mean without bounds (seconds of handle time): Student's t interval, as `scipy.stats.t` gives it.
- A mean with bounds (an evaluation score, 0..1 as a share of the points; an effort rating
  1..7): Wilson's score interval with the sample's effective size (`bounded_mean`), which
  never leaves the bounds and never shrinks to a point because a few values happen to agree.
- A net score (NPS, -1..1): a normal interval, kept inside -1..1.

The quantiles are scipy.special's (`ndtri` for the normal, `stdtrit` for Student's t), the very
functions scipy.stats calls, so the figures are identical to scipy.stats' to the last bit (the
tests compare them); importing scipy.stats itself would cost a web process about 50 MB.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy.special import ndtri, stdtrit


def _t_quantile(q: float, df: int) -> float:
    """`scipy.stats.t.ppf(q, df)`."""
    return float(stdtrit(df, q))


def _normal_quantile(q: float) -> float:
    """`scipy.stats.norm.ppf(q)`."""
    return float(ndtri(q))


@dataclass(frozen=True)
class Estimate:
    value: float | None
    n: int
    low: float | None
    high: float | None


def _check(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"the confidence must be between 0 and 1, not {confidence}")


def _check_bounds(bounds: tuple[float, float], finite: bool = True) -> tuple[float, float]:
    low, high = (float(b) for b in bounds)
    if math.isnan(low) or math.isnan(high) or not low < high or (finite and not math.isfinite(high - low)):
        raise ValueError(f"bounds must be two {'finite ' if finite else ''}numbers, the lower first, not {bounds}")
    return low, high


def _inside(mean: float, lower: float, upper: float) -> float:
    """A mean within its bounds; one a rounding hair outside (from sums) is put back on the bound."""
    finite = [abs(b) for b in (lower, upper) if math.isfinite(b)]
    tolerance = 1e-9 * max([1.0, *finite])
    if not lower - tolerance <= mean <= upper + tolerance:
        raise ValueError(f"a mean of {mean} is outside the bounds ({lower}, {upper})")
    return min(upper, max(lower, mean))


def _mean_estimate(
    mean: float, variance: float, n: int, confidence: float, bounds: tuple[float, float] | None
) -> Estimate:
    """Both bounds finite: `bounded_mean`. One side open (seconds are at least 0, with no top):
    Student's t, stopped at the closed side. No bounds: Student's t."""
    if bounds is None:
        return _t_estimate(mean, variance, n, confidence)
    lower, upper = _check_bounds(bounds, finite=False)
    if math.isfinite(upper - lower):
        return bounded_mean(mean, variance, n, (lower, upper), confidence)
    mean = _inside(mean, lower, upper)
    estimate = _t_estimate(mean, variance, n, confidence)
    if estimate.low is None:
        return estimate
    return Estimate(mean, n, max(lower, estimate.low), min(upper, estimate.high))


def _t_estimate(mean: float, variance: float, n: int, confidence: float) -> Estimate:
    """Student's t interval around `mean`; no interval for a single value."""
    if n == 1:
        return Estimate(mean, 1, None, None)
    scale = math.sqrt(max(0.0, variance) / n)
    low = high = mean  # every value the same: scipy gives no interval for a zero scale
    if scale > 0:
        # scipy.stats.t.interval: the quantiles of (1 - c) / 2 and (1 + c) / 2, scaled and moved.
        low = _t_quantile((1.0 - confidence) / 2, n - 1) * scale + mean
        high = _t_quantile((1.0 + confidence) / 2, n - 1) * scale + mean
        if not (math.isfinite(low) and math.isfinite(high)):  # a scale too small to compute with
            low = high = mean
    return Estimate(mean, n, low, high)


def _wilson(p: float, n: float, z: float) -> tuple[float, float]:
    """Wilson's score interval for a share p of n, where n need not be a whole number (an
    effective sample size). For a whole n it is the interval scipy's `binomtest(...).
    proportion_ci(method="wilson")` gives (the tests check that); scipy has no form for a
    fractional n, so the closed form is written out here."""
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p * (1 - p) / n + z2n / (4 * n))
    # The interval always holds p; at 0 and 1 it touches the bound exactly (no rounding hair).
    low = 0.0 if p <= 0 else max(0.0, min(p, centre - half))
    high = 1.0 if p >= 1 else min(1.0, max(p, centre + half))
    return low, high


def bounded_mean(
    mean: float, variance: float, n: int, bounds: tuple[float, float], confidence: float = 0.95
) -> Estimate:
    """The mean of n values that lie within `bounds`, given the values' sample variance, with an
    interval that stays inside the bounds.

    Method: Wilson's score interval with an effective sample size (Korn and Graubard, 1998,
    "Confidence intervals for proportions with small expected number of positive counts
    estimated from survey data"). Rescaled to 0..1, a value is a share (an evaluation score is
    the share of the points earned), and the mean p of n yes/no answers would have the variance
    p(1 - p) / n: the most any values within the bounds with mean p can spread. Values that
    spread less (their variance s^2) carry as much as n_eff = n p (1 - p) / s^2 yes/no answers,
    and n_eff (z / t(n - 1))^2 carries Student's allowance for estimating s^2 from n values.
    Wilson's interval for p on that many answers is as wide as Student's t in the middle of the
    range and bends inside the bounds near them, where t's interval would run past 100% (a mean
    score of 93% from 100%, 100% and 80% has t's interval 65%-122%) and a clamped one would claim
    too much.

    When every value is the same (three scores of 100%) the sample says nothing about how
    scores vary, and Student's t would give a point ("100%-100%"). Then the spread is taken to
    be the most the bounds allow, p (1 - p): the interval is Wilson's for n answers, for three
    scores of 100% that of 3 yes of 3 (44%-100%), honest about how little three calls show. A
    single value is treated the same way. The rule is conservative: a mean from values that do
    vary a little is narrower than one from values that happen to agree exactly."""
    _check(confidence)
    if n <= 0:
        return Estimate(None, 0, None, None)
    lower, upper = _check_bounds(bounds)
    width = upper - lower
    mean = _inside(mean, lower, upper)
    p = (mean - lower) / width
    spread = p * (1 - p)
    variance = max(0.0, variance) / (width * width)
    z = _normal_quantile((1 + confidence) / 2)
    effective = float(n)
    if n > 1 and spread > 0 and variance > 1e-12 * spread:
        t = _t_quantile((1 + confidence) / 2, n - 1)
        effective = n * spread / variance * (z / t) ** 2
    low, high = _wilson(p, effective, z)
    # Back to the measure's scale; rounding there must not step past a bound or the mean.
    return Estimate(
        mean,
        n,
        max(lower, min(mean, lower + low * width)),
        min(upper, max(mean, upper if high >= 1 else lower + high * width)),
    )


def mean_from_sums(
    n: int, total: float, squares: float, confidence: float = 0.95, bounds: tuple[float, float] | None = None
) -> Estimate:
    """The mean of n values given their sum and sum of squares (enough to keep per group
    without the rows). Without `bounds`, Student's t interval; with two finite bounds (a score
    lies in 0..1), the bounded interval of `bounded_mean`; with one side open (seconds: 0 to
    infinity), Student's t stopped at the closed side."""
    _check(confidence)
    if n == 0:
        return Estimate(None, 0, None, None)
    mean = total / n
    variance = max(0.0, (squares - n * mean * mean) / (n - 1)) if n > 1 else 0.0
    return _mean_estimate(mean, variance, n, confidence, bounds)


def mean_interval(
    values: Sequence[float], confidence: float = 0.95, bounds: tuple[float, float] | None = None
) -> Estimate:
    """The mean of some values. Without `bounds`, Student's t interval (none for a single
    value); with two finite bounds, the bounded interval of `bounded_mean`, which stays inside
    them; with one side open, Student's t stopped at the closed side."""
    _check(confidence)
    values = [float(v) for v in values]
    n = len(values)
    if n == 0:
        return Estimate(None, 0, None, None)
    mean = math.fsum(values) / n
    variance = math.fsum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
    if bounds is not None:
        lower, upper = _check_bounds(bounds, finite=False)
        if any(not lower <= v <= upper for v in values):
            raise ValueError(f"a value lies outside the bounds {bounds}")
        mean = min(upper, max(lower, mean))  # fsum's rounding must not carry a mean past a bound
    return _mean_estimate(mean, variance, n, confidence, bounds)


def proportion_interval(successes: int, n: int, confidence: float = 0.95) -> Estimate:
    """A share with the Wilson score interval, which behaves at 0 and 1 and on small n."""
    _check(confidence)
    if n < 0 or not 0 <= successes <= max(n, 0):
        raise ValueError(f"{successes} successes out of {n} is not a proportion")
    if n == 0:
        return Estimate(None, 0, None, None)
    interval_low, interval_high = _binomial_wilson(successes, n, confidence)
    p = successes / n
    # At 0 and n the interval touches 0 or 1 exactly; rounding must not leave it a hair off.
    low = 0.0 if successes == 0 else max(0.0, min(p, interval_low))
    high = 1.0 if successes == n else min(1.0, max(p, interval_high))
    return Estimate(p, n, low, high)


def _binomial_wilson(k: int, n: int, confidence: float) -> tuple[float, float]:
    """`scipy.stats.binomtest(k, n).proportion_ci(confidence, method="wilson")`, written as
    scipy writes it (Newcombe 1998), operation for operation, so the bits agree."""
    p = k / n
    z = _normal_quantile(0.5 + 0.5 * confidence)
    denom = 2 * (n + z**2)
    centre = (2 * n * p + z**2) / denom
    delta = z / denom * math.sqrt(4 * n * p * (1 - p) + z**2)
    return (0.0 if k == 0 else centre - delta), (1.0 if k == n else centre + delta)


def net_score_interval(promoters: int, detractors: int, n: int, confidence: float = 0.95) -> Estimate:
    """A net score such as NPS (share of promoters minus share of detractors, -1..1) with a
    normal-approximation interval: variance (p + d - (p - d)^2) / n. scipy has no interval for a
    difference of two shares of one multinomial sample; the normal quantile is scipy's."""
    _check(confidence)
    if n <= 0:
        return Estimate(None, 0, None, None)
    if min(promoters, detractors) < 0 or promoters + detractors > n:
        raise ValueError(f"{promoters} promoters and {detractors} detractors out of {n} is not a net score")
    p, d = promoters / n, detractors / n
    value = p - d
    half = _normal_quantile((1 + confidence) / 2) * math.sqrt(max(0.0, p + d - value * value) / n)
    return Estimate(value, n, max(-1.0, value - half), min(1.0, value + half))
