"""The monthly report on a real database (SQLite and PostgreSQL): made for the demo centre, its
PDF read back with pdftotext (poppler-utils), and its headline figures checked against values
computed here from the raw rows; a page figure compared with the PDF; the exports carry the same
numbers; and months without data still give a valid report with its "no data" lines."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, timedelta, timezone

import httpx
import pytest

from cases.tables import Case
from kit.timeutil import month_range
from qa_app.app import create_app
from qa_app.settings import get_settings
from qa_app.tables import Agent, Call, Team
from reports import agent_card, monthly, render
from surveys.tables import SurveyResponse
from tests.reports.pdf import pages, pdf_text

OCTOBER = date(2026, 10, 1)


def pct(value: float) -> str:
    return f"{100 * value:.1f}%"


async def make_pdf(first: date, team: str | None = None) -> tuple[monthly.MonthlyReport, bytes]:
    report = await monthly.build(first, team)
    html = render.html("reports/monthly.html", report=report, timezone=get_settings().timezone_name)
    return report, render.pdf(html)


async def test_the_demo_centres_report_against_the_raw_rows(demo_centre):
    report, pdf = await make_pdf(OCTOBER)
    text = pdf_text(pdf, "-layout")
    count = pages(pdf)
    assert count >= 8 and f"Page 1 of {count}" in text
    for title in (
        "Contents",
        "Headline figures",
        "Twelve-month trend",
        "Quality",
        "Residents' surveys",
        "Email channel: mystery emails",
        "Coaching",
        "Contacts",
    ):
        assert title in text, title

    # The raw rows of October, counted here without the report's functions.
    start, end = month_range(OCTOBER, get_settings().timezone)
    calls = await Call.select(Call.wait_seconds, Call.disposition, Call.talk_seconds, Call.hold_seconds).where(
        (Call.offered_at >= start) & (Call.offered_at < end)
    )
    answered = [c for c in calls if c["disposition"] != "abandoned"]
    service_level = sum(1 for c in answered if c["wait_seconds"] <= 60) / len(answered)
    abandoned = sum(1 for c in calls if c["disposition"] == "abandoned") / len(calls)
    ratings = [
        r["satisfaction"]
        for r in await SurveyResponse.select(SurveyResponse.satisfaction).where(
            (SurveyResponse.call.offered_at >= start) & (SurveyResponse.call.offered_at < end)
        )
        if r["satisfaction"] is not None
    ]
    csat = sum(1 for s in ratings if s >= 4) / len(ratings)
    known = [
        c["first_contact_resolution"]
        for c in await Case.select(Case.first_contact_resolution).where(
            (Case.created_at >= start) & (Case.created_at < end)
        )
        if c["first_contact_resolution"] is not None
    ]
    fcr = sum(1 for k in known if k) / len(known)
    headline_page = pdf_text(pdf, "-f", "2", "-l", "2", "-layout")
    lines = {line.strip().split("  ")[0]: line for line in headline_page.splitlines() if line.strip()}
    assert pct(service_level) in lines["Calls answered within the"]
    assert pct(abandoned) in lines["Abandoned calls"]
    assert pct(fcr) in lines["Resolved at first contact"]
    assert pct(csat) in lines["Residents satisfied (CSAT)"]
    assert f"{len(calls):,}".replace(",", " ") in lines["Calls answered within the"].replace("\u202f", " ")

    # The surveys page shows the same CSAT for October.
    app = create_app(manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        from qa_app.demo import credentials_path

        manager = next(
            line.split()[1:3] for line in credentials_path().read_text().splitlines() if line.startswith("manager")
        )
        from tests.web import HTML, login

        await login(client, manager[0], manager[1])
        page = await client.get("/surveys?month=2026-10", headers=HTML)
    import re

    all_calls = re.search(r"All calls</th>(.*?)</tr>", page.text, re.DOTALL).group(1)
    cells = re.findall(r'<td class="num">([^<]*)', all_calls)
    assert page.status_code == 200 and cells[2] == f"{100 * csat:.0f}%"  # the page rounds to whole percents

    # The exports: the same numbers, unformatted.
    files = zipfile.ZipFile(io.BytesIO(render.csv_zip(report.tables())))
    headline_rows = list(csv.reader(io.StringIO(files.read("headline.csv").decode())))
    assert headline_rows[0][:3] == ["Measure", "Unit", "This month"]
    assert float(headline_rows[1][2]) == pytest.approx(service_level)
    assert {name.rsplit(".", 1)[0] for name in files.namelist()} == {t.key for t in report.tables()}
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(render.xlsx(report.tables())))
    assert book["headline"]["C2"].value == pytest.approx(service_level)

    # Agent scorecards: one page each, as one PDF and as a zip of one PDF per agent.
    agents = (await agent_card.agents_of("Team Castle"))[:3]
    cards = await agent_card.build(agents, OCTOBER)
    together = render.pdf(render.html("reports/agent.html", cards=cards, month_key="2026-10"))
    assert pages(together) == 3
    first_page = pdf_text(together, "-f", "1", "-l", "1")
    assert agents[0]["name"] in first_page and "Quality" in first_page and "Coaching goals" in first_page


async def test_months_without_data_still_give_a_report(clean_db):
    team = (await Team.insert(Team(name="Solo")).returning(Team.id))[0]["id"]
    agent = (await Agent.insert(Agent(staff_number="9", name="Only Agent", team=team)).returning(Agent.id))[0]["id"]
    # An empty month: nothing at all.
    _report, pdf = await make_pdf(date(2026, 1, 1))
    text = pdf_text(pdf)
    assert pages(pdf) >= 5  # sections of one sentence (no emails, no coaching) share a page
    for line in (
        "No calls this month yet.",
        "No evaluation released this month yet.",
        "No survey answers this month.",
        "No mystery emails were sent in January 2026.",
        "No coaching plan or session this month.",
        "No contacts this month yet.",
    ):
        assert line in text, line
    # A team of one agent with calls but no surveys.
    zone = get_settings().timezone
    start = datetime(2026, 2, 3, 9, tzinfo=zone).astimezone(timezone.utc)
    await Call.insert(
        *[
            Call(
                external_id=f"solo-{i}",
                agent=agent,
                offered_at=start + timedelta(hours=i),
                answered_at=start + timedelta(hours=i, seconds=20 + i),
                wait_seconds=20 + 30 * (i % 3),
                talk_seconds=200,
                disposition="answered",
            )
            for i in range(6)
        ]
    )
    _report, pdf = await make_pdf(date(2026, 2, 1), "Solo")
    text = pdf_text(pdf)
    assert "Monthly quality report, February 2026, team Solo" in text
    assert "No survey answers this month." in text and "No calls this month yet." not in text
    # Waits 20, 50, 80, 20, 50, 80 s: 4 of 6 within 60 s.
    assert pct(4 / 6) in pdf_text(pdf, "-f", "2", "-l", "2", "-layout")
    with pytest.raises(ValueError, match="no team named 'Nobody'"):
        await monthly.build(date(2026, 2, 1), "Nobody")
