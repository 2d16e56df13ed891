"""Report downloads made in a child process. Gathering a month's figures is quick, but drawing
its charts (matplotlib) and laying out the PDF (WeasyPrint) load well over 100 MB of libraries
and fonts that a web process would then keep for the rest of its life. So a download runs in a
fresh process (spawned: nothing of the web process's state is shared) that reads the database
itself, makes the file, hands back its bytes and exits, giving all of that memory back.
One child per download; a second download at the same time gets a child of its own, except the
same report asked again by the same person while it is being made (a second click): that waits
for the file already under way (`once`) instead of making it twice. The child starts in English,
so the report's language is handed to it and set there (`i18n.using`)."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Awaitable, Callable, Hashable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from typing import Any

_making: dict[Hashable, asyncio.Future[bytes]] = {}  # what is being made now, by who asked and what
children_started = 0  # files made in a child process since start (the tests count them)


class NoReport(Exception):
    """Nothing to report for that month or team (the route answers 404)."""


async def once(key: Hashable, make: Callable[[], Awaitable[bytes]]) -> bytes:
    """The file `make` makes, made once for everyone asking with the same `key` while it is under
    way: a second ask waits for the first one's file. Each asker's wait is shielded, so a browser
    that gives up on the first request does not stop the file the second one waits for. (Per web
    process: behind several worker processes a double click may still make the file twice.)"""
    running = _making.get(key)
    if running is None:
        running = asyncio.ensure_future(make())
        _making[key] = running

        def forget(done: asyncio.Future[bytes]) -> None:
            if _making.get(key) is done:
                del _making[key]

        running.add_done_callback(forget)
    return await asyncio.shield(running)


async def _in_child(function: Any, *args: Any) -> bytes:
    global children_started
    children_started += 1
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        return await asyncio.wrap_future(pool.submit(function, *args))
    finally:
        pool.shutdown(wait=False)  # the child exits as soon as its one job is done


async def monthly_file(first: date, team: str | None, fmt: str, language: str | None = None) -> bytes:
    """The monthly report as "pdf", "xlsx" or "zip" (its tables as CSV), in `language` (None:
    the centre's)."""
    return await _in_child(_monthly_file, first, team, fmt, language)


async def agent_pdf(agent: dict[str, Any], first: date, language: str | None = None) -> bytes:
    """One agent's scorecard as PDF, in `language` (None: the centre's)."""
    return await _in_child(_agent_pdf, agent, first, language)


# What runs in the child.


def _connect() -> None:
    from qa_app import db
    from qa_app.settings import get_settings

    db.use_database(get_settings().database_url)


def _monthly_file(first: date, team: str | None, fmt: str, language: str | None = None) -> bytes:
    async def make() -> bytes:
        from qa_app.settings import get_settings
        from reports import monthly, render

        _connect()
        try:
            report = await monthly.build(first, team)
        except ValueError as error:
            raise NoReport(str(error)) from None
        if fmt == "pdf":
            return render.pdf(render.html("reports/monthly.html", report=report, timezone=get_settings().timezone_name))
        if fmt == "xlsx":
            return render.xlsx(report.tables())
        return render.csv_zip(report.tables())

    from qa_app import i18n

    with i18n.using(language):
        return asyncio.run(make())


def _agent_pdf(agent: dict[str, Any], first: date, language: str | None = None) -> bytes:
    async def make() -> bytes:
        from reports import agent_card, render

        _connect()
        cards = await agent_card.build([agent], first)
        return render.pdf(render.html("reports/agent.html", cards=cards, month_key=f"{first:%Y-%m}"))

    from qa_app import i18n

    with i18n.using(language):
        return asyncio.run(make())
