"""Imports from the browser: the history of import runs."""

from __future__ import annotations

from litestar import get
from litestar.response import Template

from qa_app.auth import require
from qa_app.tables import ImportRun, Role


@get("/admin/imports", name="imports", guards=[require(Role.admin, Role.manager)], include_in_schema=False)
async def imports_page() -> Template:
    rows = await ImportRun.select().order_by(ImportRun.id, ascending=False).limit(100).output(load_json=True)
    return Template("organisation/imports.html", context={"rows": rows})


ROUTES = [imports_page]
