"""Calls: the filtered list, one call, its recording."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from anyio import open_file
from litestar import Request, Response, get
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import File, Stream, Template

from kit.spreadsheet import safe_cell
from kit.timeutil import day_range
from qa_app import queries
from qa_app.auth import EVERYONE, agent_scope, require, team_scope
from qa_app.i18n import _
from qa_app.settings import get_settings
from qa_app.tables import Disposition, Role
from qa_app.web import LARGEST_ID, visible_call

AUDIO_TYPES = {
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".flac": "audio/flac",
    ".gsm": "audio/x-gsm",
}


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    """An id filter; one past the database's integers names no row (-1: matches nothing)."""
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return -1 if number is not None and not 0 < number <= LARGEST_ID else number


def _day_bounds(day: date | None, zone) -> tuple[datetime | None, datetime | None]:
    """The day's first and last moment in UTC; a day at the calendar's ends has no bound there."""
    if day is None:
        return None, None
    try:
        return day_range(day, day, zone)
    except OverflowError:
        return None, None


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


FILTER_NAMES = (
    "agent",
    "team",
    "service",
    "queue",
    "disposition",
    "recorded",
    "evaluated",
    "date_from",
    "date_to",
)


def call_filter(params: dict[str, str]) -> queries.CallFilter:
    """The list's filters from the query string; a value that names nothing is ignored."""
    zone = get_settings().timezone
    disposition = params.get("disposition")
    return queries.CallFilter(
        agent_id=_int(params.get("agent")),
        team_id=_int(params.get("team")),
        service_id=_int(params.get("service")),
        queue=params.get("queue") or None,
        disposition=disposition if disposition in Disposition._value2member_map_ else None,
        start=_day_bounds(_date(params.get("date_from")), zone)[0],
        end=_day_bounds(_date(params.get("date_to")), zone)[1],
        recorded=_yes_no(params.get("recorded")),
        evaluated=_yes_no(params.get("evaluated")),
    )


def _params(request: Request) -> dict[str, str]:
    """The filters the user set, as given (kept in the form, the pager's links and the export)."""
    return {name: value for name in FILTER_NAMES if (value := request.query_params.get(name))}


@get("/calls", name="calls", guards=[require(*EVERYONE)], include_in_schema=False)
async def calls(
    request: Request,
    before: FromQuery[str | None] = None,
    after: FromQuery[str | None] = None,
) -> Template:
    user = request.user
    scope = await agent_scope(user)
    params = _params(request)
    filters = call_filter(params)
    page = await queries.list_calls(scope, filters, before=before, after=after)
    is_agent = user.role == Role.agent
    context = {
        "page": page,
        "params": params,
        "total": await queries.count_calls(scope, filters),
        "counted": queries.COUNTED,
        "agents": [] if is_agent else await queries.list_agents(scope),
        "teams": [] if is_agent else await queries.list_teams(await team_scope(user)),
        "services": await queries.list_services(),
        "queues": await queries.queues(),
        "dispositions": [d.value for d in Disposition],
        "is_agent": is_agent,
    }
    template = (
        "_calls_table.html"
        if request.headers.get("hx-request") and request.headers.get("hx-target") == "calls-table"
        else "calls.html"
    )
    return Template(template, context=context)


EXPORT_LIMIT = 100_000  # rows in one CSV export; narrow the filters for more


def calls_csv(rows: list[dict[str, Any]], zone: Any) -> str:
    """The calls as CSV text for a spreadsheet: date, time, agent, service... never the phone
    system's id; every text cell neutralised against formulas (`kit.spreadsheet.safe_cell`)."""
    from qa_app.app import disposition_name  # the app module mounts this one: imported when used

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Date"),
            _("Time"),
            _("Agent"),
            _("Team"),
            _("Service"),
            _("Queue"),
            _("Outcome"),
            _("Wait (seconds)"),
            _("Talk (seconds)"),
            _("Recorded"),
            _("Evaluated"),
        ]
    )
    for row in rows:
        when = row["offered_at"].astimezone(zone)
        writer.writerow(
            safe_cell(value)
            for value in (
                when.date().isoformat(),
                when.strftime("%H:%M:%S"),
                row["agent_name"] or "",
                row["team_name"] or "",
                row["service_name"] or "",
                row["queue"] or "",
                disposition_name(row["disposition"]),
                row["wait_seconds"],
                row["talk_seconds"],
                _("yes") if row["recording_path"] else _("no"),
                _("yes") if row["evaluated"] else _("no"),
            )
        )
    return out.getvalue()


@get("/calls/export.csv", name="calls_export", guards=[require(*EVERYONE)], include_in_schema=False)
async def calls_export(request: Request) -> Response:
    """The filtered list as CSV, within the user's scope like the list itself."""
    scope = await agent_scope(request.user)
    rows = await queries.export_calls(scope, call_filter(_params(request)), EXPORT_LIMIT)
    return Response(
        calls_csv(rows, get_settings().timezone),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="calls.csv"'},
    )


@get("/calls/{call_id:int}", name="call", guards=[require(*EVERYONE)], include_in_schema=False)
async def call_page(request: Request, call_id: FromPath[int]) -> Template:
    return Template("call.html", context={"call": await visible_call(request, call_id)})


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The (first, last) byte of a single `Range: bytes=...` request, or None for the whole
    file; 416 when it lies outside the file. Browsers need ranges to seek in a recording."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first_text, _, last_text = header[len("bytes=") :].strip().partition("-")
    try:
        if first_text == "":  # the last N bytes
            first, last = max(0, size - int(last_text)), size - 1
        else:
            first, last = int(first_text), min(int(last_text), size - 1) if last_text else size - 1
    except ValueError:
        return None
    if first >= size or first > last:
        raise HTTPException(
            status_code=416, detail="Range not satisfiable", headers={"content-range": f"bytes */{size}"}
        )
    return first, last


RANGE_CHUNK = 64 * 1024  # bytes read and sent at a time for a range of a recording


async def file_slice(path: Path, first: int, last: int, chunk: int = RANGE_CHUNK) -> AsyncIterator[bytes]:
    """Bytes first..last of a file, read chunk by chunk: a long recording is never held whole."""
    remaining = last - first + 1
    async with await open_file(path, "rb") as handle:
        await handle.seek(first)
        while remaining > 0:
            data = await handle.read(min(chunk, remaining))
            if not data:  # the file shrank since its size was read
                break
            remaining -= len(data)
            yield data


@get("/calls/{call_id:int}/recording", name="call_recording", guards=[require(*EVERYONE)], include_in_schema=False)
async def call_recording(request: Request, call_id: FromPath[int]) -> File | Stream:
    call = await visible_call(request, call_id)
    if not call["recording_path"]:
        raise NotFoundException("This call has no recording.")
    root = get_settings().recordings_dir.resolve()
    path = (root / call["recording_path"]).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFoundException("The recording file is missing.")
    media_type = AUDIO_TYPES.get(path.suffix.lower(), "application/octet-stream")
    size = path.stat().st_size
    wanted = byte_range(request.headers.get("range"), size)
    if wanted is None:
        return File(
            path=path, media_type=media_type, content_disposition_type="inline", headers={"accept-ranges": "bytes"}
        )
    first, last = wanted
    return Stream(
        file_slice(path, first, last),
        status_code=206,
        media_type=media_type,
        headers={
            "content-range": f"bytes {first}-{last}/{size}",
            "content-length": str(last - first + 1),
            "accept-ranges": "bytes",
        },
    )


ROUTES = [calls, calls_export, call_page, call_recording]
