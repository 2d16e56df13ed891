"""The survey question editor over HTTP on a real database (SQLite and PostgreSQL): the form is read
back from the page as a browser would send it, so what the page shows is what gets published."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest

from surveys import invitations, question_editor
from surveys.questions import DEFAULT_SURVEY, definition_problems, definition_problems_by_field
from surveys.tables import SurveyTemplate
from tests.web import HTML, csrf_from, login

DRAFT = "/surveys/questions/draft"


class _FormReader(HTMLParser):
    """The fields of one form (by its action) as a browser sends them, and which carry errors."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields = action, False, []
        self.select: str | None = None
        self.first_option: str | None = None
        self.chosen = False
        self.textarea: str | None = None
        self.text = ""
        self.invalid: set[str] = set()
        self.described: dict[str, str] = {}
        self.ids: dict[str, str] = {}  # element id -> text inside (for error paragraphs)
        self._open_id: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action") == self.action
        if not self.inside:
            return
        if a.get("aria-invalid") == "true":
            self.invalid.add(a.get("name") or a.get("id"))
            self.described[a.get("name") or a.get("id")] = a.get("aria-describedby", "")
        if tag == "p" and a.get("id", "").endswith("-error"):
            self._open_id, self.ids[a["id"]] = a["id"], ""
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("text", "hidden") or (kind == "checkbox" and "checked" in a):
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self.textarea, self.text = a["name"], ""
        elif tag == "select":
            self.select, self.first_option, self.chosen = a["name"], None, False
        elif tag == "option" and self.select:
            if self.first_option is None:
                self.first_option = a["value"]
            if "selected" in a:
                self.fields.append((self.select, a["value"]))
                self.chosen = True

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea:
            self.fields.append((self.textarea, self.text.removeprefix("\n")))
            self.textarea = None
        elif tag == "select" and self.select:
            if not self.chosen and self.first_option is not None:
                self.fields.append((self.select, self.first_option))
            self.select = None
        elif tag == "p":
            self._open_id = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.text += data
        if self._open_id:
            self.ids[self._open_id] += data


def read_form(html: str, action: str = DRAFT) -> _FormReader:
    reader = _FormReader(action)
    reader.feed(html)
    return reader


def fields_of(html: str) -> dict[str, str]:
    return dict(read_form(html).fields)


async def press(client, html: str, action: str, **changes: str):
    """Send the editor's form as shown, with some fields changed, by pressing a button."""
    data = fields_of(html) | changes | {"action": action}
    return await client.post(DRAFT, data=data, headers=HTML)


async def _current_definition():
    row = await SurveyTemplate.select(SurveyTemplate.definition).where(SurveyTemplate.is_default == True).first()  # noqa: E712
    return row["definition"] if isinstance(row["definition"], dict) else json.loads(row["definition"])


async def _versions() -> list[int]:
    return [r["version"] for r in await SurveyTemplate.select(SurveyTemplate.version).order_by(SurveyTemplate.version)]


async def _new_link(call: str):
    now = datetime.now(timezone.utc)
    return (await invitations.create_invitations(now - timedelta(days=3), now, only_calls={call}))[0]


def test_structured_problems_are_the_same_messages_with_their_fields():
    broken = copy.deepcopy(DEFAULT_SURVEY)
    del broken["questions"][2]["text"]["sv"]
    broken["questions"][4]["kind"] = "effort"
    broken["questions"][4]["code"] = "effort"
    broken["questions"].insert(0, broken["questions"].pop(1))
    placed = definition_problems_by_field(broken)
    assert [message for _field, message in placed] == definition_problems(broken)
    fields = [field for field, _message in placed]
    assert fields == ["questions.2.text.sv", "questions.4.kind", "questions.1.kind"]
    assert [question_editor.field_id(f) for f in fields] == ["q2-text-sv", "q4-kind", "q1-kind"]


def test_the_mapping_round_trips_the_default_survey_and_moves_rows():
    rows = question_editor.rows_from_definition(DEFAULT_SURVEY)
    assert question_editor.definition_from_rows(rows) == DEFAULT_SURVEY
    moved, focus = question_editor.apply(rows, "down-0")
    assert [r.kind for r in moved[:2]] == ["resolved", "satisfaction"] and focus == "q1-down"
    assert [r.kind for r in rows[:2]] == ["satisfaction", "resolved"]  # the original is untouched
    back, focus = question_editor.apply(moved, "up-1")
    assert [r.kind for r in back] == [r.kind for r in rows] and focus == "q0-down"
    assert question_editor.apply(rows, "up-0")[0] == rows  # the first cannot go higher


async def test_the_form_round_trips_the_current_version_unchanged(client, centre):
    await login(client, "qa@test.org")
    page = await client.get("/surveys/questions", headers=HTML)
    assert page.status_code == 200
    fields = fields_of(page.text)
    assert fields["q0-text-sv"] == DEFAULT_SURVEY["questions"][0]["text"]["sv"]
    assert fields["q0-kind"] == "satisfaction" and "q0-required" not in fields  # fixed: always required
    published = await press(client, page.text, "publish")
    assert published.status_code == 302
    assert await _versions() == [1, 2]
    assert await _current_definition() == DEFAULT_SURVEY


async def test_adding_a_question_publishes_the_next_version_that_new_links_use(client, centre):
    old_link = await _new_link("x0")
    await login(client, "qa@test.org")
    page = await client.get("/surveys/questions", headers=HTML)
    # Every kind is in the default survey: take the comment out, then add it back in new words.
    removed = await press(client, page.text, "remove-4")
    assert removed.status_code == 200 and "q4-kind" in fields_of(removed.text)
    assert fields_of(removed.text)["q4-kind"] == "voice" and "rows" in fields_of(removed.text)
    assert await _versions() == [1]  # a row action publishes nothing
    added = await press(client, removed.text, "add", new_kind="text")
    assert added.status_code == 200
    fields = fields_of(added.text)
    assert fields["rows"] == "6" and fields["q5-kind"] == "text" and fields["q5-text-en"] == ""
    texts = {"en": "What should we do better?", "sv": "Vad borde vi göra bättre?", "nl": "Wat kunnen we beter doen?"}
    published = await press(
        client, added.text, "publish", name="After your call (autumn)", **{f"q5-text-{k}": v for k, v in texts.items()}
    )
    assert published.status_code == 302
    assert await _versions() == [1, 2]
    definition = await _current_definition()
    assert [q["kind"] for q in definition["questions"]] == [
        "satisfaction",
        "resolved",
        "effort",
        "recommend",
        "voice",
        "text",
    ]
    assert definition["questions"][5] == {"code": "comment", "kind": "text", "required": False, "text": texts}
    shown = await client.get(published.headers["location"], headers=HTML)
    assert "After your call (autumn)" in shown.text and "version 2" in shown.text
    new_link = await _new_link("x1")
    assert "Vad borde vi göra bättre?" in (await client.get(f"/s/{new_link.token}?lang=sv")).text
    assert "Vad borde vi" not in (await client.get(f"/s/{old_link.token}?lang=sv")).text


async def test_a_missing_swedish_text_is_shown_beside_it_and_everything_typed_is_kept(client, centre):
    await login(client, "qa@test.org")
    page = await client.get("/surveys/questions", headers=HTML)
    bad = await press(
        client,
        page.text,
        "publish",
        name="Draft of the winter survey",
        **{"q1-text-en": "Did we sort it out?", "q1-text-sv": "  ", "q2-label0-nl": "Heel erg makkelijk"},
    )
    assert bad.status_code == 400
    form = read_form(bad.text)
    fields = dict(form.fields)
    assert fields["name"] == "Draft of the winter survey"
    assert fields["q1-text-en"] == "Did we sort it out?" and fields["q1-text-sv"] == ""
    assert fields["q2-label0-nl"] == "Heel erg makkelijk"
    assert form.invalid == {"q1-text-sv"} and form.described["q1-text-sv"] == "q1-text-sv-error"
    assert form.ids["q1-text-sv-error"] == "Write question 2 in Swedish."
    assert "autofocus" in bad.text.split('id="q1-text-sv"')[1].split(">")[0]  # the keyboard is put there
    assert '<a href="#q1-text-sv">Write question 2 in Swedish.</a>' in bad.text  # and the list on top links it
    assert await _versions() == [1]


async def test_a_second_question_of_one_kind_is_an_error_beside_its_kind(client, centre):
    await login(client, "qa@test.org")
    page = await client.get("/surveys/questions", headers=HTML)
    bad = await press(client, page.text, "publish", **{"q3-kind": "resolved"})
    assert bad.status_code == 400
    form = read_form(bad.text)
    assert "q3-kind" in form.invalid
    assert "only one resolved question" in form.ids["q3-kind-error"]
    assert "answer labels were reset" in form.ids["q3-kind-error"]
    assert dict(form.fields)["q3-kind"] == "resolved"  # kept as chosen
    # Moving satisfaction down is named beside the satisfaction question.
    moved = await press(client, page.text, "down-0")
    assert moved.status_code == 200 and fields_of(moved.text)["q1-kind"] == "satisfaction"
    assert "autofocus" in moved.text.split('id="q1-down"')[1].split(">")[0]
    bad = await press(client, moved.text, "publish")
    assert bad.status_code == 400
    assert "comes first" in read_form(bad.text).ids["q1-kind-error"]
    back = await press(client, moved.text, "up-1")
    assert [fields_of(back.text)[f"q{i}-kind"] for i in range(6)] == [q["kind"] for q in DEFAULT_SURVEY["questions"]]
    assert (await press(client, back.text, "publish")).status_code == 302


async def test_the_json_can_be_loaded_into_the_form_and_keeps_the_name_on_error(client, centre):
    await login(client, "qa@test.org")
    page = await client.get("/surveys/questions", headers=HTML)
    token = csrf_from(page.text)
    bad = await client.post(
        "/surveys/questions",
        data={"definition": "{oops", "name": "Typed name", "action": "import", "_csrf_token": token},
        headers=HTML,
    )
    assert bad.status_code == 400 and "not valid JSON" in bad.text
    assert dict(read_form(bad.text, "/surveys/questions").fields)["name"] == "Typed name"
    edited = copy.deepcopy(DEFAULT_SURVEY)
    edited["questions"][0]["text"]["nl"] = ""
    loaded = await client.post(
        "/surveys/questions",
        data={"definition": json.dumps(edited), "name": "Typed name", "action": "import", "_csrf_token": token},
        headers=HTML,
    )
    assert loaded.status_code == 200
    form = read_form(loaded.text)
    assert form.invalid == {"q0-text-nl"} and dict(form.fields)["name"] == "Typed name"
    assert await _versions() == [1]


@pytest.mark.parametrize(
    "role, read, change",
    [("admin", 200, 200), ("manager", 200, 403), ("qa", 200, 200), ("team_leader", 403, 403), ("agent", 403, 403)],
)
async def test_who_may_edit_the_questions(client, centre, role, read, change):
    await login(client, f"{role}@test.org")
    page = await client.get("/surveys/questions", headers=HTML)
    assert page.status_code == read
    assert ('action="/surveys/questions/draft"' in page.text) == (change == 200)
    token = csrf_from((await client.get("/", headers=HTML)).text)
    added = await client.post(
        DRAFT, data={"rows": "0", "action": "add", "new_kind": "text", "_csrf_token": token}, headers=HTML
    )
    assert added.status_code == change
    published = await client.post(DRAFT, data={"rows": "0", "action": "publish", "_csrf_token": token}, headers=HTML)
    assert published.status_code == (400 if change == 200 else change)  # an empty survey lacks its satisfaction
    assert max(await _versions(), default=1) == 1
