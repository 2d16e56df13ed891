"""Which criteria matter: for each criterion, how the calls that passed it and those that failed
it differ in what happened next (the resident satisfied, a repeat contact within 7 days, a case
reopened), with each side's n and the difference's 95% interval, and the criteria that predict
nothing named as candidates to drop. For QA leads (admin, qa) and managers.

The rules are in `scorecards/outcomes.py`, the reads in `scorecards/outcome_store.py`.
"""

from __future__ import annotations

from datetime import date

from litestar import get
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery
from litestar.response import Template

from kit.timeutil import next_month, parse_month, previous_month
from qa_app.auth import require
from qa_app.i18n import _
from qa_app.tables import Role
from scorecards import config, outcome_store, outcomes, trust_store

READERS = (Role.admin, Role.qa, Role.manager)
PERIOD_MONTHS = 3


def _months(last: str | None) -> list[date]:
    """The three months ending with `last` (YYYY-MM), or the last three full months."""
    if not last:
        return outcome_store.default_months()
    try:
        end = parse_month(last)
    except ValueError:
        raise NotFoundException() from None
    months = [end]
    while len(months) < PERIOD_MONTHS:
        months.insert(0, previous_month(months[0]))
    return months


def _outcome_titles() -> dict[str, str]:
    """Each outcome's title in the current language, by its code."""
    return {
        "csat": _("Resident satisfied (survey answer 4 or 5)"),
        "repeat": _("Repeat contact within %(days)s days") % {"days": outcomes.REPEAT_WITHIN_DAYS},
        "reopened": _("Case reopened"),
    }


@get("/scorecards/outcomes", name="criterion_outcomes", guards=[require(*READERS)], include_in_schema=False)
async def outcomes_page(to: FromQuery[str | None] = None) -> Template:
    months = _months(to)
    latest = outcome_store.default_months()[-1]
    later = months[-1]
    for _month in range(PERIOD_MONTHS):
        later = next_month(later)
    settings = await config.load()
    min_n = int(settings["min_n"])
    gathered = await outcome_store.gather(months, await trust_store.trusted_criteria())
    tables = {o.code: {"outcome": o, "rows": []} for o in outcomes.OUTCOMES}
    candidates = []
    for source, label in outcome_store.SOURCES.items():
        results = outcomes.compare_all(gathered.pairs[source], min_n=min_n)
        for code, by_criterion in results.items():
            tables[code]["rows"].extend(
                {"source": label, "criterion": criterion, "c": comparison}
                for criterion, comparison in by_criterion.items()
            )
        for criterion, where in outcomes.candidates_to_drop(results):
            candidates.append(
                {
                    "source": label,
                    "criterion": criterion,
                    "outcomes": [_outcome_titles()[code] for code in where],
                }
            )
    return Template(
        "scorecards/outcomes.html",
        context={
            "months": months,
            "earlier": previous_month(months[0]).strftime("%Y-%m"),
            "later": later.strftime("%Y-%m") if later <= latest else None,
            "tables": list(tables.values()),
            "candidates": candidates,
            "titles": gathered.titles,
            "min_n": min_n,
            "max_half_width": outcomes.MAX_HALF_WIDTH,
            "repeat_days": outcomes.REPEAT_WITHIN_DAYS,
            "verdicts": {"related": outcomes.RELATED, "nothing": outcomes.NOTHING, "too_few": outcomes.TOO_FEW},
            "verdict_words": {
                outcomes.RELATED: _("related"),
                outcomes.NOTHING: _("predicts nothing we can see"),
                outcomes.TOO_FEW: _("too few to judge"),
            },
            "outcome_titles": _outcome_titles(),
        },
    )


ROUTES = [outcomes_page]
