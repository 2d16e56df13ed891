"""Open311 GeoReport v2 under `/open311/v2/`: the open standard that city apps (FixMyStreet and
others) speak. Every resource in JSON and XML (`services.json`, `services.xml`...); errors in
the standard format, `[{"code": 404, "description": "..."}]` or `<errors><error>...`; posting a
request needs an `api_key` (`qa cases api-client --name NAME` makes one). Requests posted here
enter the case register with channel "web".

Field lists follow http://wiki.open311.org/GeoReport_v2. Services use our catalogue: the code
is the service's id, the group its department.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any
from xml.etree import ElementTree

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import PathParameter, QueryParameter

from cases import register
from cases.case_rules import DONE_STATUSES
from cases.tables import Case
from qa_app import api_keys, i18n, limits
from qa_app.settings import get_settings
from qa_app.tables import Service
from qa_app.web import dynamic_form

open311_rate_limit = limits.per_minute(120)
SPEC = "http://wiki.open311.org/GeoReport_v2"
FORMATS = {"json": "application/json", "xml": "text/xml"}
MAX_DESCRIPTION = 4000
MAX_FIELD = {"address_string": 300, "email": 254, "phone": 50, "first_name": 100, "last_name": 100}
# What Open311 shows: requests residents posted through it, and cases staff published. Anything
# else (a case an agent logged from a call, in their own words) answers as if it did not exist.
PUBLIC = (Case.source == "open311") | (Case.public == True)  # noqa: E712
MAX_REQUESTS = 1000  # the newest first, as GeoReport v2 lets a server limit a search


LARGEST_ID = 2**31 - 1  # ids are PostgreSQL integers: a larger code names nothing
# Control characters a resident's text may not keep (tab and line breaks may stay); NUL is refused.
CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # what XML 1.0 cannot carry


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def _split(name: str) -> tuple[str, str]:
    """ "services.json" -> ("services", "json"); an unknown format is a 400."""
    base, dot, fmt = name.rpartition(".")
    if not dot or fmt not in FORMATS:
        raise Open311Error(400, "add .json or .xml to the address to choose the format")
    return base, fmt


def _id(code: str) -> int | None:
    """A service code as the id it names, or None when it cannot name one (not ASCII digits,
    or past the database's integers)."""
    code = code.strip()
    if not (code.isascii() and code.isdigit()):
        return None
    number = int(code)
    return number if 0 < number <= LARGEST_ID else None


def _clean(name: str, value: str) -> str:
    """A resident's text without control characters; one with a NUL is refused."""
    if "\x00" in value:
        raise Open311Error(400, f"{name} holds a NUL character")
    return CONTROL.sub("", value)


def _xml(root: str, item: str | None, data: Any) -> bytes:
    element = ElementTree.Element(root)

    def fill(parent: ElementTree.Element, value: Any, child_name: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                node = ElementTree.SubElement(parent, key)
                if isinstance(inner, list):
                    singular = {
                        "endpoints": "endpoint",
                        "formats": "format",
                        "attributes": "attribute",
                        "values": "value",
                    }
                    for entry in inner:
                        fill(ElementTree.SubElement(node, singular.get(key, "item")), entry, "item")
                else:
                    fill(node, inner, key)
        elif isinstance(value, bool):
            parent.text = "true" if value else "false"
        elif value is not None:
            parent.text = NOT_XML.sub("", str(value))

    if item is None:
        fill(element, data, root)
    else:
        for entry in data:
            fill(ElementTree.SubElement(element, item), entry, item)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(element, encoding="utf-8")


def _respond(fmt: str, root: str, item: str | None, data: Any, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(_xml(root, item, data), media_type=FORMATS["xml"], status_code=status)
    return Response(data, media_type=FORMATS["json"], status_code=status)


def _error(error: Open311Error, fmt: str) -> Response:
    body = [{"code": error.status, "description": error.description}]
    return _respond(fmt if fmt in FORMATS else "json", "errors", "error", body, error.status)


def open311_exception(request: Request, exc: HTTPException) -> Response:
    """What the framework refuses before a handler runs (a malformed body, a NUL in the address,
    too many requests) answers in Open311's error format too."""
    fmt = request.url.path.rpartition(".")[2]
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail else "the request cannot be read"
    response = _error(Open311Error(exc.status_code, detail), fmt)
    response.headers.update(getattr(exc, "headers", None) or {})
    return response


OPEN311_ERRORS = {HTTPException: open311_exception}


# The OpenAPI document (/schema): what each route takes and answers, so that clients and the
# schema fuzzing (tests/qa_app/test_api_fuzz.py) see every Open311 operation.
class ErrorItem(msgspec.Struct):
    code: int
    description: str


def _errors(*statuses: int) -> dict[int, ResponseSpec]:
    meaning = {
        400: "A field or filter is not valid; the description says which.",
        403: "api_key is missing or not valid.",
        404: "No such resource, request, service or token.",
        429: "Too many requests from this address in a minute.",
    }
    return {
        status: ResponseSpec(data_container=list[ErrorItem], description=meaning[status], generate_examples=False)
        for status in statuses
    }


def _resource(description: str, pattern: str) -> Any:
    """A path segment documented with the pattern of the names it serves (not enforced by the
    framework: a name outside it answers an Open311 error)."""
    return PathParameter(description=description, schema_extra={"pattern": pattern})


def _filter(description: str, **schema: Any) -> Any:
    return QueryParameter(description=description, schema_extra=schema or None)


POSTED_FIELDS = {
    "api_key": "The key of the posting client (`qa cases api-client --name NAME`); only in the body.",
    "service_code": "A service_code from services.json.",
    "lat": "Latitude in decimal degrees (WGS84); with long, or give address_string.",
    "long": "Longitude in decimal degrees (WGS84).",
    "address_string": "The address, at most 300 characters.",
    "description": f"What the resident reports, at most {MAX_DESCRIPTION} characters.",
    "email": "Where the reply goes; not published.",
    "first_name": "Not published.",
    "last_name": "Not published.",
    "phone": "Not kept.",
}


@dataclass
class _PostRequestOperation(Operation):
    """POST requests.json: the body is a form whose fields Open311 names (read by the handler
    itself, so that every mistake answers in Open311's format)."""

    def __post_init__(self) -> None:
        properties = {name: Schema(type=OpenAPIType.STRING, description=text) for name, text in POSTED_FIELDS.items()}
        form = OpenAPIMediaType(
            schema=Schema(
                type=OpenAPIType.OBJECT,
                properties=properties,
                required=["api_key", "service_code", "description"],
            )
        )
        self.request_body = RequestBody(
            content={"application/x-www-form-urlencoded": form, "multipart/form-data": form}, required=True
        )


def _time(value: datetime | None) -> str | None:
    return value.astimezone(get_settings().timezone).isoformat(timespec="seconds") if value else None


async def _services() -> list[dict[str, Any]]:
    rows = await Service.select(
        Service.id, Service.name, Service.keywords, Service.department.name.as_alias("department")
    ).order_by(Service.name)
    return [
        {
            "service_code": str(r["id"]),
            "service_name": r["name"],
            "description": r["name"],
            "metadata": False,
            "type": "realtime",
            "keywords": ", ".join(k for k in (r["keywords"] or "").split() if k),
            "group": r["department"] or "",
        }
        for r in rows
    ]


def _request_fields(row: dict[str, Any]) -> dict[str, Any]:
    expected = datetime.combine(row["due"], datetime.min.time(), tzinfo=get_settings().timezone) if row["due"] else None
    return {
        "service_request_id": row["tracking_number"],
        "status": "closed" if row["status"] in DONE_STATUSES else "open",
        "status_notes": row["status"].replace("_", " "),
        "service_name": row.get("service_name"),
        "service_code": str(row["service"]) if row["service"] else None,
        # What the resident posted, or the text staff published: never an agent's own notes.
        "description": row["description"] if row["source"] == "open311" else row["public_description"],
        "agency_responsible": row.get("department"),
        "service_notice": None,
        "requested_datetime": _time(row["created_at"]),
        "updated_datetime": _time(row["updated_at"]),
        "expected_datetime": _time(expected),
        "address": row["address"] or None,
        "address_id": None,
        "zipcode": None,
        "lat": row["lat"],
        "long": row["lon"],
        "media_url": None,
    }


@get(
    "/open311/v2/{resource:str}",
    summary="Open311: discovery, the list of services, or a search of service requests",
    description="GeoReport v2 (http://wiki.open311.org/GeoReport_v2): `discovery`, `services` or `requests`, "
    "with `.json` or `.xml` for the format. The filters apply to `requests` only; it lists requests posted "
    "through Open311 and cases staff published, the newest 1000 at most. Errors are a list of "
    '`{"code": ..., "description": ...}`.',
    tags=["open311"],
    middleware=[open311_rate_limit.middleware],
    exception_handlers=OPEN311_ERRORS,
    responses=_errors(400, 404, 429),
)
async def open311_get(
    request: Request,
    resource: Annotated[
        str, _resource("discovery, services or requests, .json or .xml", r"^(discovery|services|requests)\.(json|xml)$")
    ],
    service_request_id: Annotated[str | None, _filter("Tracking numbers, comma-separated (at most 50).")] = None,
    service_code: Annotated[str | None, _filter("Service codes from services.json, comma-separated.")] = None,
    start_date: Annotated[str | None, _filter("Requests made at or after this time.", format="date-time")] = None,
    end_date: Annotated[str | None, _filter("Requests made at or before this time.", format="date-time")] = None,
    status: Annotated[str | None, _filter("open, closed, or both comma-separated.")] = None,
) -> Response:
    fmt = resource.rpartition(".")[2]
    try:
        base, fmt = _split(resource)
        if base == "discovery":
            url = str(request.base_url).rstrip("/") + "/open311/v2/"
            return _respond(
                fmt,
                "discovery",
                None,
                {
                    "changeset": "2026-11-24T00:00:00Z",
                    "contact": "The contact centre's quality team",
                    "key_service": "Ask the contact centre for an API key",
                    "endpoints": [
                        {
                            "specification": SPEC,
                            "url": url,
                            "changeset": "2026-11-24T00:00:00Z",
                            "type": "production",
                            "formats": list(FORMATS.values()),
                        }
                    ],
                },
            )
        if base == "services":
            return _respond(fmt, "services", "service", await _services())
        if base == "requests":
            return _respond(fmt, "service_requests", "request", await _find_requests(request))
        raise Open311Error(404, f"no resource {base!r} here")
    except Open311Error as error:
        return _error(error, fmt)


async def _find_requests(request: Request) -> list[dict[str, Any]]:
    params = request.query_params
    where = PUBLIC
    # A list that holds only separators (",", " , ") is no filter at all.
    if ids := [i.strip() for i in params.get("service_request_id", "").split(",") if i.strip()]:
        where &= Case.tracking_number.is_in(ids[:50])
    if codes := [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]:
        if not all(c.isascii() and c.isdigit() for c in codes):
            raise Open311Error(400, "service_code is a code from services.json")
        # A code past the database's integers names no service: it matches nothing.
        where &= Case.service.is_in([number for c in codes if (number := _id(c)) is not None] or [-1])
    for name, operator in (("start_date", ">="), ("end_date", "<=")):
        if value := params.get(name, "").strip():
            moment = _moment(name, value)
            where &= (Case.created_at >= moment) if operator == ">=" else (Case.created_at <= moment)
    if status := params.get("status"):
        wanted = {s.strip() for s in status.split(",")}
        if not wanted <= {"open", "closed"}:
            raise Open311Error(400, "status is open or closed")
        if wanted == {"open"}:
            where &= Case.status.not_in(list(DONE_STATUSES))
        elif wanted == {"closed"}:
            where &= Case.status.is_in(list(DONE_STATUSES))
    return [_request_fields(r) for r in await register.case_rows(where, limit=MAX_REQUESTS)]


def _moment(name: str, value: str) -> datetime:
    """A filter's date and time in UTC; one the calendar cannot hold in UTC (the year 1 at
    +23:59) is a 400 like any other bad date."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise Open311Error(400, f"{name} is a date and time like 2026-11-01T00:00:00Z") from None


@get(
    "/open311/v2/requests/{resource:str}",
    summary="Open311: one service request by its tracking number",
    description="`2026-000123.json` or `.xml`. A case that was not posted through Open311 nor published by staff "
    "answers 404, as one that does not exist.",
    tags=["open311"],
    middleware=[open311_rate_limit.middleware],
    exception_handlers=OPEN311_ERRORS,
    responses=_errors(400, 404, 429),
)
async def open311_request(
    resource: Annotated[str, _resource("The tracking number, .json or .xml", r"^[0-9]{4}-[0-9]{6}\.(json|xml)$")],
) -> Response:
    fmt = resource.rpartition(".")[2]
    try:
        number, fmt = _split(resource)
        rows = await register.case_rows((Case.tracking_number == number) & PUBLIC, limit=1)
        if not rows:
            raise Open311Error(404, f"no service request {number}")
        return _respond(fmt, "service_requests", "request", [_request_fields(rows[0])])
    except Open311Error as error:
        return _error(error, fmt)


@get(
    "/open311/v2/services/{resource:str}",
    summary="Open311: a service's definition (its extra attributes: none here)",
    tags=["open311"],
    middleware=[open311_rate_limit.middleware],
    exception_handlers=OPEN311_ERRORS,
    responses=_errors(400, 404, 429),
)
async def open311_service(
    resource: Annotated[str, _resource("The service_code, .json or .xml", r"^[0-9]+\.(json|xml)$")],
) -> Response:
    fmt = resource.rpartition(".")[2]
    try:
        code, fmt = _split(resource)
        if (number := _id(code)) is None or not await Service.exists().where(Service.id == number):
            raise Open311Error(404, f"no service {code!r}")
        return _respond(fmt, "service_definition", None, {"service_code": code, "attributes": []})
    except Open311Error as error:
        return _error(error, fmt)


@get(
    "/open311/v2/tokens/{resource:str}",
    summary="Open311: the service request a posting token became",
    tags=["open311"],
    middleware=[open311_rate_limit.middleware],
    exception_handlers=OPEN311_ERRORS,
    responses=_errors(400, 404, 429),
)
async def open311_token(
    resource: Annotated[str, _resource("The token, .json or .xml", r"^[A-Za-z0-9_-]{1,64}\.(json|xml)$")],
) -> Response:
    fmt = resource.rpartition(".")[2]
    try:
        token, fmt = _split(resource)
        row = await Case.select(Case.tracking_number).where((Case.open311_token == token) & PUBLIC).first()
        if row is None:
            raise Open311Error(404, "no request with this token")
        return _respond(
            fmt, "service_requests", "request", [{"service_request_id": row["tracking_number"], "token": token}]
        )
    except Open311Error as error:
        return _error(error, fmt)


def _position(lat: str, lon: str) -> tuple[float | None, float | None]:
    """Both or neither, finite, on the Earth: (lat, long) in decimal degrees."""
    if not lat and not lon:
        return None, None
    try:
        lat_value, lon_value = float(lat), float(lon)
    except ValueError:
        raise Open311Error(400, "lat and long are decimal degrees, both or neither") from None
    if not (math.isfinite(lat_value) and math.isfinite(lon_value)):
        raise Open311Error(400, "lat and long are decimal degrees, not infinity")
    if not (-90 <= lat_value <= 90 and -180 <= lon_value <= 180):
        raise Open311Error(400, "lat and long are outside the world")
    return lat_value, lon_value


@post(
    "/open311/v2/{resource:str}",
    summary="Open311: post a service request",
    description="`requests.json` or `requests.xml`, the fields as a form (or in the query string, except "
    "`api_key`). 201 with the new tracking number; it enters the case register as a web case.",
    tags=["open311"],
    middleware=[open311_rate_limit.middleware],
    exception_handlers=OPEN311_ERRORS,
    status_code=201,
    operation_class=_PostRequestOperation,
    responses=_errors(400, 403, 404, 429),
)
async def open311_post(
    request: Request,
    resource: Annotated[str, _resource("requests.json or requests.xml", r"^requests\.(json|xml)$")],
) -> Response:
    fmt = resource.rpartition(".")[2]
    try:
        base, fmt = _split(resource)
        if base != "requests":
            raise Open311Error(404, f"nothing to post to {base!r}")
        # Not a struct: a body the framework could not convert would answer its own 400, not an
        # Open311 error; and the fields may come in the query string too. One text per field.
        form = {k: str(v[-1] if isinstance(v, list) else v) for k, v in (await dynamic_form(request)).items()}
        # Fields may come in the query string too, but never the key: an address ends up in logs.
        form.update({k: v for k, v in request.query_params.items() if k not in form and k != "api_key"})
        form = {k: _clean(k, v) for k, v in form.items()}
        if not form.get("api_key"):
            raise Open311Error(403, "api_key is required to post a service request")
        client = await api_keys.client_for(form["api_key"], api_keys.Scope.open311)
        if client is None:
            raise Open311Error(403, "api_key is not valid")
        code = form.get("service_code", "").strip()
        if not code:
            raise Open311Error(400, "service_code is required")
        if (service_id := _id(code)) is None or not await Service.exists().where(Service.id == service_id):
            raise Open311Error(404, f"service_code {code!r} is not a service of this city (see services.json)")
        for name, longest in MAX_FIELD.items():
            if len(form.get(name, "").strip()) > longest:
                raise Open311Error(400, f"{name} is longer than {longest} characters")
        lat_value, lon_value = _position(form.get("lat", "").strip(), form.get("long", "").strip())
        address = form.get("address_string", "").strip()
        if not address and lat_value is None:
            raise Open311Error(400, "a location is required: lat and long, or address_string")
        description = form.get("description", "").strip()
        if not description:
            raise Open311Error(400, "description is required")
        if len(description) > MAX_DESCRIPTION:
            raise Open311Error(400, f"description is longer than {MAX_DESCRIPTION} characters")
        contact = form.get("email", "").strip() or None  # the reply goes by email; a phone number is not kept
        with i18n.using(i18n.SOURCE):  # the standard's errors are in English, whatever the centre's language
            row = await register.create_case(
                channel="web",
                description=description,
                service_id=service_id,
                address=address,
                lat=lat_value,
                lon=lon_value,
                contact=contact,
                wants_reply=contact is not None,
                source="open311",
            )
        await Case.update({Case.api_client: client["id"]}).where(Case.id == row["id"])
        body = [{"service_request_id": row["tracking_number"], "service_notice": None, "account_id": None}]
        return _respond(fmt, "service_requests", "request", body, 201)
    except Open311Error as error:
        return _error(error, fmt)
    except register.CaseError as error:
        return _error(Open311Error(400, str(error)), fmt)


ROUTES = [open311_get, open311_request, open311_service, open311_token, open311_post]
