"""A manager's home page: this month's headline figures against their targets, as the monthly
report words them, and what needs attention first (the measures that miss their target). Each
figure carries its n; a share its 95% interval; below the minimum n a measure says "too few to
judge" rather than met or missed."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from kit.stats import Estimate
from kit.timeutil import current_month, previous_month
from qa_app.auth import agent_scope, require
from qa_app.settings import get_settings
from qa_app.tables import Role
from reports import monthly
from reports.render import cell
from scorecards import config as scorecard_config

READERS = (Role.admin, Role.manager)


async def headline_rows(agent_ids: list[int] | None) -> tuple[Any, list[dict[str, Any]]]:
    """This month's headline rows: label, value shown, n, target shown, the verdict ("met",
    "missed", or "" with `why` saying why there is none: too few, too close to call; "" and ""
    without a target or a value) and last month's value."""
    settings = await scorecard_config.load()
    first = current_month(get_settings().timezone)
    now = await monthly.headline(first, agent_ids)
    last = await monthly.headline(previous_month(first), agent_ids)
    rows = []
    for label, attribute, unit, target_key, lower in monthly.HEADLINE_ROWS:
        target = settings["targets"].get(target_key) if isinstance(target_key, str) else target_key
        figure = getattr(now, attribute)
        value = monthly._value(now, attribute)
        n = figure.n if isinstance(figure, Estimate) else now.offered
        judged = monthly.verdict(figure, target, lower, n, settings["min_n"])
        verdict = "" if judged is None or isinstance(judged, str) else ("met" if judged else "missed")
        rows.append(
            {
                "label": str(label),
                "shown": cell(figure, "est_nps" if unit == "nps" else "est")
                if isinstance(figure, Estimate)
                else cell(value, unit),
                "n": n,
                "target": cell(target, unit) if target is not None else "",
                "verdict": verdict,
                "why": judged if isinstance(judged, str) else "",  # too few, or too close to call
                "last": cell(monthly._value(last, attribute), unit),
            }
        )
    return first, rows


@get("/reports/home-panel", guards=[require(*READERS)], include_in_schema=False)
async def home_panel(request: Request) -> Template:
    first, rows = await headline_rows(await agent_scope(request.user))
    attention = [row for row in rows if row["verdict"] == "missed"]
    close = any(row["why"] == monthly.too_close() for row in rows)
    met = any(row["verdict"] == "met" for row in rows)
    return Template(
        "reports/_home_panel.html",
        context={"first": first, "rows": rows, "attention": attention, "close": close, "met": met},
    )


ROUTES = [home_panel]
