"""Scoring, by hand-worked cases and by properties that must hold for any answers.

The hand-worked template (weights in brackets):
  greeting   yes/no            [1]  none
  courtesy   scale 0-4, pass 3 [2]  none
  resolved   yes/no            [2]  customer-critical, zeroes its group
  accurate   yes/no            [1]  customer-critical, zeroes its group
  privacy    yes/no, N/A       [1]  compliance-critical, zeroes the evaluation
  answered   call data         [1]  none (automatic: worth 1 or 0 like yes/no)
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scorecards.default_template import DEFAULT_DEFINITION
from scorecards.definition import parse_definition
from scorecards.scoring import Answer, passed, score, validate_answer


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
        "critical_effect": {"customer": "group", "compliance": "evaluation"},
        "sections": [
            {
                "code": "main",
                "title": "Main",
                "criteria": [
                    _criterion("greeting", 1),
                    _criterion("courtesy", 2, "scale", scale_max=4, pass_from=3),
                    _criterion("resolved", 2, group="customer"),
                    _criterion("accurate", 1, group="customer"),
                    _criterion("privacy", 1, group="compliance", na_allowed=True),
                    _criterion("answered", 1, "call_data", rule={"measure": "wait_seconds", "max": 60}),
                ],
            }
        ],
    }
)
ALL_PASS = {
    "greeting": Answer(1),
    "courtesy": Answer(4),
    "resolved": Answer(1),
    "accurate": Answer(1),
    "privacy": Answer(1),
    "answered": Answer(1),
}


def test_weights_and_a_scale():
    # greeting 0 of 1, courtesy 3/4 of 2 = 1.5, the rest full: 0 + 1.5 + 2 + 1 + 1 + 1 = 6.5 of 8
    result = score(DEFINITION, {**ALL_PASS, "greeting": Answer(0), "courtesy": Answer(3)})
    assert result.earned == pytest.approx(6.5) and result.possible == 8
    assert result.score == pytest.approx(6.5 / 8)
    assert result.passed["greeting"] is False and result.passed["courtesy"] is True
    assert not result.critical_failed


def test_a_scale_below_its_pass_mark_fails_but_keeps_its_points():
    result = score(DEFINITION, {**ALL_PASS, "courtesy": Answer(2)})
    assert result.passed["courtesy"] is False
    assert result.score == pytest.approx((8 - 1) / 8)  # 2/4 of weight 2 = 1 of 2


def test_na_leaves_the_criterion_out_of_both_sides():
    # privacy N/A: 7 of 7 possible; with greeting failed 6 of 7
    assert score(DEFINITION, {**ALL_PASS, "privacy": Answer(None, True)}).score == 1.0
    result = score(DEFINITION, {**ALL_PASS, "privacy": Answer(None, True), "greeting": Answer(0)})
    assert result.possible == 7 and result.score == pytest.approx(6 / 7)
    assert result.passed["privacy"] is None


def test_a_customer_critical_failure_zeroes_its_group_only():
    # accurate fails: the customer group (resolved 2 + accurate 1) earns 0 of 3; others 5 of 5
    result = score(DEFINITION, {**ALL_PASS, "accurate": Answer(0)})
    assert result.critical_failed
    customer = result.groups["customer"]
    assert customer.zeroed and customer.earned == 0 and customer.possible == 3 and customer.failed == ("accurate",)
    assert result.groups["none"].score == 1.0 and not result.groups["none"].zeroed
    assert result.score == pytest.approx(5 / 8)


def test_a_compliance_failure_zeroes_the_whole_evaluation():
    result = score(DEFINITION, {**ALL_PASS, "privacy": Answer(0)})
    assert result.critical_failed and result.score == 0 and result.earned == 0 and result.possible == 8
    assert result.groups["compliance"].zeroed


def test_unanswered_criteria_give_no_score_but_a_provisional_figure():
    result = score(DEFINITION, {"greeting": Answer(1), "courtesy": Answer(2)})
    assert result.score is None
    assert result.missing == ("resolved", "accurate", "privacy", "answered")
    assert result.earned == pytest.approx(2) and result.possible == 3


def test_all_na_gives_no_score():
    definition = parse_definition(
        {"sections": [{"code": "s", "title": "S", "criteria": [_criterion("a", 1, na_allowed=True)]}]}
    )
    assert score(definition, {"a": Answer(None, True)}).score is None


def test_invalid_answers_are_refused_with_a_reason():
    courtesy, greeting, privacy = (DEFINITION.criterion(c) for c in ("courtesy", "greeting", "privacy"))
    assert "whole number from 0 to 4" in validate_answer(courtesy, Answer(2.5))
    assert "whole number from 0 to 4" in validate_answer(courtesy, Answer(5))
    assert "yes (1) or no (0)" in validate_answer(greeting, Answer(0.5))
    assert "not allowed" in validate_answer(greeting, Answer(None, True))
    assert validate_answer(privacy, Answer(None, True)) is None
    with pytest.raises(ValueError, match="courtesy"):
        score(DEFINITION, {"courtesy": Answer(7)})
    with pytest.raises(ValueError, match="unknown criterion"):
        score(DEFINITION, {"smile": Answer(1)})
    assert passed(courtesy, 3) and not passed(courtesy, 2)


def test_the_default_template_scores_a_perfect_call_at_100_percent():
    definition = parse_definition(DEFAULT_DEFINITION)
    answers = {c.code: Answer(float(c.max_value)) for c in definition.criteria()}
    assert score(definition, answers).score == 1.0
    # Its data-protection check voids the call; a wrong answer zeroes the business group.
    assert score(definition, {**answers, "data_protection": Answer(0)}).score == 0
    business = score(definition, {**answers, "accurate": Answer(0)})
    assert business.groups["business"].zeroed and 0 < business.score < 1


# --- properties --------------------------------------------------------------------------------


def answer_for(criterion):
    values = st.integers(0, criterion.max_value).map(float)
    options = [values.map(Answer)]
    if criterion.na_allowed:
        options.append(st.just(Answer(None, True)))
    return st.one_of(*options)


complete_answers = st.fixed_dictionaries({c.code: answer_for(c) for c in DEFINITION.criteria()})


@settings(max_examples=300, deadline=None)
@given(complete_answers)
def test_the_score_is_always_between_0_and_1(answers):
    result = score(DEFINITION, answers)
    assert result.score is not None and 0 <= result.score <= 1
    assert result.earned <= result.possible + 1e-9


@settings(max_examples=300, deadline=None)
@given(complete_answers)
def test_the_order_of_answers_does_not_matter(answers):
    assert score(DEFINITION, dict(reversed(list(answers.items())))) == score(DEFINITION, answers)


@settings(max_examples=300, deadline=None)
@given(complete_answers, st.sampled_from(["greeting", "courtesy", "answered"]))
def test_raising_a_non_critical_answer_never_lowers_the_score(answers, code):
    criterion = DEFINITION.criterion(code)
    before = score(DEFINITION, answers)
    raised = {**answers, code: Answer(float(criterion.max_value))}
    assert score(DEFINITION, raised).score >= before.score - 1e-12


@settings(max_examples=300, deadline=None)
@given(complete_answers)
def test_a_failed_evaluation_group_criterion_always_gives_0(answers):
    assert score(DEFINITION, {**answers, "privacy": Answer(0)}).score == 0


@settings(max_examples=300, deadline=None)
@given(complete_answers)
def test_a_failed_group_criterion_zeroes_exactly_its_group(answers):
    result = score(DEFINITION, {**answers, "resolved": Answer(0), "privacy": Answer(1)})
    assert result.groups["customer"].earned == 0
    untouched = score(DEFINITION, {**answers, "resolved": Answer(1), "accurate": Answer(1), "privacy": Answer(1)})
    assert result.groups["none"] == untouched.groups["none"]


@settings(max_examples=300, deadline=None)
@given(complete_answers)
def test_marking_privacy_na_changes_no_other_verdict(answers):
    before = score(DEFINITION, answers).passed
    after = score(DEFINITION, {**answers, "privacy": Answer(None, True)}).passed
    assert {k: v for k, v in after.items() if k != "privacy"} == {k: v for k, v in before.items() if k != "privacy"}


def test_all_passed_is_always_100_percent():
    assert score(DEFINITION, ALL_PASS).score == 1.0
