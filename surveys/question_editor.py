"""The survey's question editor as plain functions: a survey definition (see surveys/questions.py)
turned into the rows of the form on /surveys/questions, the posted form turned back into a
definition, the row actions (add, remove, move up, move down) and the problems of a draft placed
beside the fields they concern. No I/O.

Form fields, for question row i (from 0): `q<i>-kind`, `q<i>-was` (the kind the row was shown
with, so a changed kind is noticed), `q<i>-required` (a checkbox), `q<i>-text-<language>` and
`q<i>-label<n>-<language>` (the answer labels, n from 0); `rows` counts the rows.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from qa_app.i18n import _, _l
from surveys.questions import CODES, DEFAULT_SURVEY, KINDS, LABEL_COUNTS, LANGUAGES, definition_problems_by_field

# The kinds in the words a QA lead uses; the order is the order of the add menu.
KIND_NAMES = {
    "satisfaction": _l("Satisfaction, 1 to 5"),
    "recommend": _l("Would recommend, 0 to 10"),
    "effort": _l("Effort, 1 to 7"),
    "resolved": _l("Was it resolved: yes / partly / no"),
    "text": _l("Comment"),
    "voice": _l("Spoken comment"),
}
LANGUAGE_NAMES = {"en": _l("English"), "sv": _l("Swedish"), "nl": _l("Dutch")}
# Fixed by the rules of surveys/questions.py: the satisfaction question is the one every resident
# answers (CSAT is read from it); a spoken comment is a file the answer check never requires.
ALWAYS_REQUIRED = frozenset({"satisfaction"})
NEVER_REQUIRED = frozenset({"voice"})
MAX_ROWS = 20  # more rows than kinds: a posted form beyond this is not ours


@dataclass
class Row:
    """One question of the draft, as the form shows it."""

    kind: str
    required: bool = False
    text: dict[str, str] = field(default_factory=dict)
    labels: dict[str, list[str]] = field(default_factory=dict)  # per language; {} for text and voice
    kind_changed: bool = False  # its kind was changed in the form, so its labels were reset


def default_labels(kind: str) -> dict[str, list[str]]:
    """The answer labels a new question of `kind` starts with: the default survey's."""
    for question in DEFAULT_SURVEY["questions"]:
        if question["kind"] == kind and "labels" in question:
            return copy.deepcopy(question["labels"])
    count = LABEL_COUNTS.get(kind, 0)
    return {language: [""] * count for language in LANGUAGES} if count else {}


def label_points(kind: str) -> list[str]:
    """What each answer label names, in order: the scale's numbers, or yes / partly / no."""
    if kind == "resolved":
        return [_("Yes"), _("Partly"), _("No")]
    scale = {"satisfaction": (1, 5), "effort": (1, 7), "recommend": (0, 10)}.get(kind)
    return [str(n) for n in range(scale[0], scale[1] + 1)] if scale else []


def ends_only(kind: str) -> bool:
    """Long scales show residents only their two end labels; the middle ones are optional."""
    return kind in ("effort", "recommend")


def fixed_required(kind: str) -> bool | None:
    """True or False where the rules fix whether the question is required, else None."""
    if kind in ALWAYS_REQUIRED:
        return True
    if kind in NEVER_REQUIRED:
        return False
    return None


def new_row(kind: str) -> Row:
    required = fixed_required(kind)
    return Row(
        kind=kind,
        required=bool(required),
        text={language: "" for language in LANGUAGES},
        labels=default_labels(kind),
    )


def _labels_of(question: Mapping[str, Any], kind: str) -> dict[str, list[str]]:
    count = LABEL_COUNTS.get(kind, 0)
    if not count:
        return {}
    given = question.get("labels") if isinstance(question.get("labels"), Mapping) else {}
    labels = {}
    for language in LANGUAGES:
        values = given.get(language) if isinstance(given.get(language), list) else []
        values = [str(v) for v in values[:count]]
        labels[language] = values + [""] * (count - len(values))
    return labels


def importable(definition: Any) -> str:
    """Why a definition cannot be loaded into the form ("" when it can): the form shows questions
    of known kinds; everything else it can show, with its problems beside the fields."""
    if not isinstance(definition, Mapping) or not isinstance(definition.get("questions"), list):
        return _('the survey is {"questions": [...]}')
    for number, question in enumerate(definition["questions"], start=1):
        if not isinstance(question, Mapping) or question.get("kind") not in KINDS:
            return _("question %(number)s: kind must be one of %(kinds)s") % {
                "number": number,
                "kinds": ", ".join(KINDS),
            }
    if len(definition["questions"]) > MAX_ROWS:
        return _("at most %(count)s questions") % {"count": MAX_ROWS}
    return ""


def rows_from_definition(definition: Mapping[str, Any]) -> list[Row]:
    """The form's rows for a definition that `importable` accepts."""
    rows = []
    for question in definition["questions"]:
        kind = question["kind"]
        texts = question.get("text") if isinstance(question.get("text"), Mapping) else {}
        rows.append(
            Row(
                kind=kind,
                required=question.get("required") is True,
                text={language: str(texts.get(language) or "") for language in LANGUAGES},
                labels=_labels_of(question, kind),
            )
        )
    return rows


def _one(form: Mapping[str, Any], key: str) -> str:
    value = form.get(key, "")
    if isinstance(value, list):  # a field sent twice: the last one counts, as in a browser's view
        value = value[-1] if value else ""
    return str(value)


def rows_from_form(form: Mapping[str, Any]) -> list[Row]:
    """The rows as posted. A row whose kind was changed gets the new kind's starting labels (the old
    ones named other answers) and is marked, so the page asks to check them before publishing."""
    try:
        count = min(int(_one(form, "rows")), MAX_ROWS)
    except ValueError:
        count = 0
    rows = []
    for i in range(count):
        kind = _one(form, f"q{i}-kind")
        if kind not in KINDS:
            continue
        was = _one(form, f"q{i}-was") or kind
        fixed = fixed_required(kind)
        row = Row(
            kind=kind,
            required=fixed if fixed is not None else bool(_one(form, f"q{i}-required")),
            text={language: _one(form, f"q{i}-text-{language}").strip() for language in LANGUAGES},
        )
        if kind != was:
            row.labels, row.kind_changed = default_labels(kind), True
        else:
            row.labels = {
                language: [_one(form, f"q{i}-label{n}-{language}").strip() for n in range(LABEL_COUNTS.get(kind, 0))]
                for language in LANGUAGES
            }
            if not LABEL_COUNTS.get(kind):
                row.labels = {}
        rows.append(row)
    return rows


def definition_from_rows(rows: list[Row]) -> dict[str, Any]:
    """The survey definition the rows describe; labels left all empty are left out (as residents
    see no labels either way)."""
    questions = []
    for row in rows:
        question: dict[str, Any] = {
            "code": CODES[row.kind],
            "kind": row.kind,
            "required": row.required,
            "text": {language: row.text.get(language, "") for language in LANGUAGES},
        }
        if row.labels and any(label for labels in row.labels.values() for label in labels):
            question["labels"] = {language: list(row.labels[language]) for language in LANGUAGES}
        questions.append(question)
    return {"questions": questions}


def apply(rows: list[Row], action: str, new_kind: str = "") -> tuple[list[Row], str]:
    """Carry out a row action ("add", "remove-<i>", "up-<i>", "down-<i>") on a copy of the rows;
    also returns the id of the control to keep the keyboard's place at ("" for none)."""
    rows = list(rows)
    verb, _sep, index_text = action.partition("-")
    if verb == "add":
        if new_kind in KINDS and len(rows) < MAX_ROWS:
            rows.append(new_row(new_kind))
            return rows, f"q{len(rows) - 1}-kind"
        return rows, "new-kind"
    if not index_text.isdigit() or int(index_text) >= len(rows):
        return rows, ""
    i = int(index_text)
    if verb == "remove":
        del rows[i]
        return rows, "new-kind" if not rows else f"q{min(i, len(rows) - 1)}-kind"
    if verb == "up" and i > 0:
        rows[i - 1], rows[i] = rows[i], rows[i - 1]
        return rows, f"q{i - 1}-up" if i - 1 > 0 else f"q{i - 1}-down"
    if verb == "down" and i < len(rows) - 1:
        rows[i], rows[i + 1] = rows[i + 1], rows[i]
        return rows, f"q{i + 1}-down" if i + 1 < len(rows) - 1 else f"q{i + 1}-up"
    return rows, ""


def unused_kinds(rows: list[Row]) -> list[str]:
    """The kinds a new question may have: each kind is asked once."""
    used = {row.kind for row in rows}
    return [kind for kind in KIND_NAMES if kind not in used]


def field_id(place: str) -> str:
    """The form field a problem's place ("questions.2.text.sv") concerns ("q2-text-sv"); the code
    follows from the kind, so its problems go beside the kind; labels go beside their block."""
    parts = place.split(".")
    if len(parts) < 3 or parts[0] != "questions":
        return "questions"
    index, part = parts[1], parts[2]
    if part == "code":
        part = "kind"
    return "-".join([f"q{index}", part, *parts[3:]])


def problems_by_field(rows: list[Row]) -> dict[str, list[str]]:
    """The draft's problems, per form field id ("questions" for the survey as a whole), with the
    notes of `kind_change_notes`."""
    problems: dict[str, list[str]] = {}
    for place, message in definition_problems_by_field(definition_from_rows(rows)):
        key = field_id(place)
        language = key.rpartition("-text-")[2] if "-text-" in key else ""
        if language in LANGUAGE_NAMES:  # beside its box, the plain words say enough
            number = int(key[1:].partition("-")[0]) + 1
            message = _("Write question %(number)s in %(language)s.") % {
                "number": number,
                "language": LANGUAGE_NAMES[language],
            }
        problems.setdefault(key, []).append(message)
    for key, notes in kind_change_notes(rows).items():
        problems.setdefault(key, []).extend(notes)
    return problems


def kind_change_notes(rows: list[Row]) -> dict[str, list[str]]:
    """Beside each kind changed in the form: its labels were reset and want a look."""
    return {
        f"q{i}-kind": [
            _("question %(number)s: its kind changed, so its answer labels were reset; check them") % {"number": i + 1}
        ]
        for i, row in enumerate(rows)
        if row.kind_changed
    }


def first_field(problems: Mapping[str, list[str]]) -> str:
    """The form control to put the keyboard on when a draft comes back with problems: the first
    one named (a labels problem at the first label of its language; the survey's own at "add")."""
    for key in problems:
        if key == "questions":
            return "new-kind"
        return key.replace("-labels-", "-label0-")
    return ""


def summary(problems: Mapping[str, list[str]]) -> list[tuple[str, str]]:
    """(control id, message) for the list at the top of the form that links to each problem."""
    return [(first_field({key: messages}), message) for key, messages in problems.items() for message in messages]
