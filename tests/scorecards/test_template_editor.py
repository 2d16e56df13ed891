"""The scorecard form editor over HTTP (issue 17, "Scorecards without JSON"): the form posts
the whole draft; add/move/remove buttons redraw it; publishing checks it and shows each mistake
beside its field, with the note and everything typed kept; the form and the JSON publish the
same definition; only admin and QA may post."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from scorecards import editor, versions
from scorecards.default_template import DEFAULT_DEFINITION
from scorecards.definition import DefinitionError, definition_to_json, parse_definition
from scorecards.tables import ScorecardTemplate
from tests.web import HTML, csrf_from, login

URL = "/scorecards/templates"


class _Fields(HTMLParser):
    """The fields a browser would post from the editor form (buttons left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.in_form = False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "editor" in (a.get("class") or ""):
            self.in_form = True
        if self.in_form and tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value") or ""
        if not self.in_form or "name" not in a:
            return
        if tag == "input":
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.fields[a["name"]] = a.get("value", "on")
            else:
                self.fields[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a["name"]
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[a["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def form_fields(html: str) -> dict[str, str]:
    parser = _Fields()
    parser.feed(html)
    # A browser drops the newline straight after <textarea>.
    return {k: v[1:] if v.startswith("\n") else v for k, v in parser.fields.items()}


def error_beside(html: str, field: str) -> str | None:
    """The message shown beside a field (the element its aria-describedby names)."""
    id_ = "err-" + field.replace(".", "-")
    match = re.search(rf'id="{id_}">([^<]*)<', html)
    return match and match[1]


async def _latest() -> dict:
    return (
        await ScorecardTemplate.select().order_by(ScorecardTemplate.id, ascending=False).output(load_json=True).first()
    )


async def _editor(client, email="qa@test.org") -> tuple[str, dict[str, str]]:
    await login(client, email)
    page = await client.get(URL, headers=HTML)
    assert page.status_code == 200
    return page.text, form_fields(page.text)


async def _post(client, fields: dict[str, str], action: str):
    return await client.post(URL, data={**fields, "action": action}, headers=HTML, follow_redirects=False)


def _titles(fields: dict[str, str]) -> list[list[str]]:
    draft = editor.draft_from_form(fields)
    return [[c["title"] for c in s["criteria"]] for s in draft["sections"]]


async def test_the_form_publishes_the_same_definition_as_the_json(client, centre):
    html, fields = await _editor(client)
    current = await versions.default()
    assert 'name="s0.c0.title"' in html and "Advanced: import/export JSON" in html
    # The JSON box exports exactly the definition the form holds.
    assert json.loads(fields["definition"]) == current["definition"]
    response = await _post(client, {**fields, "note": "nothing changed, as a form"}, "publish")
    assert response.status_code == 302, re.findall(r'class="field-error"[^<]*', response.text)
    by_form = await _latest()
    assert by_form["version"] == current["version"] + 1
    assert by_form["definition"] == current["definition"]
    assert by_form["note"] == "nothing changed, as a form"
    # And the JSON route publishes the same again.
    response = await _post(client, {**fields, "note": "as JSON"}, "publish_json")
    assert response.status_code == 302
    by_json = await _latest()
    assert by_json["version"] == by_form["version"] + 1 and by_json["definition"] == by_form["definition"]


def test_rows_round_trip_every_kind_of_criterion():
    """Each plain-word kind maps back to the definition it came from."""
    definition = definition_to_json(parse_definition(DEFAULT_DEFINITION))
    definition["sections"][0]["criteria"].extend(
        [
            {"code": "scaled", "title": "Scaled", "weight": 2.5, "kind": "scale", "scale_max": 5, "pass_from": 4},
            {"code": "moved", "title": "Moved", "weight": 1, "kind": "call_data",
             "rule": {"measure": "transferred", "expect": True}},
            {"code": "quiet", "title": "Quiet", "weight": 1, "kind": "transcript", "na_allowed": True,
             "error_group": "compliance", "rule": {"phrases": ["personal number"], "present": False}},
        ]
    )  # fmt: skip
    expected = definition_to_json(parse_definition(definition))
    hows = {row["how"] for s in editor.draft_of(expected)["sections"] for row in s["criteria"]}
    assert {"wait", "talk", "scale", "transferred", "phrase", "no_phrase", "yes_no"} <= hows
    checked, errors = editor.check(editor.draft_of(expected))
    assert errors == {} and checked == expected


async def test_add_move_and_publish_a_criterion(client, centre):
    html, fields = await _editor(client)
    before = _titles(fields)
    # Add a criterion to the second section: the form comes back with an empty row, focused.
    response = await _post(client, {**fields, "note": "started"}, "add:1")
    assert response.status_code == 200
    fields = form_fields(response.text)
    assert fields["note"] == "started"  # the buttons keep what was typed
    new = len(before[1])
    assert _titles(fields)[1] == [*before[1], ""]
    assert re.search(rf'id="f-s1-c{new}-title"[^>]*autofocus', response.text)
    assert response.text.count("autofocus") == 1
    fields[f"s1.c{new}.title"] = "Offers a call-back"
    fields[f"s1.c{new}.weight"] = "2"
    fields[f"s1.c{new}.error_group"] = "customer"
    # Move it up one: its "Move up" button keeps the focus at its new place.
    response = await _post(client, fields, f"up:1.{new}")
    fields = form_fields(response.text)
    assert _titles(fields)[1] == [*before[1][:-1], "Offers a call-back", before[1][-1]]
    assert re.search(rf'id="up-s1-c{new - 1}"[^>]*autofocus', response.text)
    # Remove and section moves redraw too; nothing is published meanwhile.
    count = await ScorecardTemplate.count()
    response = await _post(client, {**fields, "note": "call-back"}, "publish")
    assert response.status_code == 302
    assert await ScorecardTemplate.count() == count + 1
    published = parse_definition((await _latest())["definition"])
    titles = [c.title for c in published.sections[1].criteria]
    assert titles == [*before[1][:-1], "Offers a call-back", before[1][-1]]
    added = published.sections[1].criteria[new - 1]
    assert added.code == "offers_a_call_back" and added.weight == 2 and added.error_group == "customer"
    # The version before is unchanged, and shown as it was.
    first = await ScorecardTemplate.select(ScorecardTemplate.id).where(ScorecardTemplate.version == 1).first()
    page = (await client.get(f"{URL}?show={first['id']}", headers=HTML)).text
    shown = page[page.index('class="shown-version" open') : page.index('id="editor-area"')]
    assert before[1][0] in shown and "Offers a call-back" not in shown
    assert "Offers a call-back" in page[page.index('id="editor-area"') :]  # the draft starts from the newest
    # Old criteria keep their codes.
    old = parse_definition(DEFAULT_DEFINITION)
    assert {c.code for c in old.criteria()} < {c.code for c in published.criteria()}


async def test_remove_and_move_between_sections(client, centre):
    _html, fields = await _editor(client)
    before = _titles(fields)
    fields = form_fields((await _post(client, fields, "up:1.0")).text)  # first of its section: to the one before
    assert _titles(fields)[0] == [*before[0], before[1][0]] and _titles(fields)[1] == before[1][1:]
    fields = form_fields((await _post(client, fields, "remove:0.0")).text)
    assert _titles(fields)[0] == [*before[0][1:], before[1][0]]
    fields = form_fields((await _post(client, fields, "section_down:0")).text)
    assert _titles(fields)[1] == [*before[0][1:], before[1][0]]


@pytest.mark.parametrize(
    ("field", "typed", "expected"),
    [
        ("s0.c0.weight", "heavy", "Give a weight above 0."),
        ("s1.c0.title", "   ", "Give it a title."),
        ("s0.c0.max", "-5", "give a min or max of 0 seconds or more"),
    ],
)
async def test_errors_beside_the_field_and_the_draft_kept(client, centre, field, typed, expected):
    _html, fields = await _editor(client)
    fields[field] = typed
    fields["s2.c0.title"] = "Typed but not published"
    count = await ScorecardTemplate.count()
    response = await _post(client, {**fields, "note": "my careful note"}, "publish")
    assert response.status_code == 400
    assert await ScorecardTemplate.count() == count
    message = error_beside(response.text, field)
    assert message and expected.lower() in message.lower(), message
    field_id = "f-" + field.replace(".", "-")
    assert re.search(rf'id="{field_id}"[^>]*aria-describedby="[^"]*err-{field_id[2:]}', response.text)
    assert re.search(rf'id="{field_id}"[^>]*aria-invalid="true"[^>]*autofocus', response.text)  # opens there
    kept = form_fields(response.text)
    assert kept["note"] == "my careful note"
    assert kept["s2.c0.title"] == "Typed but not published"
    assert kept[field] == typed
    assert "not published" in response.text


async def test_a_missing_note_and_an_empty_section_are_shown_beside_their_fields(client, centre):
    _html, fields = await _editor(client)
    for key in [k for k in fields if k.startswith("s2.c")]:
        del fields[key]
    response = await _post(client, {**fields, "note": ""}, "publish")
    assert response.status_code == 400
    assert error_beside(response.text, "note") == "Say in a few words what changed."
    assert "at least one criterion" in error_beside(response.text, "s2.criteria")


async def test_bad_json_keeps_the_text_and_the_note(client, centre):
    _html, fields = await _editor(client)
    response = await _post(client, {**fields, "definition": '{"sections": [', "note": "kept"}, "publish_json")
    assert response.status_code == 400
    assert "not valid JSON" in error_beside(response.text, "json")
    kept = form_fields(response.text)
    assert kept["definition"] == '{"sections": [' and kept["note"] == "kept"


async def test_import_json_into_the_form(client, centre):
    _html, fields = await _editor(client)
    definition = json.loads(fields["definition"])
    definition["sections"][0]["criteria"][0]["title"] = "Answered quickly"
    response = await _post(client, {**fields, "definition": json.dumps(definition)}, "import")
    assert response.status_code == 200
    assert form_fields(response.text)["s0.c0.title"] == "Answered quickly"


def test_definition_errors_carry_the_field_they_concern():
    definition = definition_to_json(parse_definition(DEFAULT_DEFINITION))
    definition["sections"][1]["criteria"][1]["weight"] = 0
    with pytest.raises(DefinitionError) as raised:
        parse_definition(definition)
    assert raised.value.field == ("sections", 1, "criteria", 1, "weight")
    assert editor.field_of(raised.value.field) == "s1.c1.weight"
    assert "weight must be a positive number" in str(raised.value)  # the message stays as it was


@pytest.mark.parametrize(("role", "status"), [("admin", 302), ("qa", 302), ("manager", 403), ("team_leader", 403)])
async def test_only_admin_and_qa_publish(client, centre, role, status):
    await login(client, f"{role}@test.org")
    page = await client.get(URL, headers=HTML)
    assert page.status_code == 200
    editable = 'name="s0.c0.title"' in page.text
    assert editable == (role in ("admin", "qa"))
    definition = (await versions.default())["definition"]
    fields = {
        "_csrf_token": csrf_from(page.text),
        "note": "by " + role,
        "name": "Municipal",
        "definition": json.dumps(definition),
    }
    count = await ScorecardTemplate.count()
    for action in ("publish_json", "add:0"):
        response = await _post(client, fields, action)
        assert response.status_code == (status if action == "publish_json" or status == 403 else 200)
    assert await ScorecardTemplate.count() == count + (1 if status != 403 else 0)
