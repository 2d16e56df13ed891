"""Calibration: three markers on one call, worked by hand, and properties of the measures."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from fractions import Fraction
from itertools import permutations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scorecards.calibration import criterion_agreement, krippendorff_alpha, marker_distance, total_spread
from scorecards.definition import parse_definition
from scorecards.scoring import Answer, score


def _c(code, weight=1, kind="yes_no", **extra):
    return {"code": code, "title": code.title(), "weight": weight, "kind": kind, **extra}


DEFINITION = parse_definition(
    {
        "sections": [
            {
                "code": "call",
                "title": "Call",
                "criteria": [
                    _c("greeting"),
                    _c("courtesy", 2, "scale", scale_max=4, pass_from=3),
                    _c("resolved"),
                    _c("privacy", na_allowed=True),
                    _c("accurate"),
                ],
            }
        ]
    }
)
RATINGS = {
    "Ana": {"greeting": 1, "courtesy": 3, "resolved": 1, "privacy": None, "accurate": 0},
    "Ben": {"greeting": 1, "courtesy": 3, "resolved": 0, "privacy": None, "accurate": 0},
    "Cleo": {"greeting": 1, "courtesy": 2, "resolved": 1, "privacy": 1, "accurate": 0},
}


def totals_of(ratings):
    return {
        marker: score(DEFINITION, {code: Answer(v, v is None) for code, v in answers.items()}).score
        for marker, answers in ratings.items()
    }


def test_three_markers_on_one_call_worked_by_hand():
    """Ana, Ben and Cleo mark the same call (weights: courtesy 2, the rest 1; N/A written -):

                    Ana  Ben  Cleo   pairs agreeing (AB, AC, BC)   agreement   modal
      greeting       1    1    1     3 of 3                        1           1
      courtesy       3    3    2     AB                            1/3         3
      resolved       1    0    1     AC                            1/3         1
      privacy        -    -    1     AB (N/A is an answer)         1/3         N/A
      accurate       0    0    0     3 of 3                        1           0

    Totals (earned / possible, N/A left out of both):
      Ana  1 + 2*3/4 + 1 + 0     = 3.5 of 5 = 0.7
      Ben  1 + 1.5   + 0 + 0     = 2.5 of 5 = 0.5
      Cleo 1 + 2*2/4 + 1 + 1 + 0 = 4   of 6 = 2/3
    mean (0.7 + 0.5 + 2/3) / 3 = 28/45; range 0.7 - 0.5 = 0.2;
    deviations 7/90, -11/90, 4/90, so the sample sd = sqrt((49 + 121 + 16) / 8100 / 2) = sqrt(93) / 90.

    Each marker against the others:
      Ana  0.7  - (0.5 + 2/3) / 2 =  7/60; disagreements 0 (resolved: the others split 0/1, Ana sides with one)
      Ben  0.5  - (0.7 + 2/3) / 2 = -11/60; disagreements 1 (resolved: the others both said 1)
      Cleo 2/3  - (0.7 + 0.5) / 2 =  1/15; disagreements 2 (courtesy: others 3; privacy: others N/A)

    Krippendorff's alpha, nominal. Values scaled by the criterion's maximum (courtesy 3 -> 0.75,
    2 -> 0.5); privacy has one value only, so it cannot be paired and drops out. Every unit has
    m = 3 values, so each ordered pair of values within a unit adds 1/(m - 1) = 1/2 to the
    coincidence matrix o:
      greeting (1, 1, 1):       6 ordered pairs (1,1)              -> o[1,1] += 3
      courtesy (.75, .75, .5):  (.75,.75) x2, (.75,.5) x2, (.5,.75) x2 -> o[.75,.75] += 1, o[.75,.5] += 1, o[.5,.75] += 1
      resolved (1, 0, 1):       (1,1) x2, (1,0) x2, (0,1) x2       -> o[1,1] += 1, o[1,0] += 1, o[0,1] += 1
      accurate (0, 0, 0):       6 ordered pairs (0,0)              -> o[0,0] += 3
    o[0,0] = 3, o[0,1] = o[1,0] = 1, o[1,1] = 4, o[.5,.75] = o[.75,.5] = 1, o[.75,.75] = 1;
    marginals n_0 = 4, n_.5 = 1, n_.75 = 2, n_1 = 5; n = 12 pairable values.
    alpha = 1 - (n - 1) * (sum of o off the diagonal) / (n^2 - sum n_c^2)
          = 1 - 11 * 4 / (144 - (16 + 1 + 4 + 25)) = 1 - 44 / 98 = 27/49 ~ 0.551.
    Interval (delta = (c - k)^2): off-diagonal o*delta = 2 * 1 + 2 * 0.0625 = 2.125;
      sum over ordered c != k of n_c n_k delta = 2 * (4*1*.25 + 4*2*.5625 + 4*5*1 + 1*2*.0625 + 1*5*.25 + 2*5*.0625)
      = 2 * 27.5 = 55; alpha = 1 - 11 * 2.125 / 55 = 0.575.
    """
    agreement = criterion_agreement(DEFINITION, RATINGS)
    assert list(agreement) == ["greeting", "courtesy", "resolved", "privacy", "accurate"]  # template order
    assert {code: a["agreement"] for code, a in agreement.items()} == pytest.approx(
        {"greeting": 1.0, "courtesy": 1 / 3, "resolved": 1 / 3, "privacy": 1 / 3, "accurate": 1.0}
    )
    assert {code: a["modal"] for code, a in agreement.items()} == {
        "greeting": 1,
        "courtesy": 3,
        "resolved": 1,
        "privacy": None,
        "accurate": 0,
    }
    assert agreement["courtesy"]["values"] == {"Ana": 3, "Ben": 3, "Cleo": 2}

    totals = totals_of(RATINGS)
    assert totals == pytest.approx({"Ana": 0.7, "Ben": 0.5, "Cleo": 2 / 3})
    spread = total_spread(totals)
    assert spread["n"] == 3
    assert spread["mean"] == pytest.approx(28 / 45) and spread["range"] == pytest.approx(0.2)
    assert (spread["min"], spread["max"]) == pytest.approx((0.5, 0.7))
    assert spread["sd"] == pytest.approx(math.sqrt(93) / 90)

    distance = marker_distance(DEFINITION, RATINGS, totals)
    assert {m: d["from_mean"] for m, d in distance.items()} == pytest.approx(
        {"Ana": 7 / 60, "Ben": -11 / 60, "Cleo": 1 / 15}
    )
    assert {m: d["disagreements"] for m, d in distance.items()} == {"Ana": 0, "Ben": 1, "Cleo": 2}
    assert distance["Cleo"]["total"] == pytest.approx(2 / 3)

    assert krippendorff_alpha(DEFINITION, RATINGS, level="nominal") == pytest.approx(27 / 49)
    assert krippendorff_alpha(DEFINITION, RATINGS, level="interval") == pytest.approx(0.575)
    ordinal = krippendorff_alpha(DEFINITION, RATINGS)  # the default level
    assert ordinal == pytest.approx(krippendorff_alpha(DEFINITION, RATINGS, level="ordinal"))
    assert 27 / 49 < ordinal < 1  # near misses (3 against 2) count for less than on the nominal scale


def test_a_marker_who_left_a_criterion_out_gave_na():
    ratings = {"Ana": {"greeting": 1}, "Ben": {"greeting": 1, "privacy": None}}
    agreement = criterion_agreement(DEFINITION, ratings)
    assert agreement["privacy"]["agreement"] == 1.0 and agreement["privacy"]["values"] == {"Ana": None, "Ben": None}


def test_perfect_agreement():
    same = {name: dict(RATINGS["Cleo"]) for name in ("Ana", "Ben", "Cleo")}
    assert all(a["agreement"] == 1.0 for a in criterion_agreement(DEFINITION, same).values())
    assert krippendorff_alpha(DEFINITION, same) == 1.0
    assert krippendorff_alpha(DEFINITION, same, level="nominal") == 1.0
    distance = marker_distance(DEFINITION, same, {name: 0.8 for name in same})
    assert all(d["disagreements"] == 0 and d["from_mean"] == pytest.approx(0) for d in distance.values())
    # every answer the same value: the package refuses a one-value domain, agreement is still perfect
    yes = {name: {"greeting": 1, "resolved": 1, "accurate": 1} for name in ("Ana", "Ben")}
    assert krippendorff_alpha(DEFINITION, yes) == 1.0


def test_alpha_needs_two_markers_and_a_pairable_value():
    assert krippendorff_alpha(DEFINITION, {"Ana": RATINGS["Ana"]}) is None
    assert krippendorff_alpha(DEFINITION, {}) is None
    # every criterion answered by at most one marker: nothing to pair
    apart = {"Ana": {"greeting": 1}, "Ben": {"courtesy": 3}, "Cleo": {"privacy": None}}
    assert krippendorff_alpha(DEFINITION, apart) is None


def test_complete_disagreement_on_yes_no_is_below_zero():
    # Two markers, opposite on every yes/no: o[0,1] = o[1,0] = 3 (1/(m-1) = 1 each), n = 6, n_0 = n_1 = 3
    # alpha = 1 - 5 * 6 / (36 - 18) = 1 - 30/18 = -2/3
    ratings = {
        "Ana": {"greeting": 1, "resolved": 0, "accurate": 1},
        "Ben": {"greeting": 0, "resolved": 1, "accurate": 0},
    }
    assert krippendorff_alpha(DEFINITION, ratings, level="nominal") == pytest.approx(-2 / 3)
    agreement = criterion_agreement(DEFINITION, ratings)
    assert [agreement[code]["agreement"] for code in ("greeting", "resolved", "accurate")] == [0, 0, 0]
    assert agreement["privacy"]["agreement"] == 1  # both left it out: the same answer, N/A


def test_with_one_marker_there_is_nobody_to_compare_with():
    agreement = criterion_agreement(DEFINITION, {"Ana": RATINGS["Ana"]})
    assert agreement["greeting"]["agreement"] is None and agreement["greeting"]["modal"] == 1
    distance = marker_distance(DEFINITION, {"Ana": RATINGS["Ana"]}, {"Ana": 0.7})
    assert distance == {"Ana": {"total": 0.7, "from_mean": None, "disagreements": 0}}


def test_spread_of_few_totals():
    assert total_spread({}) == {"n": 0, "mean": None, "min": None, "max": None, "range": None, "sd": None}
    assert total_spread({"Ana": 0.8}) == {"n": 1, "mean": 0.8, "min": 0.8, "max": 0.8, "range": 0.0, "sd": None}
    two = total_spread({"Ana": 0.6, "Ben": 0.9})
    # sample sd of two values = |a - b| / sqrt(2)
    assert two["sd"] == pytest.approx(0.3 / math.sqrt(2)) and two["mean"] == pytest.approx(0.75)


# --- properties --------------------------------------------------------------------------------------

CODES = [c.code for c in DEFINITION.criteria()]


def rating_for(criterion):
    values = st.integers(0, criterion.max_value)
    return st.one_of(values, st.none()) if criterion.na_allowed else values


one_marker = st.fixed_dictionaries({c.code: rating_for(c) for c in DEFINITION.criteria()})
sessions = st.dictionaries(st.sampled_from(["Ana", "Ben", "Cleo", "Dev", "Eli"]), one_marker, min_size=2, max_size=5)


def alpha_by_hand(ratings, distance):
    """The coincidence-matrix arithmetic of the docstring above, for any session."""
    o: Counter = Counter()
    for criterion in DEFINITION.criteria():
        values = [
            Fraction(a[criterion.code], criterion.max_value)
            for a in ratings.values()
            if a.get(criterion.code) is not None
        ]
        m = len(values)
        if m < 2:
            continue
        for i, j in permutations(range(m), 2):
            o[values[i], values[j]] += Fraction(1, m - 1)
    n_c: Counter = Counter()
    for (c, _), count in o.items():
        n_c[c] += count
    n = sum(n_c.values())
    observed = sum(count * distance(c, k) for (c, k), count in o.items())
    expected = sum(n_c[c] * n_c[k] * distance(c, k) for c in n_c for k in n_c)
    if not expected:
        return None
    return float(1 - (n - 1) * observed / expected)


@settings(max_examples=300, deadline=None)
@given(sessions)
def test_nominal_and_interval_alpha_match_the_coincidence_matrix(ratings):
    nominal = alpha_by_hand(ratings, lambda c, k: 0 if c == k else 1)
    assume(nominal is not None)
    assert krippendorff_alpha(DEFINITION, ratings, level="nominal") == pytest.approx(nominal)
    interval = alpha_by_hand(ratings, lambda c, k: (c - k) ** 2)
    assert krippendorff_alpha(DEFINITION, ratings, level="interval") == pytest.approx(interval)


@settings(max_examples=200, deadline=None)
@given(sessions, st.randoms(use_true_random=False))
def test_the_order_of_markers_does_not_matter(ratings, random):
    shuffled = list(ratings.items())
    random.shuffle(shuffled)
    shuffled = dict(shuffled)
    agreement = {c: a["agreement"] for c, a in criterion_agreement(DEFINITION, ratings).items()}
    assert {c: a["agreement"] for c, a in criterion_agreement(DEFINITION, shuffled).items()} == pytest.approx(agreement)
    alpha = krippendorff_alpha(DEFINITION, ratings)
    again = krippendorff_alpha(DEFINITION, shuffled)
    assert (alpha is None and again is None) or again == pytest.approx(alpha)


@settings(max_examples=200, deadline=None)
@given(sessions, st.data())
def test_agreement_and_distance_bounds(ratings, data):
    agreement = criterion_agreement(DEFINITION, ratings)
    for a in agreement.values():
        assert 0 <= a["agreement"] <= 1
        assert a["modal"] in a["values"].values()
        # everyone giving the modal answer is the only way to full agreement
        assert (a["agreement"] == 1) == all(v == a["modal"] for v in a["values"].values())
    totals = {m: data.draw(st.floats(0, 1)) for m in ratings}
    distance = marker_distance(DEFINITION, ratings, totals)
    assert set(distance) == set(ratings)
    assert all(0 <= d["disagreements"] <= len(CODES) for d in distance.values())
    # t_i - mean(others) = (n t_i - S) / (n - 1): the distances always sum to 0
    assert sum(d["from_mean"] for d in distance.values()) == pytest.approx(0, abs=1e-9)
    alpha = krippendorff_alpha(DEFINITION, ratings)
    assert alpha is None or alpha <= 1 + 1e-12


@settings(max_examples=200, deadline=None)
@given(one_marker, st.integers(2, 5))
def test_markers_who_all_agree_have_alpha_1(answers, count):
    ratings = {f"m{i}": dict(answers) for i in range(count)}
    assert krippendorff_alpha(DEFINITION, ratings) == 1.0
    assert all(
        d["disagreements"] == 0 for d in marker_distance(DEFINITION, ratings, dict.fromkeys(ratings, 0.5)).values()
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=2, max_size=10))
def test_spread_matches_the_textbook(values):
    spread = total_spread({f"m{i}": v for i, v in enumerate(values)})
    assert spread["n"] == len(values) and spread["range"] == max(values) - min(values)
    assert spread["mean"] == pytest.approx(statistics.fmean(values))
    assert spread["sd"] == pytest.approx(statistics.stdev(values), abs=1e-12)
