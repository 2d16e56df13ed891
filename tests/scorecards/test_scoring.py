"""Scoring, by hand-worked cases and by properties that must hold for any template and answers.

The hand-worked template (weights in brackets):
  greeting   yes/no            [1]  none
  courtesy   scale 0-4, pass 3 [2]  none
  resolved   yes/no            [2]  customer-critical, zeroes its group
  accurate   yes/no            [1]  customer-critical, zeroes its group
  policy     yes/no            [1]  business-critical, zeroes its group
  privacy    yes/no, N/A       [1]  compliance-critical, zeroes the evaluation
  answered   call data         [1]  none (automatic: worth 1 or 0 like yes/no)
Everything passed: 1 + 2 + 2 + 1 + 1 + 1 + 1 = 9 of 9.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scorecards.automatic import evaluate
from scorecards.default_template import DEFAULT_DEFINITION
from scorecards.definition import parse_definition
from scorecards.scoring import Answer, GroupResult, ScoreResult, passed, score, validate_answer


def _criterion(code, weight, kind="yes_no", group="none", **extra):
    return {
        "code": code,
        "title": code.title(),
        "guidance": "",
        "weight": weight,
        "kind": kind,
        "na_allowed": extra.pop("na_allowed", False),
        "error_group": group,
        **extra,
    }


DEFINITION = parse_definition(
    {
        "critical_effect": {"customer": "group", "business": "group", "compliance": "evaluation"},
        "sections": [
            {
                "code": "manner",
                "title": "Manner",
                "criteria": [
                    _criterion("greeting", 1),
                    _criterion("courtesy", 2, "scale", scale_max=4, pass_from=3),
                ],
            },
            {
                "code": "outcome",
                "title": "Outcome",
                "criteria": [
                    _criterion("resolved", 2, group="customer"),
                    _criterion("accurate", 1, group="customer"),
                    _criterion("policy", 1, group="business"),
                    _criterion("privacy", 1, group="compliance", na_allowed=True),
                    _criterion("answered", 1, "call_data", rule={"measure": "wait_seconds", "max": 60}),
                ],
            },
        ],
    }
)
ALL_PASS = {
    "greeting": Answer(1),
    "courtesy": Answer(4),
    "resolved": Answer(1),
    "accurate": Answer(1),
    "policy": Answer(1),
    "privacy": Answer(1),
    "answered": Answer(1),
}
NA = Answer(None, na=True)


def test_everything_passed_is_100_percent():
    result = score(DEFINITION, ALL_PASS)
    assert (result.score, result.earned, result.possible) == (1.0, 9.0, 9.0)
    assert not result.critical_failed and result.missing == ()
    assert all(result.passed.values())
    assert set(result.groups) == {"none", "customer", "business", "compliance"}


def test_weights_and_a_scale():
    # greeting 0 of 1, courtesy 3/4 of 2 = 1.5, the rest full: 0 + 1.5 + 2 + 1 + 1 + 1 + 1 = 7.5 of 9
    result = score(DEFINITION, {**ALL_PASS, "greeting": Answer(0), "courtesy": Answer(3)})
    assert result.earned == pytest.approx(7.5) and result.possible == 9
    assert result.score == pytest.approx(7.5 / 9)
    assert result.passed["greeting"] is False and result.passed["courtesy"] is True
    assert not result.critical_failed
    # the "none" group: greeting 0 + courtesy 1.5 + answered 1 = 2.5 of 4
    none = result.groups["none"]
    assert (none.earned, none.possible, none.zeroed, none.failed) == (2.5, 4, False, ())
    assert none.score == pytest.approx(2.5 / 4)


@pytest.mark.parametrize(
    "value, earned, verdict",
    [
        (0, 0.0, False),  # 0/4 of 2
        (1, 0.5, False),  # 1/4 of 2
        (2, 1.0, False),  # 2/4 of 2: half the points, still below the pass mark
        (3, 1.5, True),  # 3/4 of 2: the pass mark
        (4, 2.0, True),
    ],
)
def test_a_scale_earns_its_share_and_passes_from_its_mark(value, earned, verdict):
    result = score(DEFINITION, {**ALL_PASS, "courtesy": Answer(value)})
    assert result.passed["courtesy"] is verdict
    assert result.earned == pytest.approx(7 + earned) and result.score == pytest.approx((7 + earned) / 9)
    assert not result.critical_failed  # a scale in the "none" group is never critical


def test_na_leaves_the_criterion_out_of_both_sides():
    # privacy N/A: 8 of 8 possible; with greeting failed as well, 7 of 8
    result = score(DEFINITION, {**ALL_PASS, "privacy": NA})
    assert (result.score, result.possible) == (1.0, 8)
    result = score(DEFINITION, {**ALL_PASS, "privacy": NA, "greeting": Answer(0)})
    assert result.possible == 8 and result.score == pytest.approx(7 / 8)
    assert result.passed["privacy"] is None and result.missing == ()
    compliance = result.groups["compliance"]
    assert (compliance.earned, compliance.possible, compliance.score, compliance.zeroed) == (0, 0, None, False)


def test_a_customer_critical_failure_zeroes_its_group_only():
    # accurate fails: the customer group (resolved 2 + accurate 1) earns 0 of 3; the other 6 keep theirs
    result = score(DEFINITION, {**ALL_PASS, "accurate": Answer(0)})
    assert result.critical_failed
    customer = result.groups["customer"]
    assert customer.zeroed and customer.earned == 0 and customer.possible == 3 and customer.failed == ("accurate",)
    assert customer.score == 0
    assert result.passed["resolved"] is True  # zeroed points, but its own verdict stands
    for name in ("none", "business", "compliance"):
        assert result.groups[name].score == 1.0 and not result.groups[name].zeroed
    assert result.earned == 6 and result.score == pytest.approx(6 / 9)


def test_a_business_critical_failure_with_a_weak_scale():
    # policy fails: business group 0 of 1; courtesy 2/4 of 2 = 1; others full: 1 + 1 + 2 + 1 + 0 + 1 + 1 = 7 of 9
    result = score(DEFINITION, {**ALL_PASS, "policy": Answer(0), "courtesy": Answer(2)})
    assert result.groups["business"].zeroed and result.groups["business"].failed == ("policy",)
    assert not result.groups["customer"].zeroed
    assert result.earned == pytest.approx(7) and result.score == pytest.approx(7 / 9)


def test_two_groups_failing_zero_both():
    # customer (3) and business (1) zeroed: greeting 1 + courtesy 2 + privacy 1 + answered 1 = 5 of 9
    result = score(DEFINITION, {**ALL_PASS, "resolved": Answer(0), "accurate": Answer(0), "policy": Answer(0)})
    assert result.groups["customer"].failed == ("resolved", "accurate")
    assert result.groups["customer"].zeroed and result.groups["business"].zeroed
    assert result.score == pytest.approx(5 / 9)


def test_a_compliance_failure_zeroes_the_whole_evaluation():
    result = score(DEFINITION, {**ALL_PASS, "privacy": Answer(0)})
    assert result.critical_failed and result.score == 0 and result.earned == 0 and result.possible == 9
    assert result.groups["compliance"].zeroed and result.groups["compliance"].failed == ("privacy",)
    # the other groups still show what they earned, so the agent sees where the points were
    assert result.groups["none"].earned == 4 and not result.groups["none"].zeroed


def test_the_same_failure_only_zeroes_its_group_when_the_template_says_group():
    data = {
        "critical_effect": {"compliance": "group"},
        "sections": [
            {
                "code": "s",
                "title": "S",
                "criteria": [_criterion("greeting", 1), _criterion("privacy", 1, group="compliance")],
            }
        ],
    }
    result = score(parse_definition(data), {"greeting": Answer(1), "privacy": Answer(0)})
    assert result.score == 0.5 and result.groups["compliance"].zeroed
    # a group the template does not mention zeroes only itself
    del data["critical_effect"]
    assert score(parse_definition(data), {"greeting": Answer(1), "privacy": Answer(0)}).score == 0.5


def test_a_perfect_call_is_exactly_100_percent_whatever_the_weights():
    # 0.1 * 3 / 3 is 0.10000000000000002 in floating point: a full answer must count as exactly its weight
    definition = parse_definition(
        {
            "sections": [
                {
                    "code": "s",
                    "title": "S",
                    "criteria": [
                        _criterion("tone", 0.1, "scale", scale_max=3),
                        _criterion("pace", 0.7, "scale", scale_max=6),
                    ],
                }
            ]
        }
    )
    result = score(definition, {"tone": Answer(3), "pace": Answer(6)})
    assert result.score == 1.0 and result.earned == result.possible


def test_unanswered_criteria_give_no_score_but_a_provisional_figure():
    # answered so far: greeting 1 of 1, courtesy 2/4 of 2 = 1; 2 of 3
    result = score(DEFINITION, {"greeting": Answer(1), "courtesy": Answer(2), "accurate": Answer()})
    assert result.score is None
    assert result.missing == ("resolved", "accurate", "policy", "privacy", "answered")
    assert result.earned == pytest.approx(2) and result.possible == 3
    assert result.passed["resolved"] is None and result.passed["courtesy"] is False
    # a critical failure already shows in the draft
    draft = score(DEFINITION, {"accurate": Answer(0), "resolved": Answer(1)})
    assert draft.critical_failed and draft.groups["customer"].earned == 0 and draft.score is None


def test_all_na_gives_no_score():
    definition = parse_definition(
        {"sections": [{"code": "s", "title": "S", "criteria": [_criterion("a", 1, na_allowed=True)]}]}
    )
    result = score(definition, {"a": NA})
    assert result.score is None and result.possible == 0 and result.missing == ()


def test_an_answer_marked_na_counts_as_na_whatever_its_value():
    assert score(DEFINITION, {**ALL_PASS, "privacy": Answer(0, na=True)}).score == 1.0


def test_the_result_as_json():
    result = score(DEFINITION, {**ALL_PASS, "accurate": Answer(0), "privacy": NA, "courtesy": Answer(None)})
    data = json.loads(json.dumps(result.as_json()))
    assert data["score"] is None and data["missing"] == ["courtesy"]
    # greeting 1, policy 1, answered 1 earned; customer 0 of 3 (resolved 2 + accurate 1): 3 of 6
    assert data["earned"] == 3 and data["possible"] == 6
    assert data["critical_failed"] is True
    assert data["groups"]["customer"] == {
        "earned": 0,
        "possible": 3,
        "score": 0,
        "failed": ["accurate"],
        "zeroed": True,
    }
    assert data["passed"] == {
        "greeting": True,
        "courtesy": None,
        "resolved": True,
        "accurate": False,
        "policy": True,
        "privacy": None,
        "answered": True,
    }
    assert isinstance(result, ScoreResult) and isinstance(result.groups["none"], GroupResult)


@pytest.mark.parametrize(
    "code, answer, message",
    [
        ("courtesy", Answer(2.5), "whole number from 0 to 4"),
        ("courtesy", Answer(5), "whole number from 0 to 4"),
        ("courtesy", Answer(-1), "whole number from 0 to 4"),
        ("courtesy", Answer(float("nan")), "must be a number"),
        ("courtesy", Answer(float("inf")), "must be a number"),
        ("greeting", Answer("1"), "must be a number"),
        ("greeting", Answer(0.5), "yes (1) or no (0)"),
        ("greeting", Answer(2), "yes (1) or no (0)"),
        ("answered", Answer(-1), "yes (1) or no (0)"),
        ("greeting", NA, "N/A is not allowed"),
    ],
)
def test_invalid_answers_are_refused_with_a_reason(code, answer, message):
    assert message in validate_answer(DEFINITION.criterion(code), answer)
    with pytest.raises(ValueError, match=code):
        score(DEFINITION, {**ALL_PASS, code: answer})


@pytest.mark.parametrize(
    "code, answer",
    [
        ("privacy", NA),
        ("courtesy", Answer(0)),
        ("courtesy", Answer(4.0)),
        ("greeting", Answer(0)),
        ("greeting", Answer()),
    ],
)
def test_valid_answers_pass_validation(code, answer):
    assert validate_answer(DEFINITION.criterion(code), answer) is None


def test_an_unknown_criterion_is_refused():
    with pytest.raises(ValueError, match="unknown criterion 'smile'"):
        score(DEFINITION, {**ALL_PASS, "smile": Answer(1)})


def test_passed():
    courtesy, greeting, answered = (DEFINITION.criterion(c) for c in ("courtesy", "greeting", "answered"))
    assert passed(courtesy, 3) and passed(courtesy, 4) and not passed(courtesy, 2)
    assert passed(greeting, 1) and not passed(greeting, 0)
    assert passed(answered, 1.0) and not passed(answered, 0.0)


def test_the_default_template_scores_a_perfect_call_at_100_percent():
    definition = parse_definition(DEFAULT_DEFINITION)
    answers = {c.code: Answer(float(c.max_value)) for c in definition.criteria()}
    assert score(definition, answers).score == 1.0
    # Its data-protection check voids the call; a wrong answer zeroes the business group.
    assert score(definition, {**answers, "data_protection": Answer(0)}).score == 0
    business = score(definition, {**answers, "accurate": Answer(0)})
    # weights: access 1 + 1, resolved 3, accurate 3, greeting 1, courtesy 2, closing 1, data protection 2 = 14
    assert business.groups["business"].zeroed and business.score == pytest.approx(11 / 14)


def words(text, start, step=0.5):
    return [
        {"word": w, "start": start + i * step, "end": start + i * step + 0.4, "conf": 0.9}
        for i, w in enumerate(text.split())
    ]


def test_automatic_criteria_through_evaluate_then_score():
    """The default template on one call. Automatic: answered after 1:15 (over the minute: 0), talk
    4:00 (in the band: 1), the agent gives a name at 0:01 (1) but never offers more help in the
    last 30 s, and the caller's "thank you for calling back" at 3:45 is not the agent's closing (0).
    The marker answers: resolved yes (3 of 3), accurate yes (3 of 3), courtesy 3 (3/4 of 2 = 1.5),
    data protection N/A (out of both sides).
    Earned 0 + 1 + 3 + 3 + 1 + 1.5 + 0 = 9.5 of possible 1 + 1 + 3 + 3 + 1 + 2 + 1 = 12."""
    definition = parse_definition(DEFAULT_DEFINITION)
    call = {"wait_seconds": 75, "talk_seconds": 240, "transferred": False}
    transcript = {
        "text": "...",
        "duration": 240.0,
        "turns": [
            {"speaker": "agent", "start": 0.5, "end": 4, "text": "", "words": words("Hello, my name is Alex.", 0.5)},
            {
                "speaker": "caller",
                "start": 225,
                "end": 228,
                "text": "",
                "words": words("Thank you for calling back", 225),
            },
            {"speaker": "agent", "start": 230, "end": 233, "text": "", "words": words("Right. Goodbye.", 230)},
        ],
    }
    answers = {}
    for criterion in definition.criteria():
        found = evaluate(criterion, call, transcript)
        assert (found is None) == (not criterion.automatic)
        if found is not None:
            answers[criterion.code] = Answer(found.value)
    assert {code: a.value for code, a in answers.items()} == {
        "time_to_answer": 0,
        "call_length": 1,
        "greeting": 1,
        "closing": 0,
    }
    draft = score(definition, answers)
    assert draft.score is None and draft.missing == ("resolved", "accurate", "courtesy", "data_protection")
    answers.update(resolved=Answer(1), accurate=Answer(1), courtesy=Answer(3), data_protection=NA)
    result = score(definition, answers)
    assert result.earned == pytest.approx(9.5) and result.possible == 12
    assert result.score == pytest.approx(9.5 / 12)
    assert result.passed["time_to_answer"] is False and result.passed["greeting"] is True
    assert not result.critical_failed


# --- properties over any template and any answers ------------------------------------------------

KINDS = ["yes_no", "scale", "call_data", "transcript"]
RULES = {
    "call_data": {"measure": "wait_seconds", "max": 60},
    "transcript": {"phrases": ["my name is"], "present": True},
}


@st.composite
def definitions(draw):
    n = draw(st.integers(1, 8))
    criteria = []
    for i in range(n):
        kind = draw(st.sampled_from(KINDS))
        extra = {}
        if kind == "scale":
            top = draw(st.integers(1, 10))
            extra = {"scale_max": top, "pass_from": draw(st.integers(1, top))}
        if kind in RULES:
            extra["rule"] = RULES[kind]
        weight = draw(st.one_of(st.integers(1, 5), st.floats(0.05, 10, allow_nan=False)))
        group = draw(st.sampled_from(["none", "none", "customer", "business", "compliance"]))
        criteria.append(_criterion(f"c{i}", weight, kind, group, na_allowed=draw(st.booleans()), **extra))
    n_first = draw(st.integers(1, n))
    sections = [{"code": "first", "title": "First", "criteria": criteria[:n_first]}]
    if criteria[n_first:]:
        sections.append({"code": "second", "title": "Second", "criteria": criteria[n_first:]})
    effects = draw(
        st.fixed_dictionaries(
            {}, optional={g: st.sampled_from(["group", "evaluation"]) for g in ("customer", "business", "compliance")}
        )
    )
    return parse_definition({"critical_effect": effects, "sections": sections})


def answer_for(criterion):
    options = [st.integers(0, criterion.max_value).map(lambda v: Answer(float(v)))]
    if criterion.na_allowed:
        options.append(st.just(NA))
    return st.one_of(*options)


@st.composite
def marked(draw):
    """A template and a complete set of answers for it."""
    definition = draw(definitions())
    answers = {c.code: draw(answer_for(c)) for c in definition.criteria()}
    return definition, answers


def oracle(definition, answers):
    """The rules written out again, in exact fractions, without the group bookkeeping."""
    counted = [c for c in definition.criteria() if not answers[c.code].na and answers[c.code].value is not None]
    possible = sum((Fraction(c.weight) for c in counted), Fraction(0))

    def ok(c):
        v = answers[c.code].value
        return v >= c.pass_from if c.kind == "scale" else v == 1

    failed = {c.error_group for c in counted if c.error_group != "none" and not ok(c)}
    if any(definition.critical_effect.get(g, "group") == "evaluation" for g in failed):
        earned = Fraction(0)
    else:
        earned = sum(
            (
                Fraction(c.weight) * Fraction(answers[c.code].value) / c.max_value
                for c in counted
                if c.error_group not in failed
            ),
            Fraction(0),
        )
    return earned, possible


@settings(max_examples=400, deadline=None)
@given(marked())
def test_the_score_follows_the_rules_written_out_again(case):
    definition, answers = case
    result = score(definition, answers)
    earned, possible = oracle(definition, answers)
    assert result.possible == pytest.approx(float(possible)) and result.earned == pytest.approx(float(earned))
    if possible:
        assert result.score == pytest.approx(float(earned / possible))
    else:
        assert result.score is None


@settings(max_examples=400, deadline=None)
@given(marked())
def test_the_score_is_always_between_0_and_1(case):
    definition, answers = case
    result = score(definition, answers)
    assert result.score is None or 0 <= result.score <= 1
    assert 0 <= result.earned <= result.possible
    assert list(result.passed) == [c.code for c in definition.criteria()]
    assert set(result.groups) == {c.error_group for c in definition.criteria()}
    assert math.isclose(sum(g.possible for g in result.groups.values()), result.possible, abs_tol=1e-9)
    for name, group in result.groups.items():
        assert (
            group.zeroed
            == bool(group.failed)
            == (
                name != "none"
                and any(result.passed[c.code] is False for c in definition.criteria() if c.error_group == name)
            )
        )
    assert result.critical_failed == any(g.zeroed for g in result.groups.values())


@settings(max_examples=300, deadline=None)
@given(definitions(), st.data())
def test_everything_passed_is_exactly_100_percent(definition, data):
    answers = {
        c.code: NA if c.na_allowed and data.draw(st.booleans()) else Answer(float(c.max_value))
        for c in definition.criteria()
    }
    result = score(definition, answers)
    if all(a.na for a in answers.values()):
        assert result.score is None
    else:
        assert result.score == 1.0 and not result.critical_failed


@settings(max_examples=300, deadline=None)
@given(marked(), st.data())
def test_marking_one_more_criterion_na_changes_no_other_verdict(case, data):
    definition, answers = case
    can = [c.code for c in definition.criteria() if c.na_allowed and not answers[c.code].na]
    assume(can)
    code = data.draw(st.sampled_from(can))
    before = score(definition, answers).passed
    after = score(definition, {**answers, code: NA}).passed
    assert after[code] is None
    assert {k: v for k, v in after.items() if k != code} == {k: v for k, v in before.items() if k != code}


@settings(max_examples=300, deadline=None)
@given(marked(), st.data())
def test_raising_a_non_critical_answer_never_lowers_the_score(case, data):
    definition, answers = case
    can = [c for c in definition.criteria() if c.error_group == "none" and not answers[c.code].na]
    assume(can)
    criterion = data.draw(st.sampled_from(can))
    higher = data.draw(st.integers(int(answers[criterion.code].value), criterion.max_value))
    before = score(definition, answers).score
    after = score(definition, {**answers, criterion.code: Answer(float(higher))}).score
    assert after >= before


@settings(max_examples=300, deadline=None)
@given(marked(), st.data())
def test_a_critical_failure_in_an_evaluation_group_gives_0(case, data):
    definition, answers = case
    can = [
        c
        for c in definition.criteria()
        if c.error_group != "none" and definition.critical_effect.get(c.error_group) == "evaluation"
    ]
    assume(can)
    criterion = data.draw(st.sampled_from(can))
    failing = data.draw(st.integers(0, (criterion.pass_from - 1) if criterion.kind == "scale" else 0))
    result = score(definition, {**answers, criterion.code: Answer(float(failing))})
    assert result.score == 0 and result.earned == 0 and result.critical_failed
    assert result.passed[criterion.code] is False


@settings(max_examples=300, deadline=None)
@given(marked(), st.randoms(use_true_random=False))
def test_the_order_of_answers_does_not_matter(case, random):
    definition, answers = case
    items = list(answers.items())
    random.shuffle(items)
    assert score(definition, dict(items)) == score(definition, answers)


@settings(max_examples=300, deadline=None)
@given(marked(), st.data())
def test_an_unanswered_criterion_withholds_the_score_and_is_listed_in_template_order(case, data):
    definition, answers = case
    codes = [c.code for c in definition.criteria()]
    dropped = data.draw(st.sets(st.sampled_from(codes), min_size=1))
    partial = {code: answer for code, answer in answers.items() if code not in dropped}
    result = score(definition, partial)
    assert result.score is None
    assert result.missing == tuple(code for code in codes if code in dropped)
    # the provisional figure counts what is answered: the same as if the rest were N/A
    earned, possible = oracle(definition, {**partial, **{code: NA for code in dropped}})
    assert result.earned == pytest.approx(float(earned)) and result.possible == pytest.approx(float(possible))
