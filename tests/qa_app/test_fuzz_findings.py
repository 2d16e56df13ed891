"""What the schema fuzzing (test_api_fuzz.py) found: each input once answered a 500, on SQLite
or on PostgreSQL. Each is pinned here on both databases: a client's mistake answers 4xx in the
route's own error format (Open311's `[{"code": ..., "description": ...}]` under /open311/),
never a server error."""

from __future__ import annotations

import httpx
import pytest

from cases import register
from qa_app import api_keys
from qa_app.app import create_app
from qa_app.tables import Department, Service
from tests.web import HTML, login

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
async def city(clean_db):
    roads = (await Department.insert(Department(name="Roads")).returning(Department.id))[0]["id"]
    lights = (await Service.insert(Service(name="Street light", department=roads)).returning(Service.id))[0]["id"]
    key = await api_keys.create("FixMyStreet", api_keys.Scope.open311)
    await register.create_case(
        channel="web", description="Lamp out", service_id=lights, address="Main Street 1", source="open311"
    )
    app = create_app(manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://city.example") as client:
        yield {"client": client, "key": key, "lights": lights}


def open311_errors(response: httpx.Response, status: int) -> list[dict]:
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert isinstance(body, list) and body and set(body[0]) == {"code", "description"}, body
    assert body[0]["code"] == status
    return body


# Each test below tries its inputs one after another on one small city: setting the city up
# costs more than a request, and the suite stays short.


async def test_open311_request_filters(city):
    for query in (
        "service_code=99999999999999999999",  # past a 64-bit integer
        "service_code=9223372036854775808",
        "service_code=2147483648",  # past PostgreSQL's integer
        "service_code=,",  # only separators
        "service_code=%2C%2C%2C",
        "service_request_id=,",
        "service_request_id=%20,%20",
        "status=,",
    ):
        response = await city["client"].get(f"/open311/v2/requests.json?{query}")
        assert response.status_code in (200, 400), (query, response.status_code, response.text)
        if response.status_code == 400:
            open311_errors(response, 400)
        elif "," in query or "%2C" in query:  # only separators: no filter
            assert [r["description"] for r in response.json()] == ["Lamp out"], query
        else:  # a code no service can have
            assert response.json() == [], query


async def test_open311_dates_at_the_ends_of_the_calendar(city):
    moments = (
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59-23:59",
        "0001-01-01",
        "9999-12-31T23:59:59.999999",
    )
    for name in ("start_date", "end_date"):
        for moment in moments:
            response = await city["client"].get("/open311/v2/requests.json", params={name: moment})
            assert response.status_code in (200, 400), (name, moment, response.status_code, response.text)
            if response.status_code == 400:
                open311_errors(response, 400)


async def test_open311_huge_service_code(city):
    for path in ("services/99999999999999999999.json", "services/2147483648.json"):
        open311_errors(await city["client"].get(f"/open311/v2/{path}"), 404)


async def test_open311_huge_service_code_in_a_post(city):
    data = {"api_key": city["key"], "service_code": "9" * 30, "address_string": "Main Street", "description": "x"}
    open311_errors(await city["client"].post("/open311/v2/requests.json", data=data), 404)


async def test_open311_nul_and_control_characters(city):
    for field in ("description", "address_string", "email", "first_name"):
        for text in ("Lamp\x00out", "Lamp\x01out\x1b", "\x7f"):
            data = {"api_key": city["key"], "service_code": str(city["lights"]), "address_string": "Main Street 2"}
            data["description"] = "Lamp out"
            data[field] = text
            response = await city["client"].post("/open311/v2/requests.json", data=data)
            if "\x00" in text or (field in ("description", "address_string") and not text.strip("\x01\x1b\x7f")):
                # A NUL is refused; a description (or the only location) of control characters is empty.
                open311_errors(response, 400)
                continue
            # Other control characters are dropped, the rest is kept, and XML can carry what is kept.
            assert response.status_code == 201, (field, text, response.text)
            number = response.json()[0]["service_request_id"]
            as_xml = await city["client"].get(f"/open311/v2/requests/{number}.xml")
            assert as_xml.status_code in (200, 404), as_xml.text  # 404: only the description is published


async def test_open311_nul_in_a_filter_or_a_path(city):
    for query in ("service_request_id=a%00b", "service_code=1%00", "start_date=2026%00"):
        open311_errors(await city["client"].get(f"/open311/v2/requests.json?{query}"), 400)
    for path in ("requests/a%00b.json", "tokens/a%00b.json", "services/1%00.json"):
        response = await city["client"].get(f"/open311/v2/{path}")
        assert response.status_code in (400, 404), (path, response.status_code)
        open311_errors(response, response.status_code)


async def test_open311_framework_errors_keep_the_open311_format(city):
    # A body the framework refuses before the handler (a malformed multipart body).
    response = await city["client"].post(
        "/open311/v2/requests.json",
        content=b"--x\r\nbroken",
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert response.status_code < 500
    open311_errors(response, response.status_code)


async def test_control_characters_in_a_description_stay_out_of_json_and_xml(city):
    data = {"api_key": city["key"], "service_code": str(city["lights"]), "address_string": "Main Street 3"}
    posted = await city["client"].post("/open311/v2/requests.json", data={**data, "description": "Lamp\x01\x0b out"})
    number = posted.json()[0]["service_request_id"]
    for fmt in ("json", "xml"):
        response = await city["client"].get(f"/open311/v2/requests/{number}.{fmt}")
        assert response.status_code == 200 and "\x01" not in response.text and "Lamp out" in response.text


async def test_a_malformed_session_cookie_is_no_session(city):
    client = city["client"]
    for cookie in ("\x00", "a\x00b", "x" * 5000, "%00", "\u00e9\u00e9", "\x7f"):
        for path in ("/", "/calls", "/health"):
            response = await client.get(path, headers={"cookie": f"qa_session={cookie}".encode("latin-1"), **HTML})
            # No session: the pages send the visitor to sign in; the health check answers.
            expected = 200 if path == "/health" else 302
            assert response.status_code == expected, (cookie[:10], path, response.status_code, response.text[:300])


async def test_call_list_filters_and_ids_past_the_database_integers(centre, client):
    assert (await login(client, "admin@test.org")).status_code in (302, 303)
    for query in (
        "agent=99999999999",
        "agent=9223372036854775808",
        "team=99999999999",
        "date_from=0001-01-01",
        "date_to=0001-01-01",
        "date_from=9999-12-31",
        "date_to=9999-12-31",
        "before=,",
        "after=,",
        "before=99999999999",
        "after=%00",
        "queue=%00",
        "queue=a%00b",
    ):
        response = await client.get(f"/calls?{query}", headers=HTML)
        assert response.status_code in (200, 400), (query, response.status_code, response.text[:500])
    for path in ("/calls/99999999999", "/calls/9223372036854775808", "/reports/agents/99999999999.pdf"):
        response = await client.get(path, headers=HTML)
        assert response.status_code == 404, (path, response.status_code, response.text[:500])


async def test_a_nul_in_an_ivr_call_id(city):
    key = await api_keys.create("Phone system", api_keys.Scope.surveys)
    response = await city["client"].post(
        "/api/surveys/ivr", json={"call_id": "a\x00b", "satisfaction": 4}, headers={"x-api-key": key}
    )
    assert response.status_code == 400 and "NUL" in response.json()["detail"], response.text
    voice = await city["client"].post(
        "/api/surveys/ivr/a%00b/voice", content=b"RIFF", headers={"x-api-key": key, "content-type": "audio/wav"}
    )
    assert voice.status_code == 400, voice.text
