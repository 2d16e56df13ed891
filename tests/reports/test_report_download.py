"""A report download cannot be started twice (issue 17), over HTTP on a real database (SQLite and
PostgreSQL): the same report asked twice at once by the same person is made once, and both
requests get its file; another report, or another person, gets a making of its own. The reports
page loads the script that shows the report is being made (tests/browser/test_report_download.py
drives it in Chromium)."""

from __future__ import annotations

import asyncio

from reports import document
from tests.web import HTML, login


async def test_a_second_click_waits_for_the_report_already_being_made(client, centre):
    await login(client, "manager@test.org")
    url = "/reports/monthly.pdf?month=2026-01&team=&language=en"
    before = document.children_started
    first, second = await asyncio.gather(client.get(url, headers=HTML), client.get(url, headers=HTML))
    assert first.status_code == second.status_code == 200
    assert first.content.startswith(b"%PDF") and first.content == second.content
    assert document.children_started - before == 1
    assert not document._making  # nothing left behind once made

    # Two different reports at once are two makings; the same one asked later is made afresh.
    before = document.children_started
    pdf, xlsx = await asyncio.gather(
        client.get(url, headers=HTML), client.get(url.replace("monthly.pdf", "monthly.xlsx"), headers=HTML)
    )
    assert pdf.status_code == xlsx.status_code == 200 and pdf.content != xlsx.content
    assert document.children_started - before == 2


async def test_the_reports_page_says_a_report_is_being_made(client, centre):
    await login(client, "manager@test.org")
    page = await client.get("/reports", headers=HTML)
    assert page.status_code == 200
    assert 'data-making="Making the report… (about 15 seconds)"' in page.text
    assert '<script src="/static/report_download.js" defer></script>' in page.text
    assert "<script>" not in page.text  # the Content-Security-Policy allows no inline script
    script = await client.get("/static/report_download.js")
    assert script.status_code == 200 and "data-busy" in script.text
