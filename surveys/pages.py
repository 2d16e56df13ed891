"""Staff pages of the surveys: the month's figures overall and per team, agent and service,
and residents' praise. Agents see their own praise on their month page."""

from __future__ import annotations

from datetime import date

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery
from litestar.response import Template

from qa_app.auth import STAFF, agent_scope, require
from qa_app.settings import get_settings
from qa_app.timeutil import current_month, month_range, parse_month, previous_month
from surveys import figures


@get("/surveys", name="surveys", guards=[require(*STAFF)], include_in_schema=False)
async def surveys_page(request: Request, month: FromQuery[str | None] = None) -> Template:
    zone = get_settings().timezone
    try:
        first: date = parse_month(month) if month else current_month(zone)
    except ValueError:
        raise NotFoundException() from None
    scope = await agent_scope(request.user)
    start, end = month_range(first, zone)
    return Template(
        "surveys/figures.html",
        context={
            "month": first,
            "month_key": first.strftime("%Y-%m"),
            "previous": previous_month(first).strftime("%Y-%m"),
            "total": await figures.figures(start, end, agent_ids=scope),
            "groups": await figures.by_group(start, end, scope),
            "praise": await figures.praise(start, end, scope, limit=20),
        },
    )


ROUTES = [surveys_page]
