"""Open311 GeoReport v2 on a real database (SQLite and PostgreSQL): each response checked
against the specification's field lists and types (http://wiki.open311.org/GeoReport_v2), in
JSON and in XML, errors included; requests posted here enter the case register as web cases."""

from __future__ import annotations

from xml.etree import ElementTree

import httpx
import pytest

from cases import register
from cases.tables import Case, CaseEvent
from qa_app import api_keys
from qa_app.app import create_app
from qa_app.tables import Department, Service

SERVICE_FIELDS = {
    "service_code": str,
    "service_name": str,
    "description": str,
    "metadata": bool,
    "type": str,
    "keywords": str,
    "group": str,
}
REQUEST_FIELDS = {
    "service_request_id": str,
    "status": str,
    "status_notes": (str, type(None)),
    "service_name": (str, type(None)),
    "service_code": (str, type(None)),
    "description": (str, type(None)),
    "agency_responsible": (str, type(None)),
    "service_notice": (str, type(None)),
    "requested_datetime": str,
    "updated_datetime": (str, type(None)),
    "expected_datetime": (str, type(None)),
    "address": (str, type(None)),
    "address_id": (str, type(None)),
    "zipcode": (str, type(None)),
    "lat": (float, type(None)),
    "long": (float, type(None)),
    "media_url": (str, type(None)),
}
POSTED_FIELDS = {"service_request_id": str, "service_notice": (str, type(None)), "account_id": (str, type(None))}
ERROR_FIELDS = {"code": int, "description": str}


def check(item: dict, fields: dict) -> None:
    assert set(item) == set(fields), set(item) ^ set(fields)
    for name, kind in fields.items():
        assert isinstance(item[name], kind), (name, item[name])


def xml_items(text: bytes, root: str, item: str) -> list[dict[str, str | None]]:
    tree = ElementTree.fromstring(text)
    assert tree.tag == root
    return [{child.tag: child.text for child in node} for node in tree.findall(item)]


@pytest.fixture
async def city(clean_db):
    roads = (await Department.insert(Department(name="Roads and Streets")).returning(Department.id))[0]["id"]
    lights = (
        await Service.insert(
            Service(name="Street light not working", department=roads, keywords="lamp light", target_days=5)
        ).returning(Service.id)
    )[0]["id"]
    potholes = (await Service.insert(Service(name="Pothole report", department=roads)).returning(Service.id))[0]["id"]
    key = await api_keys.create("FixMyStreet", api_keys.Scope.open311)
    app = create_app(manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://city.example") as client:
        yield {"client": client, "key": key, "lights": lights, "potholes": potholes}


async def test_discovery_and_services_in_json_and_xml(city):
    client = city["client"]
    discovery = (await client.get("/open311/v2/discovery.json")).json()
    assert set(discovery) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = discovery["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://city.example/open311/v2/" and set(endpoint["formats"]) == {
        "application/json",
        "text/xml",
    }
    xml = ElementTree.fromstring((await client.get("/open311/v2/discovery.xml")).content)
    assert xml.tag == "discovery" and [f.text for f in xml.find("endpoints/endpoint/formats")] == [
        "application/json",
        "text/xml",
    ]

    services = await client.get("/open311/v2/services.json")
    assert services.status_code == 200 and services.headers["content-type"].startswith("application/json")
    for item in services.json():
        check(item, SERVICE_FIELDS)
        assert item["type"] in ("realtime", "batch", "blackbox") and item["group"] == "Roads and Streets"
    assert {s["service_code"] for s in services.json()} == {str(city["lights"]), str(city["potholes"])}
    as_xml = await client.get("/open311/v2/services.xml")
    assert as_xml.headers["content-type"].startswith("text/xml")
    items = xml_items(as_xml.content, "services", "service")
    assert [set(i) for i in items] == [set(SERVICE_FIELDS)] * 2
    assert {i["metadata"] for i in items} == {"false"}
    definition = (await client.get(f"/open311/v2/services/{city['lights']}.json")).json()
    assert definition == {"service_code": str(city["lights"]), "attributes": []}


async def test_posting_a_request_creates_a_web_case_and_it_can_be_read_back(city):
    client, key = city["client"], city["key"]
    posted = await client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": key,
            "service_code": str(city["lights"]),
            "lat": "59.3293",
            "long": "18.0686",
            "address_string": "Storgatan 5",
            "description": "The street lamp outside number 5 is out.",
            "email": "resident@example.org",
        },
    )
    assert posted.status_code == 201, posted.text
    (created,) = posted.json()
    check(created, POSTED_FIELDS)
    case = await Case.select().where(Case.tracking_number == created["service_request_id"]).first()
    assert (case["channel"], case["source"], case["status"], case["address"]) == (
        "web",
        "open311",
        "open",
        "Storgatan 5",
    )
    assert case["contact"] == "resident@example.org" and case["due"] is not None
    assert await CaseEvent.count().where(CaseEvent.case == case["id"]) == 1
    one = (await client.get(f"/open311/v2/requests/{created['service_request_id']}.json")).json()
    (item,) = one
    check(item, REQUEST_FIELDS)
    assert (item["status"], item["service_code"], item["lat"], item["long"]) == (
        "open",
        str(city["lights"]),
        59.3293,
        18.0686,
    )
    assert item["agency_responsible"] == "Roads and Streets" and item["expected_datetime"] is not None
    (as_xml,) = xml_items(
        (await client.get(f"/open311/v2/requests/{created['service_request_id']}.xml")).content,
        "service_requests",
        "request",
    )
    assert set(as_xml) == set(REQUEST_FIELDS) and as_xml["status"] == "open" and as_xml["lat"] == "59.3293"
    # XML post, and the standard filters.
    second = await client.post(
        "/open311/v2/requests.xml",
        data={
            "api_key": key,
            "service_code": str(city["potholes"]),
            "address_string": "Mill Road",
            "description": "Deep hole",
        },
    )
    assert second.status_code == 201
    (posted_xml,) = xml_items(second.content, "service_requests", "request")
    assert set(posted_xml) == set(POSTED_FIELDS)
    await register.set_status(case["id"], "resolved", "lamp replaced", None)
    open_ones = (await client.get("/open311/v2/requests.json?status=open")).json()
    closed_ones = (await client.get("/open311/v2/requests.json?status=closed")).json()
    assert [r["service_request_id"] for r in open_ones] == [posted_xml["service_request_id"]]
    assert [r["service_request_id"] for r in closed_ones] == [created["service_request_id"]]
    by_code = (await client.get(f"/open311/v2/requests.json?service_code={city['potholes']}")).json()
    assert [r["description"] for r in by_code] == ["Deep hole"]
    later = (await client.get("/open311/v2/requests.json?start_date=2099-01-01T00:00:00Z")).json()
    assert later == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_errors_in_the_standard_format(city, fmt):
    client, key = city["client"], city["key"]

    async def errors(response: httpx.Response) -> list[dict]:
        if fmt == "json":
            body = response.json()
            for item in body:
                check(item, ERROR_FIELDS)
            return body
        items = xml_items(response.content, "errors", "error")
        return [{"code": int(i["code"]), "description": i["description"]} for i in items]

    request = {"service_code": str(city["lights"]), "lat": "59.3", "long": "18.0", "description": "Lamp out"}
    missing_key = await client.post(f"/open311/v2/requests.{fmt}", data=request)
    assert missing_key.status_code == 403
    assert (await errors(missing_key))[0] == {
        "code": 403,
        "description": "api_key is required to post a service request",
    }
    wrong_key = await client.post(f"/open311/v2/requests.{fmt}", data={**request, "api_key": "nope"})
    assert wrong_key.status_code == 403 and (await errors(wrong_key))[0]["code"] == 403
    unknown = await client.post(f"/open311/v2/requests.{fmt}", data={**request, "api_key": key, "service_code": "999"})
    assert unknown.status_code == 404 and (await errors(unknown))[0]["code"] == 404
    nowhere = await client.post(
        f"/open311/v2/requests.{fmt}", data={"api_key": key, "service_code": str(city["lights"]), "description": "x"}
    )
    assert nowhere.status_code == 400 and "location" in (await errors(nowhere))[0]["description"]
    no_request = await client.get(f"/open311/v2/requests/2026-999999.{fmt}")
    assert no_request.status_code == 404 and (await errors(no_request))[0]["code"] == 404
    no_service = await client.get(f"/open311/v2/services/999.{fmt}")
    assert no_service.status_code == 404
    no_token = await client.get(f"/open311/v2/tokens/abc.{fmt}")
    assert no_token.status_code == 404
    bad_filter = await client.get(f"/open311/v2/requests.{fmt}?status=pending")
    assert bad_filter.status_code == 400 and (await errors(bad_filter))[0]["description"] == "status is open or closed"
    assert await Case.count() == 0
    no_format = await client.get("/open311/v2/services.html")
    assert no_format.status_code == 400 and no_format.json()[0]["code"] == 400


async def test_only_what_residents_posted_or_staff_published_is_public(city):
    """An agent's case from a call (their notes about the resident, the address) is not on
    Open311 at all, by list, by number or by walking the numbers; a posted request is, as
    posted; a case staff publish shows their public text, never the agent's notes."""
    client, key = city["client"], city["key"]
    phoned = await register.create_case(
        channel="phone",
        description="Resident reports: housing claim benefit, elderly resident",
        service_id=city["lights"],
        address="Storgatan 5",
    )
    posted = (
        await client.post(
            "/open311/v2/requests.json",
            data={
                "api_key": key,
                "service_code": str(city["potholes"]),
                "address_string": "Mill Road",
                "description": "Deep hole",
            },
        )
    ).json()[0]["service_request_id"]
    everything = (await client.get("/open311/v2/requests.json")).json()
    assert [r["service_request_id"] for r in everything] == [posted]
    for fmt in ("json", "xml"):
        hidden = await client.get(f"/open311/v2/requests/{phoned['tracking_number']}.{fmt}")
        assert hidden.status_code == 404
    walked = (await client.get(f"/open311/v2/requests.json?service_request_id={phoned['tracking_number']}")).json()
    assert walked == []
    assert "housing" not in (await client.get("/open311/v2/requests.xml")).text

    await Case.update({Case.public: True, Case.public_description: "Street lamp out"}).where(Case.id == phoned["id"])
    (shown,) = (await client.get(f"/open311/v2/requests/{phoned['tracking_number']}.json")).json()
    assert (shown["description"], shown["address"]) == ("Street lamp out", "Storgatan 5")
    check(shown, REQUEST_FIELDS)


async def test_posted_fields_are_checked_and_the_client_is_recorded(city):
    client, key = city["client"], city["key"]
    base = {"api_key": key, "service_code": str(city["lights"]), "description": "Lamp out"}
    for bad in (
        {"lat": "59.3", "long": "inf"},
        {"lat": "nan", "long": "18.0"},
        {"lat": "59.3"},  # one without the other
        {"long": "inf", "address_string": "Mill Road"},
        {"address_string": "x" * 400},
        {"address_string": "Mill Road", "email": "a" * 300 + "@example.org"},
        {"address_string": "Mill Road", "description": "x" * 5000},
    ):
        response = await client.post("/open311/v2/requests.json", data={**base, **bad})
        assert response.status_code == 400, (bad, response.text)
    in_query = await client.post(
        f"/open311/v2/requests.json?api_key={key}",
        data={k: v for k, v in base.items() if k != "api_key"} | {"address_string": "Mill Road"},
    )
    assert in_query.status_code == 403  # the key is taken from the body only
    assert await Case.count() == 0
    good = await client.post("/open311/v2/requests.json", data={**base, "address_string": "Mill Road"})
    assert good.status_code == 201
    case = await Case.select(Case.api_client.name.as_alias("client")).first()
    assert case["client"] == "FixMyStreet"
    assert (await client.get("/open311/v2/requests.json")).status_code == 200


async def test_staff_publish_a_case_with_a_text_of_their_own(client, centre):
    from tests.web import HTML, csrf_from, login

    service = (await Service.insert(Service(name="Graffiti removal")).returning(Service.id))[0]["id"]
    call = centre["calls"][centre["agents"]["1"]][0]
    case = await register.create_case(
        channel="phone", description="Caller upset, lives alone", service_id=service, call_id=call, address="Bridge 2"
    )
    await login(client, "qa@test.org")
    page = await client.get(f"/cases/{case['id']}", headers=HTML)
    assert "Not published" in page.text
    url = f"/cases/{case['id']}/publish"
    empty = await client.post(url, data={"public": "yes", "_csrf_token": csrf_from(page.text)}, headers=HTML)
    assert empty.status_code == 400 and "Write the text the public may read" in empty.text
    published = await client.post(
        url,
        data={"public": "yes", "public_description": "Graffiti on the bridge", "_csrf_token": csrf_from(page.text)},
        headers=HTML,
    )
    assert published.status_code == 302
    (shown,) = (await client.get(f"/open311/v2/requests/{case['tracking_number']}.json")).json()
    assert (shown["description"], shown["address"]) == ("Graffiti on the bridge", "Bridge 2")
    await client.post(url, data={"_csrf_token": csrf_from(page.text)}, headers=HTML)  # withdrawn
    assert (await client.get(f"/open311/v2/requests/{case['tracking_number']}.json")).status_code == 404
    await client.post("/logout", data={"_csrf_token": csrf_from(page.text)}, headers=HTML)
    await login(client, "agent_b@test.org")  # another agent's case: as if it did not exist
    other = await client.get("/", headers=HTML)
    refused = await client.post(
        url, data={"public": "yes", "public_description": "x", "_csrf_token": csrf_from(other.text)}, headers=HTML
    )
    assert refused.status_code == 404
