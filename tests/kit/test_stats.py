"""Estimates with n and a 95% interval, against known values and against scipy's own intervals."""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from kit.stats import Estimate, mean_from_sums, mean_interval, net_score_interval, proportion_interval


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


def test_a_bounded_mean_bends_inside_its_bounds():
    """Scores 1.0, 1.0, 0.8: mean p = 0.93333, s^2 = 0.013333, p(1 - p) = 0.062222.
    Student's t runs past 100% (0.9333 ± 4.3027 * 0.0667 = 0.6465 .. 1.2202). The bounded interval:
    n_eff = 3 * 0.062222 / 0.013333 = 14.0; (z / t(2))^2 = (1.95996 / 4.30265)^2 = 0.207497, so
    n* = 2.90496; Wilson on p = 0.93333 of n*: z^2 / n* = 1.32238, centre = (0.93333 + 0.66119) /
    2.32238 = 0.68659, half = 1.95996 / 2.32238 * sqrt(0.062222 / 2.90496 + 1.32238 / (4 * 2.90496))
    = 0.843945 * 0.367726 = 0.31034 -> (0.37625, 0.99693)."""
    scores = [1.0, 1.0, 0.8]
    free = mean_interval(scores)
    assert free.high == pytest.approx(1.2202, abs=1e-4)
    bounded = mean_interval(scores, bounds=(0.0, 1.0))
    assert bounded.value == pytest.approx(0.93333, abs=1e-5) and bounded.n == 3
    assert (bounded.low, bounded.high) == pytest.approx((0.37625, 0.99693), abs=1e-4)


def test_six_scores_hand_worked():
    """0.9, 0.8, 1.0, 0.7, 0.85, 0.85: p = 0.85, s^2 = 0.01, p(1 - p) = 0.1275; n_eff = 6 * 12.75 =
    76.5; (z / t(5))^2 = (1.95996 / 2.57058)^2 = 0.581344, n* = 44.4728; z^2 / n* = 0.086378,
    centre = 0.893189 / 1.086378 = 0.822172, half = 1.804124 * sqrt(0.0028669 + 0.00048557) =
    0.104460 -> (0.71771, 0.92663), where Student's t says (0.7451, 0.9549)."""
    bounded = mean_interval([0.9, 0.8, 1.0, 0.7, 0.85, 0.85], bounds=(0.0, 1.0))
    assert (bounded.low, bounded.high) == pytest.approx((0.71771, 0.92663), abs=1e-4)
    sums = mean_from_sums(6, 5.1, 0.81 + 0.64 + 1.0 + 0.49 + 0.7225 + 0.7225, bounds=(0.0, 1.0))
    assert (sums.value, sums.low, sums.high) == pytest.approx((0.85, bounded.low, bounded.high), abs=1e-9)


@pytest.mark.parametrize("values", [[1.0, 1.0, 1.0], [0.0] * 4, [0.5] * 4, [1.0], [0.0, 0.0]])
def test_scores_that_all_agree_get_wilsons_interval_for_n_not_a_point(values):
    """Every value the same: the spread is taken as the most the bounds allow, so the interval is
    scipy's Wilson interval for the same share of n yes/no answers (three of 100%: 3 of 3)."""
    n, p = len(values), values[0]
    bounded = mean_interval(values, bounds=(0.0, 1.0))
    wilson = scipy_stats.binomtest(round(p * n), n).proportion_ci(method="wilson")
    assert bounded.low == pytest.approx(wilson.low, abs=1e-9) and bounded.high == pytest.approx(wilson.high, abs=1e-9)
    assert bounded.low < bounded.high and bounded.n == n
    assert mean_interval(values) in (Estimate(p, n, p, p), Estimate(p, 1, None, None))  # t's point, or nothing


def test_three_perfect_scores_are_not_100_to_100():
    same = mean_interval([1.0, 1.0, 1.0], bounds=(0.0, 1.0))
    assert same.high == 1.0 and same.low == pytest.approx(0.4385, abs=1e-4)  # 3 / (3 + z^2) = 0.4385


def test_other_bounds_are_rescaled():
    """An effort rating 1..7 is a share of the way from 1 to 7: all 7s are as 1.0s."""
    ratings = mean_interval([7.0, 7.0, 7.0], bounds=(1.0, 7.0))
    shares = mean_interval([1.0, 1.0, 1.0], bounds=(0.0, 1.0))
    assert ratings.high == 7.0 and ratings.low == pytest.approx(1 + 6 * shares.low)
    mixed = mean_interval([2.0, 5.0, 6.0, 4.0], bounds=(1.0, 7.0))
    as_shares = mean_interval([(v - 1) / 6 for v in (2.0, 5.0, 6.0, 4.0)], bounds=(0.0, 1.0))
    assert (mixed.low, mixed.high) == pytest.approx((1 + 6 * as_shares.low, 1 + 6 * as_shares.high))


def test_in_the_middle_of_a_large_sample_it_is_students_t():
    values = [0.4, 0.5, 0.6] * 100
    bounded, free = mean_interval(values, bounds=(0.0, 1.0)), mean_interval(values)
    assert bounded.low == pytest.approx(free.low, abs=1e-3) and bounded.high == pytest.approx(free.high, abs=1e-3)


def test_a_half_open_bound_stops_students_t():
    """Seconds are at least 0 and have no top: t's interval is kept and stopped at 0."""
    free = mean_interval([10.0, 500.0])
    assert free.low < 0
    seconds = mean_interval([10.0, 500.0], bounds=(0.0, math.inf))
    assert (seconds.value, seconds.low, seconds.high) == (free.value, 0.0, free.high)
    assert mean_from_sums(2, 510.0, 100.0 + 250000.0, bounds=(0.0, math.inf)).low == 0.0


def test_values_outside_the_bounds_are_an_error():
    with pytest.raises(ValueError, match="outside"):
        mean_interval([0.5, 1.2], bounds=(0.0, 1.0))
    with pytest.raises(ValueError, match="bounds"):
        mean_interval([0.5], bounds=(1.0, 0.0))
    with pytest.raises(ValueError, match="outside"):
        mean_from_sums(2, 3.0, 5.0, bounds=(0.0, 1.0))


BOUNDS = st.tuples(st.floats(-1000, 1000), st.floats(0.001, 1000)).map(lambda b: (b[0], b[0] + b[1]))


@settings(max_examples=400, deadline=None)
@given(BOUNDS, st.lists(st.floats(0, 1), min_size=1, max_size=40), st.floats(0.5, 0.999))
def test_no_bounded_mean_leaves_its_bounds(bounds, shares, confidence):
    """Any values inside any bounds, at any confidence: the interval holds the mean, stays inside
    the bounds and is never a point (the bounds alone leave room), from the values or their sums."""
    lower, upper = bounds
    values = [min(upper, lower + u * (upper - lower)) for u in shares]
    for estimate in (
        mean_interval(values, confidence, bounds=bounds),
        mean_from_sums(len(values), math.fsum(values), math.fsum(v * v for v in values), confidence, bounds=bounds),
    ):
        assert estimate.n == len(values)
        assert lower <= estimate.low <= estimate.value <= estimate.high <= upper
        assert estimate.low < estimate.high


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 300).flatmap(
        lambda n: (
            st.tuples(st.integers(0, n), st.integers(0, n)).filter(lambda c: c[0] + c[1] <= n).map(lambda c: (*c, n))
        )
    ),
    st.floats(0.5, 0.999),
)
def test_no_share_or_net_score_leaves_its_bounds(case, confidence):
    promoters, detractors, n = case
    share = proportion_interval(promoters, n, confidence)
    assert 0.0 <= share.low <= share.value <= share.high <= 1.0 and share.low < share.high
    net = net_score_interval(promoters, detractors, n, confidence)
    assert -1.0 <= net.low <= net.value <= net.high <= 1.0


def test_the_statistics_do_not_load_scipy_stats():
    """scipy.stats costs a web process about 50 MB; kit.stats uses scipy.special's quantiles."""
    import subprocess
    import sys

    code = "import sys, kit.stats; print('scipy.stats' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
