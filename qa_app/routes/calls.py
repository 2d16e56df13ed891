"""Calls: the filtered list, one call, its recording."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path

from anyio import open_file
from litestar import Request, get
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import File, Stream, Template

from kit.timeutil import day_range
from qa_app import queries
from qa_app.auth import EVERYONE, agent_scope, require
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


@get("/calls", name="calls", guards=[require(*EVERYONE)], include_in_schema=False)
async def calls(
    request: Request,
    agent: FromQuery[str | None] = None,
    team: FromQuery[str | None] = None,
    queue: FromQuery[str | None] = None,
    disposition: FromQuery[str | None] = None,
    date_from: FromQuery[str | None] = None,
    date_to: FromQuery[str | None] = None,
    before: FromQuery[str | None] = None,
    after: FromQuery[str | None] = None,
) -> Template:
    user = request.user
    scope = await agent_scope(user)
    zone = get_settings().timezone
    start_day, end_day = _date(date_from), _date(date_to)
    start = _day_bounds(start_day, zone)[0]
    end = _day_bounds(end_day, zone)[1]
    filters = queries.CallFilter(
        agent_id=_int(agent),
        team_id=_int(team),
        queue=queue or None,
        disposition=disposition if disposition in Disposition._value2member_map_ else None,
        start=start,
        end=end,
    )
    page = await queries.list_calls(scope, filters, before=before, after=after)
    params = {
        k: v
        for k, v in {
            "agent": agent,
            "team": team,
            "queue": queue,
            "disposition": disposition,
            "date_from": date_from,
            "date_to": date_to,
        }.items()
        if v
    }
    context = {
        "page": page,
        "params": params,
        "agents": [] if user.role == Role.agent else await queries.list_agents(scope),
        "queues": await queries.queues(),
        "dispositions": [d.value for d in Disposition],
        "is_agent": user.role == Role.agent,
    }
    template = (
        "_calls_table.html"
        if request.headers.get("hx-request") and request.headers.get("hx-target") == "calls-table"
        else "calls.html"
    )
    return Template(template, context=context)


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


ROUTES = [calls, call_page, call_recording]
