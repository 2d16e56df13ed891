"""The Search page (every transcript, within what the user may see) and saved searches with their
weekly counts. The search itself is a plain GET form: it works without JavaScript."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST
from msgspec import Struct

from qa_app import queries
from qa_app.auth import EVERYONE, agent_scope, require, team_scope
from qa_app.i18n import _
from qa_app.tables import Role
from qa_app.web import Form
from transcription import search
from transcription.tables import SavedSearch

FIELDS = ("q", "agent", "team", "queue", "service", "speaker", "date_from", "date_to")
SAVED_FILTERS = ("agent", "team", "queue", "service", "speaker")
MAX_SAVED = 20  # saved searches per user (each draws a chart on the saved-searches page)
MAX_NAME = 100
MAX_PAGE = 500


class SaveForm(Struct):
    name: str = ""
    q: str = ""
    agent: str = ""
    team: str = ""
    queue: str = ""
    service: str = ""
    speaker: str = ""


def _id(value: str, problem: str) -> int | None:
    """The id a list gave; `problem` (translated) says what to do when it is not one."""
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 12:
        raise search.SearchError(problem)
    return int(value)


def _day(value: str, problem: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise search.SearchError(problem) from None


def read_search(values: dict[str, str]) -> tuple[search.Query, search.Filters]:
    """The search and its filters from the form's text; a SearchError says what to change."""
    query = search.parse(values.get("q", ""))
    speaker = values.get("speaker", "").strip()
    if speaker and speaker not in search.SPEAKERS:
        raise search.SearchError(_("Choose who said it: the agent, the caller or either."))
    filters = search.Filters(
        agent=_id(values.get("agent", ""), _("Choose the agent from the list.")),
        team=_id(values.get("team", ""), _("Choose the team from the list.")),
        queue=values.get("queue", "").strip()[:100] or None,
        service=_id(values.get("service", ""), _("Choose the service from the list.")),
        speaker=speaker or None,
        date_from=_day(values.get("date_from", ""), _("The first day looks like 2026-11-30.")),
        date_to=_day(values.get("date_to", ""), _("The last day looks like 2026-11-30.")),
    )
    return query, filters


def search_address(values: dict[str, Any], **extra: Any) -> str:
    kept = {k: v for k in FIELDS if (v := values.get(k)) not in (None, "")}
    return "/search?" + urlencode({**kept, **extra})


async def _choices(request: Request) -> dict[str, Any]:
    """What the filters offer this user: an agent chooses no agent or team (they see their own
    calls only); a team leader chooses among their teams' agents."""
    user = request.user
    is_agent = user.role == Role.agent
    scope = await agent_scope(user)
    return {
        "is_agent": is_agent,
        "agents": [] if is_agent else await queries.list_agents(scope),
        "teams": [] if is_agent else await queries.list_teams(await team_scope(user)),
        "queues": await queries.queues(),
        "services": await queries.list_services(),
        "speakers": [("agent", _("The agent")), ("caller", _("The caller"))],
    }


async def _search_page(
    request: Request, values: dict[str, str], *, save_error: str | None = None, save_name: str = ""
) -> Template:
    context: dict[str, Any] = {
        "form": values,
        "error": None,
        "results": None,
        "save_error": save_error,
        "save_name": save_name,
        **await _choices(request),
    }
    status = HTTP_400_BAD_REQUEST if save_error else 200
    if values.get("q", "").strip() or "q" in request.query_params:
        try:
            query, filters = read_search(values)
            page = values.get("page", "1")
            page = min(int(page), MAX_PAGE) if page.isdigit() and int(page) > 0 else 1
            results = await search.search(query, filters, await agent_scope(request.user), page=page)
        except search.SearchError as error:
            context["error"] = str(error)
            status = HTTP_400_BAD_REQUEST
        else:
            context["results"] = results
            context["address"] = lambda **extra: search_address(values, **extra)
    return Template("transcription/search.html", context=context, status_code=status)


@get("/search", name="search", guards=[require(*EVERYONE)], include_in_schema=False)
async def search_page(request: Request) -> Template:
    values = {k: request.query_params.get(k, "") for k in (*FIELDS, "page")}
    return await _search_page(request, values)


@post("/search/saved", guards=[require(*EVERYONE)], include_in_schema=False)
async def save_search(request: Request, data: Form[SaveForm]) -> Redirect | Template:
    values = {k: getattr(data, k) for k in ("q", *SAVED_FILTERS)}
    name = " ".join(data.name.split())
    try:
        query, filters = read_search(values)
        if not name:
            raise search.SearchError(_("Give the search a name, to find it among your saved searches."))
        if len(name) > MAX_NAME:
            raise search.SearchError(_("A name has at most %(n)s characters.") % {"n": MAX_NAME})
        owner = request.user.id
        if await SavedSearch.exists().where((SavedSearch.owner == owner) & (SavedSearch.name == name)):
            raise search.SearchError(
                _("You already have a saved search called %(name)s: choose another name.") % {"name": repr(name)}
            )
        if await SavedSearch.count().where(SavedSearch.owner == owner) >= MAX_SAVED:
            raise search.SearchError(_("You can keep %(n)s saved searches: delete one first.") % {"n": MAX_SAVED})
    except search.SearchError as error:
        return await _search_page(
            request, {**values, "date_from": "", "date_to": ""}, save_error=str(error), save_name=name
        )
    await SavedSearch.insert(SavedSearch(owner=owner, name=name, query=str(query), filters=filters.saved()))
    return Redirect("/search/saved")


def _describe(filters: search.Filters, names: dict[str, dict[int, str]]) -> list[str]:
    described = []
    gone = _("no longer listed")
    if filters.agent is not None:
        described.append(_("agent %(name)s") % {"name": names["agents"].get(filters.agent, gone)})
    if filters.team is not None:
        described.append(_("team %(name)s") % {"name": names["teams"].get(filters.team, gone)})
    if filters.queue:
        described.append(_("queue %(name)s") % {"name": filters.queue})
    if filters.service is not None:
        described.append(_("service %(name)s") % {"name": names["services"].get(filters.service, gone)})
    if filters.speaker == "agent":
        described.append(_("said by the agent"))
    elif filters.speaker == "caller":
        described.append(_("said by the caller"))
    return described


@get("/search/saved", name="saved_searches", guards=[require(*EVERYONE)], include_in_schema=False)
async def saved_searches(request: Request) -> Template:
    from kit.charts import count_bars, data_uri  # matplotlib: only for this page

    user = request.user
    scope = await agent_scope(user)
    choices = await _choices(request)
    names = {
        "agents": {a["id"]: a["name"] for a in choices["agents"]},
        "teams": {t["id"]: t["name"] for t in choices["teams"]},
        "services": {s["id"]: s["name"] for s in choices["services"]},
    }
    rows = (
        await SavedSearch.select().where(SavedSearch.owner == user.id).order_by(SavedSearch.name).output(load_json=True)
    )
    saved = []
    for row in rows:
        filters = search.Filters.from_saved(row["filters"] or {})
        try:
            query = search.parse(row["query"])
        except search.SearchError:
            continue
        weeks = await search.weekly_counts(query, filters, scope)
        values = [w.calls for w in weeks]
        saved.append(
            {
                "row": row,
                "filters": _describe(filters, names),
                "weeks": weeks,
                "total": sum(values),
                "chart": data_uri(
                    count_bars([w.label for w in weeks], values, last_partial=weeks[-1].partial if weeks else False)
                ),
                "address": search_address({"q": row["query"], **filters.saved()}),
            }
        )
    return Template("transcription/search_saved.html", context={"saved": saved, "weeks": search.WEEKS})


@post("/search/saved/{saved_id:int}/delete", guards=[require(*EVERYONE)], include_in_schema=False)
async def delete_saved_search(request: Request, saved_id: FromPath[int]) -> Redirect:
    deleted = (
        await SavedSearch.delete()
        .where((SavedSearch.id == saved_id) & (SavedSearch.owner == request.user.id))
        .returning(SavedSearch.id)
    )
    if not deleted:
        raise NotFoundException()
    return Redirect("/search/saved")


ROUTES = [search_page, save_search, saved_searches, delete_saved_search]
