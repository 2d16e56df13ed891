"""Calibration: three markers on one call, worked by hand, and properties of the measures; then
(issue 17) a session chosen by searching for its call, marked, closed with a confirmation and
its agreed answers recorded, over HTTP, with the roles and scope of every calibration route."""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from datetime import datetime, timedelta
from fractions import Fraction
from html import unescape
from itertools import permutations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qa_app.auth import load_user
from qa_app.formatting import local
from qa_app.settings import get_settings
from qa_app.tables import Call
from scorecards import calibration_store, evaluations, versions
from scorecards import routes as scorecard_routes
from scorecards.calibration import (
    answer_choices,
    answer_words,
    criterion_agreement,
    krippendorff_alpha,
    marker_distance,
    total_spread,
)
from scorecards.definition import parse_definition
from scorecards.evaluations import Marked
from scorecards.scoring import Answer, score
from scorecards.tables import Assignment, CalibrationAgreement, Evaluation, EvaluationAnswer, Sample
from tests.web import HTML, csrf_from, login, routes_of


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


# --- issue 17: calibration from any call, on a real database and over HTTP ---------------------------


def test_agreement_counts_those_who_gave_the_most_given_answer():
    agreement = criterion_agreement(DEFINITION, RATINGS)
    counts = {code: (a["agreeing"], a["markers"]) for code, a in agreement.items()}
    # greeting 1 1 1; courtesy 3 3 2; resolved 1 0 1; privacy - - 1; accurate 0 0 0
    assert counts == {"greeting": (3, 3), "courtesy": (2, 3), "resolved": (2, 3), "privacy": (2, 3), "accurate": (3, 3)}


def test_answers_read_as_words():
    greeting, courtesy, _, privacy, _ = DEFINITION.criteria()
    assert [answer_words(greeting, v) for v in (1.0, 0.0, None)] == ["Yes", "No", "N/A"]
    assert answer_words(courtesy, 3.0) == "3 of 4"
    assert answer_choices(greeting) == [("1", "Yes"), ("0", "No")]
    assert answer_choices(privacy) == [("1", "Yes"), ("0", "No"), ("na", "N/A")]
    assert [v for v, _w in answer_choices(courtesy)] == ["4", "3", "2", "1", "0"]


FOUR_YES_NO = {
    "critical_effect": {},
    "sections": [
        {
            "code": "all",
            "title": "All",
            "criteria": [
                {
                    "code": f"c{i}",
                    "title": f"Criterion {i}",
                    "guidance": "",
                    "weight": 1,
                    "kind": "yes_no",
                    "na_allowed": i == 4,
                    "error_group": "none",
                }
                for i in range(1, 5)
            ],
        }
    ],
}
# c1 all Yes; c2 Yes Yes No (2 of 3); c3 all No; c4 Yes N/A No (no two agree)
MARKS = {"qa": [1, 1, 0, 1], "team_leader": [1, 1, 0, None], "admin": [1, 0, 0, 0]}


async def _token(client) -> str:
    return csrf_from((await client.get("/calls", headers=HTML)).text)


async def _relogin(client, role: str) -> None:
    client.cookies.clear()
    await login(client, f"{role}@test.org")


async def _mark(session_id: int, user_id: int, values: list[int | None]) -> None:
    user = await load_user(user_id)
    evaluation_id = await evaluations.start_for_calibration(session_id, user)
    marks = {f"c{i + 1}": Marked(None if v is None else float(v), na=v is None) for i, v in enumerate(values)}
    await evaluations.save(evaluation_id, user, marks, "", submit=True)


async def test_a_session_chosen_by_search_marked_closed_and_agreed_over_http(client, centre):
    await versions.publish("calibration-http", "Calibration over HTTP", FOUR_YES_NO)
    users = centre["users"]
    agent_1 = centre["agents"]["1"]
    call_id = centre["calls"][agent_1][3]
    call = await Call.select(Call.external_id, Call.offered_at).where(Call.id == call_id).first()
    await login(client, "qa@test.org")

    # From the call page: the new-session page opens with the call chosen, shown as date, time and agent.
    page = await client.get(f"/calls/{call_id}", headers=HTML)
    assert 'action="/calibration/new"' in page.text and f'name="call" value="{call_id}"' in page.text
    new = await client.get(f"/calibration/new?call={call_id}", headers=HTML)
    assert new.status_code == 200
    label = f"{local(call['offered_at'])} — Agent 1"
    text = unescape(new.text)
    assert f'value="{call_id}" required checked> {label}' in text
    assert call["external_id"] not in re.sub(r"<[^>]+>", "", text).split()  # no telephony id as text

    # The search: agent 1's calls of that day between two times, and nothing else.
    zone = get_settings().timezone
    at = call["offered_at"].astimezone(zone)
    start, end = at.strftime("%H:%M"), (at + timedelta(minutes=2)).strftime("%H:%M")
    found = await client.get(
        f"/calibration/new?agent={agent_1}&day={at.date().isoformat()}&start={start}&end={end}", headers=HTML
    )
    listed = [int(v) for v in re.findall(r'type="radio" name="call" value="(\d+)"', found.text)]
    since = datetime.combine(at.date(), at.time().replace(second=0), zone)
    expected = await Call.select(Call.id).where(
        (Call.agent == agent_1) & (Call.offered_at >= since) & (Call.offered_at < since + timedelta(minutes=3))
    )
    assert sorted(listed) == sorted(r["id"] for r in expected) and call_id in listed
    assert all(
        "— Agent 1" in line for line in re.findall(r'name="call" value="\d+" required> ([^<]+)<', unescape(found.text))
    )

    # Created with three markers; a refused form keeps what was typed, the error beside its field.
    markers = [users["qa"], users["team_leader"], users["admin"]]
    token = await _token(client)
    refused = await client.post(
        "/calibration",
        data={"_csrf_token": token, "title": "Week 49", "call": str(call_id), "markers": [str(users["qa"])]},
        headers=HTML,
    )
    assert refused.status_code == 400
    assert 'id="markers-error">Choose at least two markers.' in refused.text and 'value="Week 49"' in refused.text
    assert f'value="{call_id}" required checked>' in refused.text
    created = await client.post(
        "/calibration",
        data={"_csrf_token": token, "title": "Week 49", "call": str(call_id), "markers": [str(m) for m in markers]},
        headers=HTML,
    )
    assert created.status_code == 303
    session_id = int(created.headers["location"].rsplit("/", 1)[1])
    session = await calibration_store.get(session_id)
    assert session["call"] == call_id and {m["id"] for m in session["markers"]} == set(markers)

    # Closing with fewer than two sets of marks is refused, with how many there are.
    await _mark(session_id, users["qa"], MARKS["qa"])
    closing = await client.post(f"/calibration/{session_id}/close", data={"_csrf_token": token, "confirm": "yes"})
    assert closing.status_code == 400
    assert (
        'id="confirm-error">At least two markers must submit their marks before the session can be closed '
        "(1 of 3 have so far)." in closing.text
    )
    assert (await calibration_store.get(session_id))["closed_at"] is None
    await _mark(session_id, users["team_leader"], MARKS["team_leader"])
    await _mark(session_id, users["admin"], MARKS["admin"])
    # ... and without the box ticked: the confirmation works without JavaScript.
    unconfirmed = await client.post(f"/calibration/{session_id}/close", data={"_csrf_token": token})
    assert unconfirmed.status_code == 400 and "Tick the box to confirm you have checked the marks." in unconfirmed.text
    assert (await calibration_store.get(session_id))["closed_at"] is None
    # An automatic answer's evidence points at second 2 of the call: the results link there.
    evaluation = await Evaluation.select(Evaluation.id).where(Evaluation.calibration == session_id).first()
    await EvaluationAnswer.update({EvaluationAnswer.evidence: {"at": 2.0, "summary": "heard"}}).where(
        (EvaluationAnswer.evaluation == evaluation["id"]) & (EvaluationAnswer.criterion == "c3")
    )
    closed = await client.post(f"/calibration/{session_id}/close", data={"_csrf_token": token, "confirm": "yes"})
    assert closed.status_code == 303 and (await calibration_store.get(session_id))["closed_at"] is not None

    # Results: words, "2 of 3 agree", disagreements highlighted, each row linked to the call.
    page = unescape((await client.get(f"/calibration/{session_id}", headers=HTML)).text)
    rows = {code: row for code, row in re.findall(r'<tr id="agreed-(c\d)"(.*?)</tr>', page, re.S)}
    cells = {code: re.findall(r"<td[^>]*>([^<]*)</td>", row) for code, row in rows.items()}
    assert sorted(cells["c1"][:3]) == ["Yes", "Yes", "Yes"] and sorted(cells["c3"][:3]) == ["No", "No", "No"]
    assert sorted(cells["c2"][:3]) == ["No", "Yes", "Yes"] and sorted(cells["c4"][:3]) == ["N/A", "No", "Yes"]
    assert all(cell in ("Yes", "No", "N/A") for row in cells.values() for cell in row[:3])  # never 1/0
    agreement = {code: re.search(r"data-agreement>([^<]+)<", row).group(1) for code, row in rows.items()}
    assert agreement == {"c1": "3 of 3 agree", "c2": "2 of 3 agree", "c3": "3 of 3 agree", "c4": "no two agree"}
    assert {code for code, row in rows.items() if row.startswith(' class="disagree"')} == {"c2", "c4"}
    assert all(f'href="/calls/{call_id}' in row for row in rows.values())
    assert f'<a href="/calls/{call_id}?t=2.0">Play the call at 0:02</a>' in rows["c3"]
    assert f'<a href="/calls/{call_id}">Open the call</a>' in rows["c1"]
    assert rows["c2"].count('class="differs"') == 1  # the one No against two Yes

    # The lead records the agreed answer with a note; a missing answer is refused beside its field.
    bad = await client.post(
        f"/calibration/{session_id}/agreed",
        data={"_csrf_token": token, "criterion": "c2", "value": "7", "note": "kept"},
        headers=HTML,
    )
    assert bad.status_code == 400 and 'id="agreed_c2-error">Choose the agreed answer.' in bad.text
    assert 'value="kept"' in bad.text
    saved = await client.post(
        f"/calibration/{session_id}/agreed",
        data={"_csrf_token": token, "criterion": "c2", "value": "1", "note": "The caller's question was answered"},
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("#agreed-c2")
    stored = await calibration_store.agreed_answers(session_id)
    assert set(stored) == {"c2"}
    assert (stored["c2"]["value"], stored["c2"]["na"], stored["c2"]["decided_by"]) == (1.0, False, users["qa"])
    page = unescape((await client.get(f"/calibration/{session_id}", headers=HTML)).text)
    row = re.search(r'<tr id="agreed-c2".*?</tr>', page, re.S).group(0)
    assert (
        "<strong data-agreed>Yes</strong>" in row and "<span data-note>The caller's question was answered</span>" in row
    )
    # Recording again replaces it: one answer per criterion.
    await client.post(
        f"/calibration/{session_id}/agreed",
        data={"_csrf_token": token, "criterion": "c4", "value": "na", "note": "No personal data was asked for"},
    )
    await client.post(f"/calibration/{session_id}/agreed", data={"_csrf_token": token, "criterion": "c2", "value": "0"})
    stored = await calibration_store.agreed_answers(session_id)
    assert {c: (r["value"], r["na"], r["note"]) for c, r in stored.items()} == {
        "c2": (0.0, False, ""),
        "c4": (None, True, "No personal data was asked for"),
    }
    assert await CalibrationAgreement.count().where(CalibrationAgreement.session == session_id) == 2


CALIBRATION_ROUTES = {route for route in routes_of(scorecard_routes.ROUTES) if route[1].startswith("/calibration")}


async def test_roles_and_scope_of_every_calibration_route(client, centre):
    """Who reaches what, with the exact status. The session's markers are QA and the North team
    leader; the South leader is no marker (404, as if it did not exist); agents never (403)."""
    await versions.publish("calibration-roles", "Calibration roles", FOUR_YES_NO)
    users = centre["users"]
    call_id = centre["calls"][centre["agents"]["1"]][0]
    session_id = await calibration_store.create("Roles", call_id, [users["qa"], users["team_leader"]], users["qa"])
    s = f"/calibration/{session_id}"
    good_new = {"title": "T", "call": str(call_id), "markers": [str(users["qa"]), str(users["admin"])]}
    matrix = [
        # method, path, data, {role: status}
        (
            "GET",
            "/calibration",
            None,
            {"admin": 200, "qa": 200, "manager": 200, "team_leader": 200, "other_leader": 200, "agent": 403},
        ),
        (
            "GET",
            "/calibration/new",
            None,
            {"admin": 200, "qa": 200, "manager": 403, "team_leader": 403, "other_leader": 403, "agent": 403},
        ),
        (
            "POST",
            "/calibration",
            good_new,
            {"admin": 303, "qa": 303, "manager": 403, "team_leader": 403, "other_leader": 403, "agent": 403},
        ),
        (
            "GET",
            s,
            None,
            {"admin": 200, "qa": 200, "manager": 200, "team_leader": 200, "other_leader": 404, "agent": 403},
        ),
        (
            "POST",
            f"{s}/mark",
            {},
            {"admin": 400, "qa": 302, "manager": 400, "team_leader": 302, "other_leader": 404, "agent": 403},
        ),
        (
            "POST",
            f"{s}/close",
            {"confirm": "yes"},
            {"admin": 400, "qa": 400, "manager": 403, "team_leader": 403, "other_leader": 403, "agent": 403},
        ),
        (
            "POST",
            f"{s}/agreed",
            {"criterion": "c1", "value": "1"},
            {"admin": 400, "qa": 400, "manager": 403, "team_leader": 403, "other_leader": 403, "agent": 403},
        ),
    ]
    listed = {(m, re.sub(r"/\d+", "/{}", p)) for m, p, *_ in matrix}
    assert listed == CALIBRATION_ROUTES  # a new route cannot slip past this table
    for role in ("admin", "qa", "manager", "team_leader", "other_leader", "agent"):
        await _relogin(client, role)
        token = await _token(client)
        for method, path, data, expected in matrix:
            if method == "GET":
                response = await client.get(path, headers=HTML)
            else:
                response = await client.post(path, data={"_csrf_token": token, **data}, headers=HTML)
            assert response.status_code == expected[role], (role, method, path, response.status_code)
    # A session that does not exist, and a call the user may not see, answer like nothing there.
    await _relogin(client, "qa")
    assert (await client.get("/calibration/999999", headers=HTML)).status_code == 404
    token = await _token(client)
    assert (
        await client.post("/calibration/999999/close", data={"_csrf_token": token, "confirm": "yes"})
    ).status_code == 404
    none = await client.post(
        "/calibration",
        data={"_csrf_token": token, "title": "T", "call": "999999", "markers": good_new["markers"]},
        headers=HTML,
    )
    assert none.status_code == 400 and 'id="call-error">Choose the call to mark.' in none.text
    # The queue offers it on each pick (the queue is QA's, as are sessions).
    offered = (await Call.select(Call.offered_at).where(Call.id == call_id).first())["offered_at"]
    month = offered.astimezone(get_settings().timezone).strftime("%Y-%m")
    sample = (await Sample.insert(Sample(month=month, seed=1)).returning(Sample.id))[0]["id"]
    await Assignment.insert(Assignment(sample=sample, agent=centre["agents"]["1"], call=call_id, marker=users["qa"]))
    queue = await client.get(f"/qa/queue?month={month}", headers=HTML)
    assert queue.status_code == 200 and f'href="/calibration/new?call={call_id}"' in queue.text
    # The call page offers "Add to calibration" only to those who may start a session.
    for role, shown in (("qa", True), ("admin", True), ("manager", False), ("team_leader", False)):
        await _relogin(client, role)
        page = await client.get(f"/calls/{call_id}", headers=HTML)
        assert ("Add to calibration" in page.text) is shown, role
