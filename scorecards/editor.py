"""The scorecard form editor: a definition as form rows and back, in plain functions.

The editor page posts the whole draft every time (no JavaScript needed): sections `s{i}.title`,
criteria `s{i}.c{j}.title`, `.weight`, `.how`... The buttons that change its shape (add, remove,
move up or down) post `action=up:1.2` and the page comes back with the draft changed; publishing
turns the rows into a definition and checks it with `parse_definition`, whose error carries the
path of the field it is about, so it can be shown beside that field.

A criterion's kind is chosen in plain words (`HOWS`): "Automatic: answered within N seconds" is
the `call_data` kind with the rule {"measure": "wait_seconds", "max": N}. Codes stay hidden: a
criterion keeps its code, and a new one gets a code made from its title when published.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from qa_app.i18n import _, _l
from scorecards.definition import ERROR_GROUPS, DefinitionError, definition_to_json, parse_definition

# The plain-word kinds, in the order the select lists them.
HOWS = {
    "yes_no": _l("Yes/No"),
    "scale": _l("Scale 0–N"),
    "wait": _l("Automatic: answered within N seconds"),
    "talk": _l("Automatic: call length between two limits"),
    "not_transferred": _l("Automatic: the call is not transferred"),
    "transferred": _l("Automatic: the call is transferred"),
    "phrase": _l("Automatic: agent says a phrase"),
    "no_phrase": _l("Automatic: agent never says a phrase"),
}
GROUPS = {
    "none": _l("Not critical"),
    "customer": _l("Critical for the customer"),
    "business": _l("Critical for the business"),
    "compliance": _l("Critical for compliance"),
}
EFFECTS = {"group": _l("zeroes its group"), "evaluation": _l("zeroes the whole evaluation")}
CRITERION_FIELDS = (
    "code",
    "title",
    "guidance",
    "weight",
    "how",
    "scale_max",
    "pass_from",
    "min",
    "max",
    "phrases",
    "within",
    "seconds",
    "na_allowed",
    "error_group",
)
FIELD = re.compile(r"^s(\d+)\.(?:c(\d+)\.)?(\w+)$")

Draft = dict[str, Any]  # {"sections": [{"code", "title", "criteria": [row]}], "effects": {group: effect}}


def _text(value: Any) -> str:
    """A number as the form shows it: 1.0 -> "1", 1.5 -> "1.5"; None -> ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _how(criterion: Mapping[str, Any]) -> str:
    kind, rule = criterion.get("kind"), criterion.get("rule") or {}
    if kind == "call_data":
        if rule.get("measure") == "transferred":
            return "transferred" if rule.get("expect") else "not_transferred"
        return "wait" if rule.get("measure") == "wait_seconds" else "talk"
    if kind == "transcript":
        return "phrase" if rule.get("present", True) else "no_phrase"
    return kind if kind in HOWS else "yes_no"


def row_of(criterion: Mapping[str, Any]) -> dict[str, str]:
    """One criterion of a definition as the strings of its form fields."""
    rule = criterion.get("rule") or {}
    return {
        "code": criterion.get("code", ""),
        "title": criterion.get("title", ""),
        "guidance": criterion.get("guidance", ""),
        "weight": _text(criterion.get("weight")),
        "how": _how(criterion),
        "scale_max": _text(criterion.get("scale_max")) if criterion.get("kind") == "scale" else "4",
        "pass_from": _text(criterion.get("pass_from")) if criterion.get("kind") == "scale" else "",
        "min": _text(rule.get("min")),
        "max": _text(rule.get("max")),
        "phrases": "\n".join(rule.get("phrases") or []),
        "within": rule.get("within") or "",
        "seconds": _text(rule.get("seconds")),
        "na_allowed": "1" if criterion.get("na_allowed") else "",
        "error_group": criterion.get("error_group", "none"),
    }


def draft_of(definition: Mapping[str, Any]) -> Draft:
    """A stored definition (JSON) as the editor's rows."""
    return {
        "sections": [
            {
                "code": section.get("code", ""),
                "title": section.get("title", ""),
                "criteria": [row_of(c) for c in section.get("criteria", [])],
            }
            for section in definition.get("sections", [])
        ],
        "effects": {g: definition.get("critical_effect", {}).get(g, "group") for g in ERROR_GROUPS[1:]},
    }


def draft_from_form(form: Mapping[str, Any]) -> Draft:
    """The posted fields as rows, in the order of their numbers (gaps are fine)."""
    sections: dict[int, dict[str, Any]] = {}
    for key, value in form.items():
        match = FIELD.match(key)
        if not match:
            continue
        value = value[-1] if isinstance(value, list) else value
        section = sections.setdefault(int(match[1]), {"code": "", "title": "", "criteria": {}})
        if match[2] is None:
            if match[3] in ("code", "title"):
                section[match[3]] = str(value)
        elif match[3] in CRITERION_FIELDS:
            row = section["criteria"].setdefault(int(match[2]), {f: "" for f in CRITERION_FIELDS})
            row[match[3]] = str(value).replace("\r\n", "\n")
    return {
        "sections": [
            {**sections[i], "criteria": [sections[i]["criteria"][j] for j in sorted(sections[i]["criteria"])]}
            for i in sorted(sections)
        ],
        "effects": {g: str(form.get(f"effect.{g}") or "group") for g in ERROR_GROUPS[1:]},
    }


def new_row() -> dict[str, str]:
    return {
        **{f: "" for f in CRITERION_FIELDS},
        "weight": "1",
        "how": "yes_no",
        "scale_max": "4",
        "error_group": "none",
    }


def apply(draft: Draft, action: str) -> tuple[Draft, str | None]:
    """The draft after one of the editor's buttons, and the id of the control to focus next
    (the moved criterion's same button, the new criterion's title...). Unknown or out-of-range
    actions leave the draft as it is."""
    sections = draft["sections"]
    verb, _sep, where = action.partition(":")
    try:
        numbers = [int(n) for n in where.split(".")] if where else []
    except ValueError:
        return draft, None
    if verb == "add_section":
        sections.append({"code": "", "title": "", "criteria": [new_row()]})
        return draft, f"f-s{len(sections) - 1}-title"
    if not numbers or not 0 <= numbers[0] < len(sections):
        return draft, None
    i = numbers[0]
    criteria = sections[i]["criteria"]
    if len(numbers) == 1:
        if verb == "add":
            criteria.append(new_row())
            return draft, f"f-s{i}-c{len(criteria) - 1}-title"
        if verb == "remove_section":
            del sections[i]
            return draft, "add-section"
        if verb in ("section_up", "section_down"):
            other = i - 1 if verb == "section_up" else i + 1
            if 0 <= other < len(sections):
                sections[i], sections[other] = sections[other], sections[i]
                return draft, f"{verb.replace('_', '-')}-{other}"
        return draft, None
    j = numbers[1]
    if not 0 <= j < len(criteria):
        return draft, None
    if verb == "remove":
        del criteria[j]
        return draft, f"add-{i}"
    if verb == "up":
        if j > 0:
            criteria[j - 1], criteria[j] = criteria[j], criteria[j - 1]
            return draft, f"up-s{i}-c{j - 1}" if (i, j - 1) != (0, 0) else "down-s0-c0"
        if i > 0:  # the first of its section goes to the end of the one before
            sections[i - 1]["criteria"].append(criteria.pop(j))
            return draft, f"up-s{i - 1}-c{len(sections[i - 1]['criteria']) - 1}"
    if verb == "down":
        if j < len(criteria) - 1:
            criteria[j + 1], criteria[j] = criteria[j], criteria[j + 1]
            last = i == len(sections) - 1 and j + 1 == len(criteria) - 1  # its "Move down" is off now
            return draft, f"up-s{i}-c{j + 1}" if last else f"down-s{i}-c{j + 1}"
        if i < len(sections) - 1:  # the last of its section opens the next one
            sections[i + 1]["criteria"].insert(0, criteria.pop(j))
            return draft, f"down-s{i + 1}-c0"
    return draft, None


def _slug(title: str, fallback: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_title).strip("_")[:40].rstrip("_")
    if not slug or not slug[0].isalpha():
        slug = f"{fallback}_{slug}".rstrip("_") if slug else fallback
    return slug


def _unique(slug: str, taken: set[str]) -> str:
    code, n = slug, 2
    while code in taken:
        code, n = f"{slug}_{n}", n + 1
    taken.add(code)
    return code


def _number(text: str) -> Any:
    """A typed number ("1,5" too); what cannot be read goes on as typed, for the check to refuse."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() and "." not in text else value


def _whole(text: str) -> Any:
    value = _number(text)
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _criterion(row: Mapping[str, str]) -> dict[str, Any]:
    how = row.get("how", "")
    item: dict[str, Any] = {
        "code": row.get("code", ""),
        "title": row.get("title", ""),
        "guidance": row.get("guidance", ""),
        "weight": _number(row.get("weight", "")),
        "kind": how
        if how in ("yes_no", "scale")
        else ("transcript" if how in ("phrase", "no_phrase") else "call_data"),
        "na_allowed": bool(row.get("na_allowed")),
        "error_group": row.get("error_group") or "none",
    }
    if how not in HOWS:
        item["kind"] = how  # refused by the check, beside the kind
    if how == "scale":
        item["scale_max"] = _whole(row.get("scale_max", ""))
        if row.get("pass_from", "").strip():
            item["pass_from"] = _whole(row["pass_from"])
    elif how in ("wait", "talk"):
        rule: dict[str, Any] = {"measure": "wait_seconds" if how == "wait" else "talk_seconds"}
        for bound in ("min", "max"):
            if (value := _number(row.get(bound, ""))) is not None:
                rule[bound] = value
        item["rule"] = rule
    elif how in ("transferred", "not_transferred"):
        item["rule"] = {"measure": "transferred", "expect": how == "transferred"}
    elif how in ("phrase", "no_phrase"):
        within = row.get("within") or None
        item["rule"] = {
            "phrases": [p.strip() for p in row.get("phrases", "").splitlines() if p.strip()],
            "present": how == "phrase",
            "within": within,
        }
        if within:
            item["rule"]["seconds"] = _number(row.get("seconds", ""))
    return item


def definition_from(draft: Draft) -> dict[str, Any]:
    """The draft as a definition (JSON), new sections and criteria given codes from their titles.
    Not checked: `check` does that."""
    taken_sections = {s["code"] for s in draft["sections"] if s["code"]}
    taken = {c["code"] for s in draft["sections"] for c in s["criteria"] if c["code"]}
    sections = []
    for i, section in enumerate(draft["sections"], 1):
        code = section["code"] or _unique(_slug(section["title"], f"section_{i}"), taken_sections)
        criteria = []
        for j, row in enumerate(section["criteria"], 1):
            item = _criterion(row)
            if not item["code"]:
                item["code"] = _unique(_slug(row.get("title", ""), f"criterion_{i}_{j}"), taken)
            criteria.append(item)
        sections.append({"code": code, "title": section["title"], "criteria": criteria})
    return {"critical_effect": dict(draft["effects"]), "sections": sections}


# The message to show beside a field, in the form's own words, where the check's would name JSON keys.
FRIENDLY = {
    "weight": _l("Give a weight above 0."),
    "scale_max": _l("The highest point is a whole number from 1 to 10."),
    "pass_from": _l("Passes from a whole number between 1 and the highest point."),
    "title": _l("Give it a title."),
    "kind": _l("Choose how it is marked."),
    "code": _l("This clashes with another criterion or section: remove one of them."),
    "error_group": _l("Choose whether it is critical."),
}
RULE_FIELDS = {"min": "min", "max": "max", "phrases": "phrases", "within": "within", "seconds": "seconds"}


def field_of(path: tuple[str | int, ...]) -> str:
    """The form field a definition path is about: ("sections", 0, "criteria", 2, "weight") -> "s0.c2.weight"."""
    if len(path) >= 2 and path[0] == "critical_effect":
        return f"effect.{path[1]}"
    if len(path) < 2 or path[0] != "sections":
        return ""
    i = path[1]
    if len(path) == 2 or path[2] in ("code", "title"):
        return f"s{i}.title"
    if len(path) == 3:
        return f"s{i}.criteria"
    j = path[3]
    name = path[4] if len(path) > 4 else "title"
    if name == "rule":
        name = RULE_FIELDS.get(str(path[5]), "how") if len(path) > 5 else "how"
    elif name in ("code",):
        name = "title"
    elif name == "kind":
        name = "how"
    return f"s{i}.c{j}.{name}"


def check(draft: Draft) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The checked definition of a draft, or None and {field: message} (the field "" for a
    mistake no single field holds)."""
    definition = definition_from(draft)
    try:
        parsed = parse_definition(definition)
    except DefinitionError as error:
        field = field_of(error.field)
        last = error.field[-1] if error.field else None
        message = str(error)
        if field and last in FRIENDLY:
            message = str(FRIENDLY[last])
        elif field:
            message = message.split(": ", 1)[-1]  # the place is where the message is shown
            message = message[:1].upper() + message[1:]
        return None, {field: message}
    return definition_to_json(parsed), {}


def shares(draft: Draft) -> dict[str, Any]:
    """Each criterion's weight as a share of the scorecard's total ({"s0.c1": 0.25}), each
    section's, and the total weight; None where a weight is not a positive number."""
    weights = {}
    for i, section in enumerate(draft["sections"]):
        for j, row in enumerate(section["criteria"]):
            value = _number(row.get("weight", ""))
            weights[(i, j)] = float(value) if isinstance(value, (int, float)) and value > 0 else None
    total: float | None = float(sum(w for w in weights.values() if w)) if all(weights.values()) else None
    if not total:
        total = None
    elif total.is_integer():
        total = int(total)
    result: dict[str, Any] = {"total": total, "criteria": {}, "sections": {}}
    for (i, j), weight in weights.items():
        result["criteria"][f"s{i}.c{j}"] = weight / total if total and weight else None
    for i, section in enumerate(draft["sections"]):
        parts = [result["criteria"][f"s{i}.c{j}"] for j in range(len(section["criteria"]))]
        result["sections"][i] = sum(parts) if parts and all(p is not None for p in parts) else None
    return result


def effect_sentence(group: str, effect: str) -> str:
    """What a critical criterion does, in one sentence."""
    if group == "none":
        return _("Not critical: failing it costs only its own points.")
    if effect == "evaluation":
        return _("Critical: failing it sets the whole evaluation to 0%.")
    return _("Critical: failing it sets the points of every criterion %(group)s to zero.") % {
        "group": str(GROUPS.get(group, group)).lower()
    }
