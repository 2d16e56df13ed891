"""Template definitions, automatic criteria, calibration arithmetic and the statistics helpers,
on hand-made data."""

from __future__ import annotations

import copy

import pytest

from qa_app.stats import mean_interval, proportion_interval
from scorecards import calibration
from scorecards.automatic import evaluate
from scorecards.default_template import DEFAULT_DEFINITION
from scorecards.definition import DefinitionError, definition_to_json, parse_definition


def test_the_default_template_parses_and_round_trips():
    definition = parse_definition(DEFAULT_DEFINITION)
    codes = [c.code for c in definition.criteria()]
    assert codes == [
        "time_to_answer",
        "call_length",
        "resolved",
        "accurate",
        "greeting",
        "courtesy",
        "closing",
        "data_protection",
    ]
    assert parse_definition(definition_to_json(definition)) == definition
    assert definition.effect("compliance") == "evaluation" and definition.effect("customer") == "group"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["sections"][0]["criteria"][0].update(weight=0), "weight must be a positive number"),
        (lambda d: d["sections"][0]["criteria"][0].update(kind="vibes"), "the kind must be one of"),
        (lambda d: d["sections"][0]["criteria"][0].pop("rule"), "needs a rule"),
        (lambda d: d["sections"][0]["criteria"][0]["rule"].update(measure="mood"), "the measure must be"),
        (lambda d: d["sections"][2]["criteria"][1].update(pass_from=5), "pass_from must be"),
        (lambda d: d["sections"][2]["criteria"][1].update(error_group="fatal"), "error group must be"),
        (lambda d: d["sections"][1]["criteria"][1].update(code="resolved"), "two criteria have this code"),
        (lambda d: d["sections"][1]["criteria"][1].update(code="Bad Code"), "lower-case"),
        (lambda d: d["critical_effect"].update(compliance="everything"), "must zero its group or the evaluation"),
        (lambda d: d["sections"][3].update(criteria=[]), "needs at least one criterion"),
        (lambda d: d["sections"][2]["criteria"][0]["rule"].update(within="middle"), "within must be"),
    ],
)
def test_mistakes_in_a_definition_are_named_where_they_are(change, message):
    data = copy.deepcopy(DEFAULT_DEFINITION)
    change(data)
    with pytest.raises(DefinitionError, match=message) as error:
        parse_definition(data)
    assert "section" in str(error.value) or "critical_effect" in str(error.value)


DEFINITION = parse_definition(DEFAULT_DEFINITION)


def words(text, start, step=0.3):
    return [
        {"word": w, "start": start + i * step, "end": start + i * step + 0.25, "conf": 1.0}
        for i, w in enumerate(text.split())
    ]


def transcript(*turns, duration=60.0):
    return {
        "duration": duration,
        "turns": [{"speaker": s, "start": t, "end": t + 2, "text": x, "words": words(x, t)} for s, t, x in turns],
    }


def test_call_data_criteria():
    wait, talk = DEFINITION.criterion("time_to_answer"), DEFINITION.criterion("call_length")
    quick = evaluate(wait, {"wait_seconds": 42, "talk_seconds": 200, "transferred": False}, None)
    assert quick.value == 1 and quick.evidence == {"measure": "wait_seconds", "value": 42, "max": 60}
    assert quick.summary == "Answered after 0:42, within 1:00."
    slow = evaluate(wait, {"wait_seconds": 61}, None)
    assert slow.value == 0 and "over 1:00" in slow.summary
    assert evaluate(talk, {"talk_seconds": 20}, None).value == 0
    assert evaluate(talk, {"talk_seconds": 901}, None).value == 0
    assert evaluate(talk, {"talk_seconds": 300}, None).value == 1
    assert evaluate(talk, {}, None).value is None
    transfer = parse_definition(
        {
            "sections": [
                {
                    "code": "s",
                    "title": "S",
                    "criteria": [
                        {
                            "code": "kept",
                            "title": "Kept",
                            "weight": 1,
                            "kind": "call_data",
                            "rule": {"measure": "transferred", "expect": False},
                        }
                    ],
                }
            ]
        }
    ).criterion("kept")
    assert evaluate(transfer, {"transferred": True}, None).value == 0
    assert evaluate(transfer, {"transferred": False}, None).value == 1
    assert evaluate(DEFINITION.criterion("courtesy"), {"wait_seconds": 1}, None) is None


def test_transcript_criteria_find_the_agents_phrase_in_time():
    greeting, closing = DEFINITION.criterion("greeting"), DEFINITION.criterion("closing")
    call = transcript(
        ("agent", 1.0, "Good morning, City Council. My name is Sam."),
        ("caller", 5.0, "my name is Robin"),
        ("agent", 45.0, "Is there anything else? Thank you for calling."),
    )
    found = evaluate(greeting, {}, call)
    assert found.value == 1 and found.evidence["phrase"] == "my name is"
    assert found.evidence["at"] == pytest.approx(1.0 + 4 * 0.3) and found.evidence["speaker"] == "agent"
    assert found.summary == "“my name is” at 0:02."
    assert evaluate(closing, {}, call).value == 1  # "anything else" at 45.9 s, within the last 30 of 60
    # The caller's words never count for the agent, and the window matters.
    late = transcript(("caller", 1.0, "my name is Robin"), ("agent", 25.0, "my name is Sam"))
    missed = evaluate(greeting, {}, late)
    assert missed.value == 0 and missed.evidence["phrase"] is None and "first 0:20" in missed.summary
    early_close = transcript(("agent", 2.0, "anything else"), duration=120.0)
    assert evaluate(closing, {}, early_close).value == 0
    # No transcript: the marker decides.
    assert evaluate(greeting, {}, None).value is None
    # A mono recording: every word counts, and the evidence says so.
    mono = transcript((None, 3.0, "hello my name is Sam"))
    assert evaluate(greeting, {}, mono).evidence["mono"] is True


def test_a_phrase_to_avoid():
    definition = parse_definition(
        {
            "sections": [
                {
                    "code": "s",
                    "title": "S",
                    "criteria": [
                        {
                            "code": "jargon",
                            "title": "No jargon",
                            "weight": 1,
                            "kind": "transcript",
                            "rule": {"phrases": ["as per"], "present": False},
                        }
                    ],
                }
            ]
        }
    )
    criterion = definition.criterion("jargon")
    said = evaluate(criterion, {}, transcript(("agent", 10.0, "as per our policy")))
    assert said.value == 0 and said.evidence["at"] == 10.0
    assert evaluate(criterion, {}, transcript(("agent", 10.0, "our policy says"))).value == 1


def test_calibration_arithmetic_by_hand():
    """Markers A, B, C on the default template's yes/no criteria resolved, accurate and
    data_protection (others left out):
      resolved        1 1 0   pairs agreeing 1/3
      accurate        1 1 1   3/3
      data_protection 1 N/A 1 1/3 (N/A is an answer)
    Nominal alpha, N/A missing: units resolved (1,1,0) and accurate (1,1,1), data_protection
    (1,1): o11 = 1 + 3 + 1 = 5, o10 = o01 = 1; n1 = 7, n0 = 1, n = 8:
    alpha = 1 - (8 - 1) * 2 / (2 * 7 * 1) = 0."""
    definition = parse_definition(
        {
            "sections": [
                {
                    "code": "s",
                    "title": "S",
                    "criteria": [
                        c
                        for s in DEFAULT_DEFINITION["sections"]
                        for c in s["criteria"]
                        if c["code"] in ("resolved", "accurate", "data_protection")
                    ],
                }
            ]
        }
    )
    ratings = {
        "A": {"resolved": 1, "accurate": 1, "data_protection": 1},
        "B": {"resolved": 1, "accurate": 1, "data_protection": None},
        "C": {"resolved": 0, "accurate": 1, "data_protection": 1},
    }
    agreement = calibration.criterion_agreement(definition, ratings)
    assert agreement["resolved"]["agreement"] == pytest.approx(1 / 3) and agreement["resolved"]["modal"] == 1
    assert agreement["accurate"]["agreement"] == 1.0
    assert agreement["data_protection"]["agreement"] == pytest.approx(1 / 3)
    assert calibration.krippendorff_alpha(definition, ratings, level="nominal") == pytest.approx(0.0, abs=1e-12)
    totals = {"A": 1.0, "B": 0.8, "C": 0.6}
    spread = calibration.total_spread(totals)
    assert spread["mean"] == pytest.approx(0.8) and spread["range"] == pytest.approx(0.4)
    assert spread["sd"] == pytest.approx(0.2)
    distance = calibration.marker_distance(definition, ratings, totals)
    assert distance["A"]["from_mean"] == pytest.approx(0.3) and distance["C"]["from_mean"] == pytest.approx(-0.3)
    assert distance["C"]["disagreements"] == 1  # resolved: the others said 1
    assert distance["B"]["disagreements"] == 1  # data_protection: the others said 1, B said N/A
    # Perfect agreement, and too few markers.
    same = {"A": ratings["A"], "B": dict(ratings["A"])}
    assert calibration.krippendorff_alpha(definition, same) == 1.0
    assert calibration.krippendorff_alpha(definition, {"A": ratings["A"]}) is None


def test_intervals():
    wilson = proportion_interval(8, 10)
    assert wilson.value == 0.8 and wilson.low == pytest.approx(0.4902, abs=1e-4)
    assert wilson.high == pytest.approx(0.9433, abs=1e-4)
    assert proportion_interval(0, 0).value is None and proportion_interval(0, 5).low == 0.0
    t = mean_interval([1, 2, 3, 4, 5])
    assert t.value == 3 and t.n == 5 and t.high - 3 == pytest.approx(1.9632, abs=1e-4)
    assert mean_interval([0.7]).low is None and mean_interval([]).value is None
