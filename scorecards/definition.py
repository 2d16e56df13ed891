"""A scorecard template version as data: sections, criteria and the critical-error rules.

A definition is stored as JSON with each template version:

    {"critical_effect": {"customer": "group", "business": "group", "compliance": "evaluation"},
     "sections": [{"code": "service", "title": "Service", "criteria": [CRITERION, ...]}]}

    CRITERION = {"code": "greeting", "title": "Greeting and name", "guidance": "...", "weight": 1,
                 "kind": "yes_no" | "scale" | "call_data" | "transcript",
                 "scale_max": 4, "pass_from": 3,          # scale only
                 "na_allowed": false, "error_group": "none" | "customer" | "business" | "compliance",
                 "rule": {...}}                           # automatic kinds only

Automatic rules:
- call_data: {"measure": "wait_seconds", "max": 60}, {"measure": "talk_seconds", "min": 30,
  "max": 900} (either bound may be left out), {"measure": "transferred", "expect": false};
- transcript: {"phrases": [...], "present": true, "within": "first" | "last" | null, "seconds": 20}.

`parse_definition` checks all of it and says where a mistake is, in words a QA lead reads.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from qa_app.i18n import _

KINDS = ("yes_no", "scale", "call_data", "transcript")
AUTOMATIC = ("call_data", "transcript")
ERROR_GROUPS = ("none", "customer", "business", "compliance")
EFFECTS = ("group", "evaluation")
MEASURES = ("wait_seconds", "talk_seconds", "transferred")
CODE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")  # used with fullmatch: "$" alone lets a trailing newline through
WORDY = re.compile(r"\w")


class DefinitionError(Exception):
    """The definition cannot be used; the message names the place.

    `field` is where, as a path into the definition's JSON when known, such as
    ("sections", 0, "criteria", 2, "weight"): the form editor shows the message beside that field.
    """

    def __init__(self, message: str, field: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Criterion:
    code: str
    title: str
    guidance: str
    weight: float
    kind: str
    scale_max: int
    pass_from: int
    na_allowed: bool
    error_group: str
    rule: dict[str, Any] | None = field(default=None, compare=True, hash=False)
    section: str = ""

    @property
    def automatic(self) -> bool:
        return self.kind in AUTOMATIC

    @property
    def max_value(self) -> int:
        return self.scale_max if self.kind == "scale" else 1


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Definition:
    sections: tuple[Section, ...]
    critical_effect: dict[str, str] = field(default_factory=dict, hash=False)

    def criteria(self) -> list[Criterion]:
        return [c for s in self.sections for c in s.criteria]

    def criterion(self, code: str) -> Criterion:
        for criterion in self.criteria():
            if criterion.code == code:
                return criterion
        raise KeyError(code)

    def effect(self, group: str) -> str:
        return self.critical_effect.get(group, "group")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _rule(kind: str, rule: Any, where: str, path: tuple[str | int, ...] = ()) -> dict[str, Any] | None:
    path = (*path, "rule")
    if kind not in AUTOMATIC:
        return None
    if not isinstance(rule, dict):
        raise DefinitionError(_("%(where)s: an automatic criterion needs a rule") % {"where": where}, path)
    if kind == "call_data":
        measure = rule.get("measure")
        if measure not in MEASURES:
            raise DefinitionError(
                _("%(where)s: the measure must be one of %(choices)s")
                % {"where": where, "choices": ", ".join(MEASURES)},
                (*path, "measure"),
            )
        if measure == "transferred":
            if not isinstance(rule.get("expect"), bool):
                raise DefinitionError(
                    _("%(where)s: say whether the call should be transferred (expect true or false)")
                    % {"where": where},
                    (*path, "expect"),
                )
            return {"measure": measure, "expect": rule["expect"]}
        bounds = {k: _number(rule.get(k)) for k in ("min", "max") if rule.get(k) is not None}
        if not bounds or any(v is None or v < 0 for v in bounds.values()):
            bad = next((k for k, v in bounds.items() if v is None or v < 0), "max")
            raise DefinitionError(
                _("%(where)s: give a min or max of 0 seconds or more") % {"where": where}, (*path, bad)
            )
        if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
            raise DefinitionError(_("%(where)s: the minimum is above the maximum") % {"where": where}, (*path, "min"))
        return {"measure": measure, **bounds}
    phrases = rule.get("phrases")
    if not isinstance(phrases, list) or not phrases or not all(isinstance(p, str) and WORDY.search(p) for p in phrases):
        raise DefinitionError(
            _("%(where)s: list the phrases to listen for (each with at least one word)") % {"where": where},
            (*path, "phrases"),
        )
    present = rule.get("present", True)
    if not isinstance(present, bool):
        raise DefinitionError(
            _("%(where)s: present must be true (the phrase should be said) or false (it should not)")
            % {"where": where},
            (*path, "present"),
        )
    within = rule.get("within")
    if within not in (None, "first", "last"):
        raise DefinitionError(
            _("%(where)s: within must be first, last or left out") % {"where": where}, (*path, "within")
        )
    seconds = _number(rule.get("seconds")) if within else None
    if within and (seconds is None or seconds <= 0):
        raise DefinitionError(_("%(where)s: say within how many seconds") % {"where": where}, (*path, "seconds"))
    return {
        "phrases": [p.strip() for p in phrases],
        "present": present,
        "within": within,
        "seconds": seconds,
    }


def _criterion(data: Any, section: str, where: str, path: tuple[str | int, ...] = ()) -> Criterion:
    if not isinstance(data, dict):
        raise DefinitionError(
            _("%(where)s: a criterion is an object with a code, title, kind and weight") % {"where": where}, path
        )
    code = data.get("code")
    if not isinstance(code, str) or not CODE.fullmatch(code):
        raise DefinitionError(
            _("%(where)s: the code must be lower-case letters, digits and _ (got %(code)s)")
            % {"where": where, "code": repr(code)},
            (*path, "code"),
        )
    where = _("%(section)s, criterion %(code)s") % {"section": where.rsplit(",", 1)[0], "code": repr(code)}
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise DefinitionError(_("%(where)s: give it a title") % {"where": where}, (*path, "title"))
    kind = data.get("kind")
    if kind not in KINDS:
        raise DefinitionError(
            _("%(where)s: the kind must be one of %(choices)s") % {"where": where, "choices": ", ".join(KINDS)},
            (*path, "kind"),
        )
    weight = _number(data.get("weight"))
    if weight is None or weight <= 0:
        raise DefinitionError(_("%(where)s: weight must be a positive number") % {"where": where}, (*path, "weight"))
    scale_max, pass_from = 1, 1
    if kind == "scale":
        scale_max = data.get("scale_max")
        if not isinstance(scale_max, int) or isinstance(scale_max, bool) or not 1 <= scale_max <= 10:
            raise DefinitionError(
                _("%(where)s: scale_max must be a whole number from 1 to 10") % {"where": where}, (*path, "scale_max")
            )
        pass_from = data.get("pass_from", math.ceil(0.75 * scale_max))
        if not isinstance(pass_from, int) or isinstance(pass_from, bool) or not 1 <= pass_from <= scale_max:
            raise DefinitionError(
                _("%(where)s: pass_from must be a whole number from 1 to %(scale_max)s")
                % {"where": where, "scale_max": scale_max},
                (*path, "pass_from"),
            )
    group = data.get("error_group", "none")
    if group not in ERROR_GROUPS:
        raise DefinitionError(
            _("%(where)s: the error group must be one of %(choices)s")
            % {"where": where, "choices": ", ".join(ERROR_GROUPS)},
            (*path, "error_group"),
        )
    guidance = data.get("guidance", "")
    if not isinstance(guidance, str):
        raise DefinitionError(_("%(where)s: guidance is text") % {"where": where}, (*path, "guidance"))
    na_allowed = data.get("na_allowed", False)
    if not isinstance(na_allowed, bool):
        raise DefinitionError(
            _("%(where)s: na_allowed must be true or false") % {"where": where}, (*path, "na_allowed")
        )
    return Criterion(
        code=code,
        title=title.strip(),
        guidance=guidance.strip(),
        weight=weight,
        kind=kind,
        scale_max=scale_max,
        pass_from=pass_from,
        na_allowed=na_allowed,
        error_group=group,
        rule=_rule(kind, data.get("rule"), where, path),
        section=section,
    )


def parse_definition(data: Any) -> Definition:
    if not isinstance(data, dict):
        raise DefinitionError(_("a scorecard definition is an object with sections"))
    effects = data.get("critical_effect", {}) or {}
    if not isinstance(effects, dict):
        raise DefinitionError(_("critical_effect maps an error group to group or evaluation"), ("critical_effect",))
    for group, effect in effects.items():
        if group not in ERROR_GROUPS[1:]:
            raise DefinitionError(
                _("critical_effect: unknown error group %(group)s") % {"group": repr(group)}, ("critical_effect",)
            )
        if effect not in EFFECTS:
            raise DefinitionError(
                _("critical_effect: %(group)s must zero its group or the evaluation (got %(effect)s)")
                % {"group": group, "effect": repr(effect)},
                ("critical_effect", group),
            )
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        raise DefinitionError(_("a scorecard needs at least one section"), ("sections",))
    sections, seen_sections, seen_criteria = [], set(), set()
    for index, raw in enumerate(raw_sections, 1):
        if not isinstance(raw, dict):
            raise DefinitionError(
                _("section %(index)s: a section is an object with a code, title and criteria") % {"index": index},
                ("sections", index - 1),
            )
        code = raw.get("code")
        if not isinstance(code, str) or not CODE.fullmatch(code):
            raise DefinitionError(
                _("section %(index)s: the code must be lower-case letters, digits and _ (got %(code)s)")
                % {"index": index, "code": repr(code)},
                ("sections", index - 1, "code"),
            )
        if code in seen_sections:
            raise DefinitionError(
                _("section %(code)s: two sections have this code") % {"code": repr(code)},
                ("sections", index - 1, "code"),
            )
        seen_sections.add(code)
        title = raw.get("title")
        if not isinstance(title, str) or not title.strip():
            raise DefinitionError(
                _("section %(code)s: give it a title") % {"code": repr(code)}, ("sections", index - 1, "title")
            )
        raw_criteria = raw.get("criteria")
        if not isinstance(raw_criteria, list) or not raw_criteria:
            raise DefinitionError(
                _("section %(code)s: a section needs at least one criterion") % {"code": repr(code)},
                ("sections", index - 1, "criteria"),
            )
        criteria = []
        for number, item in enumerate(raw_criteria, 1):
            criterion = _criterion(
                item,
                code,
                _("section %(code)s, criterion %(number)s") % {"code": repr(code), "number": number},
                ("sections", index - 1, "criteria", number - 1),
            )
            if criterion.code in seen_criteria:
                raise DefinitionError(
                    _("section %(code)s, criterion %(criterion)s: two criteria have this code")
                    % {"code": repr(code), "criterion": repr(criterion.code)},
                    ("sections", index - 1, "criteria", number - 1, "code"),
                )
            seen_criteria.add(criterion.code)
            criteria.append(criterion)
        sections.append(Section(code=code, title=title.strip(), criteria=tuple(criteria)))
    return Definition(sections=tuple(sections), critical_effect=dict(effects))


def definition_to_json(definition: Definition) -> dict[str, Any]:
    sections = []
    for section in definition.sections:
        criteria = []
        for c in section.criteria:
            item: dict[str, Any] = {
                "code": c.code,
                "title": c.title,
                "guidance": c.guidance,
                "weight": c.weight,
                "kind": c.kind,
                "na_allowed": c.na_allowed,
                "error_group": c.error_group,
            }
            if c.kind == "scale":
                item.update(scale_max=c.scale_max, pass_from=c.pass_from)
            if c.rule is not None:
                item["rule"] = {k: v for k, v in c.rule.items() if v is not None}
            criteria.append(item)
        sections.append({"code": section.code, "title": section.title, "criteria": criteria})
    return {"critical_effect": dict(definition.critical_effect), "sections": sections}
