"""The monthly report in the language asked for (issue 21): `qa report monthly --language nl`
makes the PDF in Dutch, its section titles and its figures in Dutch formats (a decimal comma),
while the same report asked for in English keeps its English titles and formats. The CSV export
keeps its English column keys (machine-readable) whatever the language. One report per language,
made by the command in a subprocess as a centre would run it."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime, timedelta, timezone

import pytest

from qa_app.tables import Agent, Call, Team, User
from reports import document
from tests.qa_command import run_qa
from tests.reports.pdf import pdf_text
from tests.web import HTML, login

DUTCH_TITLES = (
    "Maandelijks kwaliteitsrapport, maart 2026",
    "Inhoud",
    "Kerncijfers",
    "Verloop over twaalf maanden",
    "Kwaliteit",
    "Enquêtes onder inwoners",
    "E-mailkanaal: mystery-e-mails",
    "Coaching",
    "Contacten",
)
ENGLISH_TITLES = (
    "Monthly quality report, March 2026",
    "Contents",
    "Headline figures",
    "Twelve-month trend",
    "Quality",
    "Residents' surveys",
    "Email channel: mystery emails",
    "Coaching",
    "Contacts",
)


async def _march(clean_db) -> None:
    """40 answered calls in March 2026, 37 of them within the 60 s threshold: 92.5%."""
    team = (await Team.insert(Team(name="North")).returning(Team.id))[0]["id"]
    agent = (await Agent.insert(Agent(staff_number="1", name="Agent 1", team=team)).returning(Agent.id))[0]["id"]
    start = datetime(2026, 3, 10, 8, 0, tzinfo=timezone.utc)
    calls = []
    for index in range(40):
        wait = 10 if index < 37 else 90
        offered = start + timedelta(minutes=10 * index)
        calls.append(
            Call(
                external_id=f"m{index}",
                agent=agent,
                offered_at=offered,
                answered_at=offered + timedelta(seconds=wait),
                wait_seconds=wait,
                talk_seconds=200,
                disposition="answered",
            )
        )
    await Call.insert(*calls)


def _report(database: str, folder, language: str, *extra: str) -> str:
    out = folder / f"report-{language}.pdf"
    done = run_qa(
        "report", "monthly", "--month", "2026-03", "--out", str(out), "--language", language, *extra,
        database=database,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return pdf_text(out.read_bytes())


def _flat(text: str) -> str:
    return " ".join(text.split())


async def test_the_report_in_dutch_and_in_english(clean_db, database, tmp_path):
    if clean_db != "sqlite":
        pytest.skip("the report's language does not depend on the database: made once, on SQLite")
    await _march(clean_db)
    export = tmp_path / "tables-nl.zip"
    dutch = _flat(_report(database, tmp_path, "nl", "--csv", str(export)))
    for title in DUTCH_TITLES:
        assert title in dutch, title
    assert "Gesprekken beantwoord binnen de norm" in dutch
    assert "92,5%" in dutch and "92.5%" not in dutch  # the service level, with a decimal comma
    assert "Pagina 1 van" in dutch
    for english in ("Headline figures", "Contents", "Twelve-month trend"):
        assert english not in dutch, english

    # The export's column keys stay English; what a person reads in its rows is Dutch.
    headline = zipfile.ZipFile(export).read("headline.csv").decode()
    rows = list(csv.reader(io.StringIO(headline)))
    assert rows[0] == ["Measure", "Unit", "This month", "n", "Target", "Met", "Last month", "Same month last year"]
    assert rows[1][0] == "Gesprekken beantwoord binnen de norm" and float(rows[1][2]) == 0.925

    english = _flat(_report(database, tmp_path, "en"))
    for title in ENGLISH_TITLES:
        assert title in english, title
    assert "Calls answered within the threshold" in english and "92.5%" in english
    assert "Page 1 of" in english and "Kerncijfers" not in english


async def test_a_download_is_in_the_language_asked_for_or_the_users(client, centre, monkeypatch):
    """The download routes hand the language to the child process that makes the file: the
    `language` asked for, else the signed-in user's page language."""
    asked: list[tuple[str, str | None]] = []

    async def monthly_file(first, team, fmt, language=None):
        asked.append(("monthly", language))
        return b"%PDF-1.7 made elsewhere"

    async def agent_pdf(agent, first, language=None):
        asked.append(("agent", language))
        return b"%PDF-1.7 made elsewhere"

    monkeypatch.setattr(document, "monthly_file", monthly_file)
    monkeypatch.setattr(document, "agent_pdf", agent_pdf)
    await User.update({User.language: "sv"}).where(User.id == centre["users"]["manager"])
    await login(client, "manager@test.org")
    agent = centre["agents"]["1"]
    for path in (
        "/reports/monthly.pdf?month=2026-03&language=nl",
        "/reports/monthly.xlsx?month=2026-03",
        "/reports/monthly.pdf?month=2026-03&language=xx",  # unknown: the page's
        f"/reports/agents/{agent}.pdf?month=2026-03&language=en",
        f"/reports/agents/{agent}.pdf?month=2026-03",
    ):
        response = await client.get(path, headers=HTML)
        assert response.status_code == 200, path
    assert asked == [("monthly", "nl"), ("monthly", "sv"), ("monthly", "sv"), ("agent", "en"), ("agent", "sv")]
    page = await client.get("/reports", headers=HTML)
    assert '<option value="sv" lang="sv" selected>Svenska</option>' in page.text
