"""The trust page: how far each automatic criterion agrees with the QA markers, and the calls
where they differ (see scorecards/trust.py). For QA leads and managers."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from qa_app.auth import require
from qa_app.tables import Role
from scorecards import config, trust, trust_store

READERS = (Role.admin, Role.qa, Role.manager)


@get("/scorecards/trust", name="trust", guards=[require(*READERS)], include_in_schema=False)
async def trust_page(request: Request) -> Template:
    settings = (await config.load())["automatic"]
    criteria = await trust_store.automatic_criteria()
    standings = await trust_store.standings()
    rows = []
    for criterion in criteria:
        standing = standings[criterion.code]
        rows.append(
            {
                "criterion": criterion,
                "trust": standing,
                "text": trust.explain(
                    standing, alpha_min=settings["trust_alpha"], min_calls=settings["trust_min_calls"]
                ),
            }
        )
    links = await trust_store.evaluation_links([p.evaluation for row in rows for p in row["trust"].disagreements])
    return Template("scorecards/trust.html", context={"rows": rows, "links": links, "settings": settings})


ROUTES = [trust_page]
