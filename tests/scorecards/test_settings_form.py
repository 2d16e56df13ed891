"""The scorecard settings form: each label bound to its own input, weights as percentages that
must add up to 100, and a refused form keeping what was typed."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from scorecards import config
from tests.web import HTML, csrf_from, login


class FormFields(HTMLParser):
    """The ids of the form's inputs and selects (not hidden ones), and the `for` of its labels."""

    def __init__(self) -> None:
        super().__init__()
        self.in_form = False
        self.inputs: list[str | None] = []
        self.labels: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and attributes.get("action") == "/scorecards/settings":
            self.in_form = True
        elif self.in_form and tag in ("input", "select") and attributes.get("type") != "hidden":
            self.inputs.append(attributes.get("id"))
        elif self.in_form and tag == "label":
            self.labels.append(attributes.get("for"))

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False


def _fields(html: str) -> FormFields:
    parser = FormFields()
    parser.feed(html)
    return parser


def _value(html: str, name: str) -> str:
    return re.search(rf'name="{name}"[^>]*value="([^"]*)"', html).group(1)


def _form(html: str) -> dict[str, str]:
    names = re.findall(r'<input id="[^"]+" name="([^"]+)"', html)
    return {name: _value(html, name) for name in names} | {"_csrf_token": csrf_from(html)}


async def test_every_input_has_exactly_one_label_of_its_own(client):
    await login(client, "admin@test.org")
    page = await client.get("/scorecards/settings", headers=HTML)
    assert page.status_code == 200
    fields = _fields(page.text)
    assert len(fields.inputs) == 14  # four weights, six targets, four marking rules
    assert None not in fields.inputs
    for input_id in fields.inputs:
        assert fields.labels.count(input_id) == 1, input_id
    assert sorted(fields.labels) == sorted(fields.inputs)


async def test_weights_are_shown_as_percentages(client):
    await login(client, "admin@test.org")
    page = (await client.get("/scorecards/settings", headers=HTML)).text
    for part in config.PARTS:
        assert float(_value(page, f"weight_{part}")) == config.DEFAULTS["weights"][part] * 100
    assert ">100% ✓</output>" in page


async def test_weights_not_adding_up_to_100_are_refused_with_the_total_and_typed_values_kept(client):
    await login(client, "admin@test.org")
    page = (await client.get("/scorecards/settings", headers=HTML)).text
    form = _form(page) | {
        "weight_quality": "50",
        "weight_customer": "20",
        "weight_efficiency": "20",
        "weight_people": "20",
        "per_agent": "9",
        "target_csat": "77",
    }
    response = await client.post("/scorecards/settings", data=form, headers=HTML)
    assert response.status_code == 400
    error = re.search(r'id="weights-error">([^<]*)<', response.text).group(1)
    assert "110%" in error and "100%" in error
    assert ">110%</output>" in response.text
    for name, typed in (("weight_quality", "50"), ("weight_people", "20"), ("per_agent", "9"), ("target_csat", "77")):
        assert _value(response.text, name) == typed
    # Nothing stored: the page still shows the defaults.
    stored = await config.load()
    assert stored["weights"] == config.DEFAULTS["weights"] and stored["per_agent"] == config.DEFAULTS["per_agent"]


async def test_a_field_that_is_not_a_number_is_marked_beside_it(client):
    await login(client, "admin@test.org")
    page = (await client.get("/scorecards/settings", headers=HTML)).text
    response = await client.post("/scorecards/settings", data=_form(page) | {"min_seconds": "half"}, headers=HTML)
    assert response.status_code == 400
    assert re.search(r'id="s-min-error">[^<]+<', response.text)
    assert _value(response.text, "min_seconds") == "half"


async def test_a_valid_save_stores_the_weights_as_fractions(client):
    await login(client, "admin@test.org")
    page = (await client.get("/scorecards/settings", headers=HTML)).text
    typed = {"weight_quality": "55", "weight_customer": "25", "weight_efficiency": "12.5", "weight_people": "7.5"}
    response = await client.post(
        "/scorecards/settings", data=_form(page) | typed | {"target_csat": "75"}, headers=HTML, follow_redirects=False
    )
    assert response.status_code in (302, 303), response.text[:500]
    stored = await config.load()
    assert stored["weights"] == {"quality": 0.55, "customer": 0.25, "efficiency": 0.125, "people": 0.075}
    assert abs(stored["targets"]["csat"] - 0.75) < 1e-9
    again = (await client.get("/scorecards/settings", headers=HTML)).text
    assert _value(again, "weight_efficiency") == "12.5"
    assert ">100% ✓</output>" in again


async def test_the_total_is_given_for_the_weights_being_typed(client):
    await login(client, "admin@test.org")
    page = (await client.get("/scorecards/settings", headers=HTML)).text
    typed = {"weight_quality": "30", "weight_customer": "20", "weight_efficiency": "20", "weight_people": "22.5"}
    response = await client.post("/scorecards/settings/total", data=_form(page) | typed, headers=HTML)
    assert response.status_code == 200
    assert response.text.strip() == "92.5%"
    exact = typed | {"weight_people": "30"}
    response = await client.post("/scorecards/settings/total", data=_form(page) | exact, headers=HTML)
    assert response.text.strip() == "100% ✓"
    client.cookies.clear()
    await login(client, "manager@test.org")
    refused = await client.post("/scorecards/settings/total", data=_form(page) | typed, headers=HTML)
    assert refused.status_code == 403
