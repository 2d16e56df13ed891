"""Goal progress for hand-made histories, one kind of goal at a time, worked by hand."""

from __future__ import annotations

from datetime import date

import pytest

from coaching.goals import Goal, GoalError, check_goal, progress


def evaluation(**answers: bool | None) -> dict:
    """answers: code=True (passed), False (failed), None (N/A)."""
    return {"answers": {code: {"passed": value, "na": value is None} for code, value in answers.items()}}


# Newest first: the greeting failed in the 2nd and 5th evaluations, was N/A in the 3rd.
HISTORY = [
    evaluation(greeting=True, courtesy=True, closing=True),
    evaluation(greeting=False, courtesy=True, closing=False),
    evaluation(greeting=None, courtesy=True, closing=True),
    evaluation(greeting=True, courtesy=False, closing=True),
    evaluation(greeting=True, courtesy=True, closing=True),
    evaluation(greeting=False, courtesy=True, closing=True),
    evaluation(greeting=True, courtesy=True, closing=True),
    evaluation(greeting=False, courtesy=False, closing=False),  # too old for a window of 6
]


def test_a_criterion_passed_in_the_last_six_evaluations():
    # The last six that answered the greeting: 1st, 2nd, 4th, 5th, 6th, 7th -> 4 passed of 6.
    goal = Goal("criterion", target=0.9, window=6, subject="greeting")
    result = progress(goal, evaluations=HISTORY)
    assert (result.value, result.n, result.met) == (pytest.approx(4 / 6), 6, False)
    assert result.text == "greeting passed in 4 of the last 6 evaluations (67%); target 90%"
    easier = progress(Goal("criterion", target=0.6, window=6, subject="greeting"), evaluations=HISTORY)
    assert easier.met is True
    # The last three: passed, failed, passed (the N/A one is skipped) -> 2/3.
    three = progress(Goal("criterion", target=0.6, window=3, subject="greeting"), evaluations=HISTORY)
    assert (three.value, three.n, three.met) == (pytest.approx(2 / 3), 3, True)


def test_a_section_counts_every_answer_of_its_criteria():
    # "Manner" = courtesy + closing over the last 6 evaluations: courtesy 5/6, closing 5/6 -> 10/12.
    goal = Goal("section", target=0.85, window=6, subject="Manner")
    result = progress(goal, evaluations=HISTORY, sections={"Manner": ["courtesy", "closing"]})
    assert (result.value, result.n, result.met) == (pytest.approx(10 / 12), 12, False)
    assert result.text == "Manner: 10 of 12 answers passed in the last 6 evaluations (83%); target 85%"


def test_residents_satisfaction_handle_time_and_punctuality():
    csat = progress(Goal("csat", 0.8, 30), responses=[{"satisfaction": s} for s in (5, 4, 4, 3, 5, None)])
    assert (csat.value, csat.n, csat.met) == (0.8, 5, True)  # 4 of 5 answered 4 or 5
    calls = [{"talk_seconds": 200, "hold_seconds": 40}, {"talk_seconds": 300, "hold_seconds": None}]
    handle = progress(Goal("handle_time", 240, 30), calls=calls)
    assert (handle.value, handle.n, handle.met) == (270, 2, False)  # (240 + 300) / 2 > 240
    assert handle.text == "average handle time 4:30 over 2 calls in the last 30 days; target 4:00 or less"
    assert progress(Goal("handle_time", 300, 30), calls=calls).met is True
    days = [
        {"worked_minutes": 480, "minutes_late": 0},
        {"worked_minutes": 480, "minutes_late": 12},
        {"worked_minutes": 0, "minutes_late": 0},  # absent: not a worked day
        {"worked_minutes": 450, "minutes_late": 0},
        {"worked_minutes": 480, "minutes_late": 0},
    ]
    punctual = progress(Goal("punctuality", 0.95, 30), attendance=days)
    assert (punctual.value, punctual.n, punctual.met) == (0.75, 4, False)


def test_no_data_is_neither_met_nor_missed_and_a_due_date_can_pass():
    empty = progress(Goal("csat", 0.8, 30, due=date(2026, 11, 1)), responses=[], today=date(2026, 11, 24))
    assert (empty.value, empty.met, empty.overdue) == (None, None, True)
    assert empty.text == "no resident's answer in the last 30 days"
    done = progress(
        Goal("criterion", 0.5, 6, "greeting", due=date(2026, 11, 1)), evaluations=HISTORY, today=date(2026, 11, 24)
    )
    assert done.met is True and done.overdue is False


def test_goals_that_cannot_be_measured_are_refused():
    codes, sections = ["greeting"], ["Manner"]
    with pytest.raises(GoalError, match="no criterion 'greting'"):
        check_goal(Goal("criterion", 0.9, 6, "greting"), codes, sections)
    with pytest.raises(GoalError, match="above 0% and at most 100%"):
        check_goal(Goal("csat", 80, 30), codes, sections)
    with pytest.raises(GoalError, match="in seconds"):
        check_goal(Goal("handle_time", 0.5, 30), codes, sections)
    with pytest.raises(GoalError, match="one of"):
        check_goal(Goal("mood", 0.5, 30), codes, sections)
    check_goal(Goal("section", 0.8, 6, "Manner"), codes, sections)


def test_targets_as_typed_on_the_goal_form():
    from coaching.goals import parse_target

    assert parse_target("handle_time", "4:30") == 270
    assert parse_target("handle_time", " 0:45 ") == 45
    assert parse_target("handle_time", "270") == 270
    assert parse_target("criterion", "90") == pytest.approx(0.9)
    assert parse_target("csat", "92,5 %") == pytest.approx(0.925)
    for kind, typed in (("handle_time", "4:75"), ("handle_time", "4:5"), ("handle_time", "soon"), ("csat", "")):
        with pytest.raises(GoalError):
            parse_target(kind, typed)


def test_progress_names_the_criterion_by_its_title_when_given():
    goal = Goal("criterion", 0.9, 6, "greeting")
    evaluations = [{"answers": {"greeting": {"passed": True, "na": False}}}]
    result = progress(goal, evaluations=evaluations, titles={"greeting": "Greeting and name"})
    assert result.text.startswith("Greeting and name passed in 1 of the last 1 evaluation")
    assert "greeting" not in result.text
