"""Scorecard definitions: the shipped template, each validation with the place it names, and
parse(to_json(d)) == d for any definition (property-based)."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from scorecards.default_template import DEFAULT_DEFINITION, DEFAULT_TEMPLATE_KEY, DEFAULT_TEMPLATE_NAME
from scorecards.definition import (
    Criterion,
    Definition,
    DefinitionError,
    Section,
    definition_to_json,
    parse_definition,
)


def criterion(code="greeting", **extra):
    return {"code": code, "title": code.replace("_", " ").title(), "weight": 1, "kind": "yes_no", **extra}


def one_section(*criteria, critical_effect=None):
    data = {"sections": [{"code": "main", "title": "Main", "criteria": list(criteria)}]}
    if critical_effect is not None:
        data["critical_effect"] = critical_effect
    return data


# --- the shipped template -----------------------------------------------------------------------


def test_the_default_template_has_the_seed_criteria_in_four_sections():
    definition = parse_definition(DEFAULT_DEFINITION)
    assert DEFAULT_TEMPLATE_KEY == "municipal" and DEFAULT_TEMPLATE_NAME == "Municipal contact centre"
    assert len(definition.sections) == 4
    kinds = {c.code: (c.kind, c.error_group) for c in definition.criteria()}
    assert kinds == {
        "time_to_answer": ("call_data", "none"),
        "call_length": ("call_data", "none"),
        "resolved": ("yes_no", "customer"),
        "accurate": ("yes_no", "business"),
        "greeting": ("transcript", "none"),
        "courtesy": ("scale", "none"),
        "closing": ("transcript", "none"),
        "data_protection": ("yes_no", "compliance"),
    }
    assert definition.critical_effect == {"customer": "group", "business": "group", "compliance": "evaluation"}
    assert definition.criterion("time_to_answer").rule == {"measure": "wait_seconds", "max": 60}
    assert definition.criterion("call_length").rule == {"measure": "talk_seconds", "min": 30, "max": 900}
    greeting, closing = definition.criterion("greeting").rule, definition.criterion("closing").rule
    assert (greeting["within"], greeting["seconds"], greeting["present"]) == ("first", 20, True)
    assert "my name is" in greeting["phrases"]
    assert (closing["within"], closing["seconds"]) == ("last", 30)
    assert {"anything else", "thank you for calling", "have a nice day"} <= set(closing["phrases"])
    courtesy = definition.criterion("courtesy")
    assert (courtesy.scale_max, courtesy.pass_from, courtesy.max_value) == (4, 3, 4)
    # Only the data-protection check may be N/A; every criterion has guidance for markers.
    assert [c.code for c in definition.criteria() if c.na_allowed] == ["data_protection"]
    assert all(len(c.guidance) > 20 for c in definition.criteria())


def test_the_default_template_round_trips_through_json():
    definition = parse_definition(DEFAULT_DEFINITION)
    stored = json.loads(json.dumps(definition_to_json(definition)))  # as a JSON column gives it back
    assert parse_definition(stored) == definition


def test_criteria_sections_and_lookup():
    definition = parse_definition(DEFAULT_DEFINITION)
    codes = [c.code for c in definition.criteria()]
    assert codes[:2] == ["time_to_answer", "call_length"] and codes[-1] == "data_protection"
    assert [s.code for s in definition.sections] == ["access", "resolution", "service", "compliance"]
    assert definition.criterion("courtesy").section == "service"
    assert definition.criterion("greeting").automatic and definition.criterion("time_to_answer").automatic
    assert not definition.criterion("courtesy").automatic and not definition.criterion("resolved").automatic
    assert definition.criterion("resolved").max_value == 1 and definition.criterion("greeting").max_value == 1
    with pytest.raises(KeyError):
        definition.criterion("smile")
    assert isinstance(definition, Definition) and isinstance(definition.sections[0], Section)
    assert isinstance(definition.criteria()[0], Criterion)


@pytest.mark.parametrize("scale_max, expected", [(1, 1), (3, 3), (4, 3), (5, 4), (10, 8)])
def test_pass_from_defaults_to_three_quarters_of_the_scale_rounded_up(scale_max, expected):
    # ceil(0.75 * 3) = ceil(2.25) = 3; ceil(0.75 * 5) = ceil(3.75) = 4; ceil(7.5) = 8
    definition = parse_definition(one_section(criterion("courtesy", kind="scale", scale_max=scale_max)))
    assert definition.criterion("courtesy").pass_from == expected


def test_defaults_for_optional_fields():
    definition = parse_definition(one_section(criterion("greeting")))
    c = definition.criterion("greeting")
    assert (c.guidance, c.na_allowed, c.error_group, c.rule, c.scale_max, c.pass_from) == (
        "",
        False,
        "none",
        None,
        1,
        1,
    )
    assert definition.critical_effect == {}


def test_a_rule_on_a_manual_criterion_is_ignored():
    definition = parse_definition(one_section(criterion("greeting", rule={"measure": "wait_seconds", "max": 5})))
    assert definition.criterion("greeting").rule is None


# --- mistakes, each named where it is ------------------------------------------------------------


def _default_with(change):
    data = copy.deepcopy(DEFAULT_DEFINITION)
    change(data)
    return data


def _crit(data, section, code):
    section = next(s for s in data["sections"] if s["code"] == section)
    return next(c for c in section["criteria"] if c["code"] == code)


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda d: _crit(d, "service", "courtesy").update(weight=0),
            "section 'service', criterion 'courtesy': weight must be a positive number",
        ),
        (
            lambda d: _crit(d, "service", "courtesy").update(weight=-2),
            "section 'service', criterion 'courtesy': weight must be a positive number",
        ),
        (
            lambda d: _crit(d, "service", "courtesy").update(weight="heavy"),
            "section 'service', criterion 'courtesy': weight must be a positive number",
        ),
        (
            lambda d: _crit(d, "service", "courtesy").update(weight=True),
            "section 'service', criterion 'courtesy': weight must be a positive number",
        ),
        (
            lambda d: _crit(d, "service", "courtesy").update(weight=float("nan")),
            "section 'service', criterion 'courtesy': weight must be a positive number",
        ),
        (
            lambda d: _crit(d, "service", "courtesy").update(kind="vibes"),
            "section 'service', criterion 'courtesy': the kind must be one of yes_no, scale, call_data, transcript",
        ),
        (
            lambda d: _crit(d, "access", "time_to_answer").pop("rule"),
            "section 'access', criterion 'time_to_answer': an automatic criterion needs a rule",
        ),
        (
            lambda d: _crit(d, "service", "greeting").update(rule="my name is"),
            "section 'service', criterion 'greeting': an automatic criterion needs a rule",
        ),
        (
            lambda d: _crit(d, "access", "time_to_answer")["rule"].update(measure="mood"),
            "section 'access', criterion 'time_to_answer': the measure must be one of",
        ),
        (
            lambda d: _crit(d, "access", "time_to_answer")["rule"].update(max=-1),
            "criterion 'time_to_answer': give a min or max of 0 seconds or more",
        ),
        (
            lambda d: _crit(d, "access", "call_length")["rule"].update(min=1000),
            "criterion 'call_length': the minimum is above the maximum",
        ),
        (
            lambda d: _crit(d, "access", "call_length").update(rule={"measure": "talk_seconds"}),
            "criterion 'call_length': give a min or max",
        ),
        (
            lambda d: _crit(d, "access", "call_length").update(rule={"measure": "transferred"}),
            "criterion 'call_length': say whether the call should be transferred",
        ),
        (
            lambda d: _crit(d, "service", "courtesy").update(pass_from=5),
            "section 'service', criterion 'courtesy': pass_from must be a whole number from 1 to 4",
        ),
        (
            lambda d: _crit(d, "service", "courtesy").update(pass_from=0),
            "section 'service', criterion 'courtesy': pass_from must be a whole number from 1 to 4",
        ),
        (
            lambda d: _crit(d, "service", "courtesy").update(pass_from=2.5),
            "criterion 'courtesy': pass_from must be a whole number",
        ),
        (
            lambda d: _crit(d, "service", "courtesy").update(scale_max=0),
            "criterion 'courtesy': scale_max must be a whole number from 1 to 10",
        ),
        (
            lambda d: _crit(d, "service", "courtesy").pop("scale_max"),
            "criterion 'courtesy': scale_max must be a whole number",
        ),
        (
            lambda d: _crit(d, "service", "courtesy").update(error_group="fatal"),
            "section 'service', criterion 'courtesy': the error group must be one of none, customer, business",
        ),
        (
            lambda d: _crit(d, "resolution", "accurate").update(code="resolved"),
            "section 'resolution', criterion 'resolved': two criteria have this code",
        ),
        (
            # duplicates across sections are caught too
            lambda d: _crit(d, "compliance", "data_protection").update(code="greeting"),
            "section 'compliance', criterion 'greeting': two criteria have this code",
        ),
        (
            lambda d: _crit(d, "resolution", "accurate").update(code="Bad Code"),
            "section 'resolution', criterion 2: the code must be lower-case letters, digits and _",
        ),
        (
            lambda d: _crit(d, "resolution", "accurate").update(code="1st"),
            "criterion 2: the code must be lower-case",
        ),
        (
            lambda d: _crit(d, "resolution", "accurate").update(code="a" * 51),
            "criterion 2: the code must be lower-case",
        ),
        (
            lambda d: _crit(d, "resolution", "accurate").update(code="accurate\n"),
            "criterion 2: the code must be lower-case",
        ),
        (
            lambda d: _crit(d, "resolution", "accurate").update(title="  "),
            "criterion 'accurate': give it a title",
        ),
        (
            lambda d: _crit(d, "compliance", "data_protection").update(na_allowed="yes"),
            "criterion 'data_protection': na_allowed must be true or false",
        ),
        (
            lambda d: _crit(d, "service", "greeting")["rule"].update(within="middle"),
            "section 'service', criterion 'greeting': within must be first, last or left out",
        ),
        (
            lambda d: _crit(d, "service", "greeting")["rule"].pop("seconds"),
            "criterion 'greeting': say within how many seconds",
        ),
        (
            lambda d: _crit(d, "service", "greeting")["rule"].update(phrases=[]),
            "criterion 'greeting': list the phrases to listen for",
        ),
        (
            lambda d: _crit(d, "service", "greeting")["rule"].update(phrases=["my name is", "?!"]),
            "criterion 'greeting': list the phrases to listen for",
        ),
        (
            lambda d: _crit(d, "service", "greeting")["rule"].update(present="no"),
            "criterion 'greeting': present must be true",
        ),
        (
            lambda d: d["critical_effect"].update(compliance="everything"),
            "critical_effect: compliance must zero its group or the evaluation",
        ),
        (lambda d: d["critical_effect"].update(none="group"), "critical_effect: unknown error group 'none'"),
        (lambda d: d["critical_effect"].update(legal="group"), "critical_effect: unknown error group 'legal'"),
        (lambda d: d.update(critical_effect=["group"]), "critical_effect maps an error group"),
        (lambda d: d["sections"][3].update(criteria=[]), "section 'compliance': a section needs at least one"),
        (lambda d: d["sections"][3].update(code="service"), "section 'service': two sections have this code"),
        (lambda d: d["sections"][3].update(code="Compliance"), "section 4: the code must be lower-case"),
        (lambda d: d["sections"][3].update(title=""), "section 'compliance': give it a title"),
        (lambda d: d["sections"].append("more"), "section 5: a section is an object"),
        (lambda d: d["sections"][3]["criteria"].append(7), "section 'compliance', criterion 2: a criterion is an"),
        (lambda d: d.update(sections=[]), "a scorecard needs at least one section"),
        (lambda d: d.pop("sections"), "a scorecard needs at least one section"),
    ],
)
def test_mistakes_are_refused_with_their_place(change, message):
    with pytest.raises(DefinitionError) as error:
        parse_definition(_default_with(change))
    assert message in str(error.value)


def test_a_definition_must_be_an_object():
    with pytest.raises(DefinitionError, match="an object with sections"):
        parse_definition([])


def test_parsing_does_not_change_the_input():
    data = copy.deepcopy(DEFAULT_DEFINITION)
    parse_definition(data)
    assert data == DEFAULT_DEFINITION


# --- any valid definition round-trips ---------------------------------------------------------------

codes = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
titles = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(
    lambda t: t.strip() == t and t
)
weights = st.one_of(st.integers(1, 20), st.floats(0.01, 50, allow_nan=False, allow_infinity=False))


@st.composite
def raw_criterion(draw, code):
    kind = draw(st.sampled_from(["yes_no", "scale", "call_data", "transcript"]))
    data = {
        "code": code,
        "title": draw(titles),
        "guidance": draw(st.sampled_from(["", "Listen for the name.", "Checks identity first."])),
        "weight": draw(weights),
        "kind": kind,
        "na_allowed": draw(st.booleans()),
        "error_group": draw(st.sampled_from(["none", "customer", "business", "compliance"])),
    }
    if kind == "scale":
        data["scale_max"] = top = draw(st.integers(1, 10))
        if draw(st.booleans()):
            data["pass_from"] = draw(st.integers(1, top))
    elif kind == "call_data":
        measure = draw(st.sampled_from(["wait_seconds", "talk_seconds", "transferred"]))
        if measure == "transferred":
            data["rule"] = {"measure": measure, "expect": draw(st.booleans())}
        else:
            low = draw(st.none() | st.integers(0, 100))
            high = draw(st.none() | st.integers(100, 1000)) if low is not None else draw(st.integers(0, 1000))
            data["rule"] = {"measure": measure, **({"min": low} if low is not None else {}), "max": high}
    elif kind == "transcript":
        within = draw(st.sampled_from([None, "first", "last"]))
        data["rule"] = {
            "phrases": draw(st.lists(st.sampled_from(["my name is", "good morning", "anything else"]), min_size=1)),
            "present": draw(st.booleans()),
            "within": within,
            "seconds": draw(st.integers(1, 60)) if within else None,
        }
    return data


@st.composite
def raw_definitions(draw):
    all_codes = draw(st.lists(codes, min_size=2, max_size=12, unique=True))
    n_sections = draw(st.integers(1, max(1, len(all_codes) // 2)))
    section_codes, criterion_codes = all_codes[:n_sections], all_codes[n_sections:] or ["only"]
    cuts = sorted(
        draw(st.lists(st.integers(0, len(criterion_codes)), min_size=n_sections - 1, max_size=n_sections - 1))
    )
    bounds = [0, *cuts, len(criterion_codes)]
    sections = []
    for i, code in enumerate(section_codes):
        members = criterion_codes[bounds[i] : bounds[i + 1]] or [f"{code}_c"]
        sections.append({"code": code, "title": draw(titles), "criteria": [draw(raw_criterion(c)) for c in members]})
    # a section's fallback criterion code could clash with another code: skip those draws
    every = [c["code"] for s in sections for c in s["criteria"]]
    if len(every) != len(set(every)):
        reject()
    effect = st.sampled_from(["group", "evaluation"])
    return {
        "critical_effect": draw(st.fixed_dictionaries({}, optional={g: effect for g in ("customer", "business")})),
        "sections": sections,
    }


@settings(max_examples=200, deadline=None)
@given(raw_definitions())
def test_any_valid_definition_round_trips(data):
    definition = parse_definition(data)
    stored = json.loads(json.dumps(definition_to_json(definition)))
    again = parse_definition(stored)
    assert again == definition
    assert definition_to_json(again) == stored  # and the JSON is stable
    assert [c.code for c in definition.criteria()] == [c["code"] for s in data["sections"] for c in s["criteria"]]
    for c in definition.criteria():
        assert 1 <= c.pass_from <= c.max_value
        assert c.automatic == (c.kind in ("call_data", "transcript"))
        assert (c.rule is not None) == c.automatic
