"""Estimates with n and a 95% interval, against known values and against scipy's own intervals."""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from kit.stats import Estimate, mean_interval, proportion_interval


def test_wilson_8_of_10():
    """p = 0.8, z = 1.95996, z^2 = 3.84146, n = 10:
    centre = (0.8 + 3.84146 / 20) / (1 + 0.384146) = 0.992073 / 1.384146 = 0.716739
    half = 1.95996 * sqrt(0.8 * 0.2 / 10 + 3.84146 / 400) / 1.384146 = 1.95996 * 0.160037 / 1.384146 = 0.226614
    -> (0.4901, 0.9433)"""
    wilson = proportion_interval(8, 10)
    assert isinstance(wilson, Estimate)
    assert (wilson.value, wilson.n) == (0.8, 10)
    assert wilson.low == pytest.approx(0.4902, abs=1e-4) and wilson.high == pytest.approx(0.9433, abs=1e-4)


def test_wilson_at_the_edges_stays_inside_0_1():
    # 0 of 10: low 0, high z^2 / (n + z^2) = 3.84146 / 13.84146 = 0.2775
    none = proportion_interval(0, 10)
    assert none.value == 0 and none.low == 0.0 and none.high == pytest.approx(0.2775, abs=1e-4)
    every = proportion_interval(10, 10)
    assert every.value == 1 and every.high == 1.0 and every.low == pytest.approx(1 - 0.2775, abs=1e-4)
    one = proportion_interval(1, 1)  # one success in one try: wide, but no nonsense
    assert one.low == pytest.approx(0.2065, abs=1e-4) and one.high == 1.0


def test_no_observations_no_estimate():
    assert proportion_interval(0, 0) == Estimate(None, 0, None, None)
    assert mean_interval([]) == Estimate(None, 0, None, None)


def test_a_proportion_must_be_one():
    for successes, n in ((11, 10), (-1, 10), (1, 0), (0, -3)):
        with pytest.raises(ValueError):
            proportion_interval(successes, n)
    with pytest.raises(ValueError, match="confidence"):
        proportion_interval(1, 2, confidence=95)
    with pytest.raises(ValueError, match="confidence"):
        mean_interval([1, 2], confidence=0)


def test_t_interval_of_one_to_five():
    """mean 3, sample sd sqrt(2.5) = 1.5811, standard error 1.5811 / sqrt(5) = 0.7071,
    t(0.975, 4) = 2.7764: half-width 2.7764 * 0.7071 = 1.9632 -> (1.0368, 4.9632)."""
    t = mean_interval([1, 2, 3, 4, 5])
    assert (t.value, t.n) == (3, 5)
    assert t.low == pytest.approx(3 - 1.9632, abs=1e-4) and t.high == pytest.approx(3 + 1.9632, abs=1e-4)


def test_scores_of_an_agents_month():
    """Six evaluations 0.9, 0.8, 1.0, 0.7, 0.85, 0.85: mean 5.1 / 6 = 0.85; deviations .05, -.05, .15,
    -.15, 0, 0, squares .05 in all, variance .05 / 5 = .01, sd 0.1, se 0.1 / sqrt(6) = 0.040825;
    t(0.975, 5) = 2.5706: half 0.104944 -> (0.7451, 0.9549)."""
    t = mean_interval([0.9, 0.8, 1.0, 0.7, 0.85, 0.85])
    assert t.value == pytest.approx(0.85) and t.n == 6
    assert (t.low, t.high) == pytest.approx((0.7451, 0.9549), abs=1e-4)


def test_a_single_value_has_no_interval():
    assert mean_interval([0.7]) == Estimate(0.7, 1, None, None)
    assert proportion_interval(1, 1).low is not None  # a proportion of one still has its (wide) interval


def test_identical_values_have_a_zero_width_interval():
    t = mean_interval([0.5, 0.5, 0.5])
    assert t.value == 0.5 and t.low == pytest.approx(0.5) and t.high == pytest.approx(0.5)


def test_other_confidence_levels():
    # 90%: t(0.95, 4) = 2.1318 -> half 1.5074; 99%: t(0.995, 4) = 4.6041 -> half 3.2556
    assert mean_interval([1, 2, 3, 4, 5], confidence=0.90).high == pytest.approx(3 + 1.5074, abs=1e-4)
    assert mean_interval([1, 2, 3, 4, 5], confidence=0.99).high == pytest.approx(3 + 3.2556, abs=1e-4)
    narrow, wide = proportion_interval(8, 10, 0.80), proportion_interval(8, 10, 0.99)
    assert wide.low < 0.4902 < narrow.low and narrow.high < 0.9433 < wide.high


def test_any_sequence_will_do():
    assert mean_interval((1, 2, 3)).value == 2 and mean_interval(range(1, 6)).high == pytest.approx(4.9632, abs=1e-4)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_matches_scipy(case):
    successes, n = case
    estimate = proportion_interval(successes, n)
    if n == 0:
        assert estimate.value is None
        return
    expected = scipy_stats.binomtest(successes, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert estimate.low == pytest.approx(expected.low, abs=1e-9) and estimate.high == pytest.approx(
        expected.high, abs=1e-9
    )
    assert 0 <= estimate.low <= estimate.value <= estimate.high <= 1
    assert estimate.n == n


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(-1000, 1000, allow_nan=False), min_size=2, max_size=40))
def test_the_t_interval_matches_scipy(values):
    estimate = mean_interval(values)
    mean = statistics.fmean(values)
    assert estimate.value == pytest.approx(mean, abs=1e-9) and estimate.n == len(values)
    sem = statistics.stdev(values) / math.sqrt(len(values))
    if sem > 1e-9:
        low, high = scipy_stats.t.interval(0.95, len(values) - 1, loc=mean, scale=sem)
        assert estimate.low == pytest.approx(low, rel=1e-9, abs=1e-9)
        assert estimate.high == pytest.approx(high, rel=1e-9, abs=1e-9)
    assert estimate.low <= estimate.value <= estimate.high
    assert estimate.high - estimate.value == pytest.approx(estimate.value - estimate.low, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=2, max_size=30), st.floats(0.5, 0.98))
def test_more_confidence_never_narrows_the_interval(values, confidence):
    lower = mean_interval(values, confidence)
    higher = mean_interval(values, min(0.999, confidence + 0.01))
    assert higher.high - higher.low >= lower.high - lower.low - 1e-12


def test_a_mean_interval_stays_inside_the_measures_bounds():
    """Scores near the top: t's interval reaches past 1, the bounded one stops at 1; every value
    the same gives a zero-width interval (scipy gives none for a zero scale)."""
    scores = [1.0, 1.0, 0.8]
    free = mean_interval(scores)
    assert free.high > 1.0
    bounded = mean_interval(scores, bounds=(0.0, 1.0))
    assert (bounded.value, bounded.low, bounded.high) == (free.value, free.low, 1.0)
    same = mean_interval([0.5, 0.5, 0.5], bounds=(0.0, 1.0))
    assert (same.low, same.high) == (0.5, 0.5)
