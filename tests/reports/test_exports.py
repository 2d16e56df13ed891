"""Spreadsheet exports are inert (SQLite and PostgreSQL): a resident's comment starting with `=`,
`+`, `-`, `@`, a tab or a carriage return reaches the CSV and XLSX a manager opens as text with a
leading single quote (OWASP "CSV Injection"), never as a live formula; control characters that
openpyxl refuses are stripped, so one such comment cannot break the month's XLSX; numbers,
negative ones included, stay numbers. Checked through the function every export uses, the
report download route, and `qa surveys invite --csv`."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from kit.spreadsheet import safe_cell
from kit.stats import Estimate
from qa_app.tables import Call
from reports import render
from reports.monthly import Table
from surveys.tables import SurveyResponse
from tests.web import HTML, login

HYPERLINK = '=HYPERLINK("http://evil","x")'
AT_SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
BELL = "Rang twice\x07 and nobody answered"


def test_one_function_neutralises_every_text_cell():
    for dangerous in ("=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1", HYPERLINK):
        assert safe_cell(dangerous) == "'" + dangerous
    # Control characters openpyxl refuses go (before the first character is judged); newlines stay.
    assert safe_cell("\x07=1+1") == "'=1+1"
    assert safe_cell("a\x00b\x08c\x0bd\x0ce\x1ff") == "abcdef"
    assert safe_cell("line one\nline two\ttabbed\r\n") == "line one\nline two\ttabbed\r\n"
    assert all(not ILLEGAL_CHARACTERS_RE.search(safe_cell(chr(code) + "x")) for code in range(32))
    # Plain text and numbers pass unchanged; a negative number is a number, not text.
    assert safe_cell("Thanks, very helpful") == "Thanks, very helpful"
    assert safe_cell("") == ""
    for number in (-3, -0.25, 0, 12, 1.5, None):
        assert safe_cell(number) == number and type(safe_cell(number)) is type(number)
    assert render.plain(Estimate(-0.5, 4, -0.9, 0.2)) == -0.5
    assert render.plain("=1+1") == "'=1+1" and render.plain(True) == "yes"


def _table() -> Table:
    return Table(
        "comments",
        "Comments",
        ["Comment", "NPS"],
        ["text", "nps"],
        [[HYPERLINK, -0.5], [AT_SUM, -1], [BELL, 0.25], ["-12", -12]],
    )


def test_the_export_writers_use_it():
    book = load_workbook(io.BytesIO(render.xlsx([_table()])))  # the bell no longer raises
    sheet = book["comments"]
    for row in range(2, 6):
        comment, nps = sheet.cell(row, 1), sheet.cell(row, 2)
        assert comment.data_type == "s" and nps.data_type == "n"
    assert [sheet.cell(r, 1).value for r in range(2, 6)] == [
        f"'{HYPERLINK}",
        f"'{AT_SUM}",
        BELL.replace("\x07", ""),
        "'-12",
    ]
    assert [sheet.cell(r, 2).value for r in range(2, 6)] == [-0.5, -1, 0.25, -12]
    text = zipfile.ZipFile(io.BytesIO(render.csv_zip([_table()]))).read("comments.csv").decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1:] == [
        [f"'{HYPERLINK}", "-0.5"],
        [f"'{AT_SUM}", "-1"],
        ["Rang twice and nobody answered", "0.25"],
        ["'-12", "-12"],
    ]


async def _comments(centre) -> None:
    """Three residents' comments on calls of January 2026, each with a detractor's NPS answer."""
    agent = centre["agents"]["1"]
    start = datetime(2026, 1, 15, 10, tzinfo=timezone.utc)
    for index, (comment, praise) in enumerate(((HYPERLINK, False), (AT_SUM, True), (BELL, False))):
        offered = start + timedelta(hours=index)
        call = await Call.insert(
            Call(
                external_id=f"jan-{index}",
                agent=agent,
                offered_at=offered,
                answered_at=offered + timedelta(seconds=10),
                wait_seconds=10,
                talk_seconds=100,
                disposition="answered",
            )
        ).returning(Call.id)
        await SurveyResponse.insert(
            SurveyResponse(call=call[0]["id"], agent=agent, satisfaction=1, recommend=0, comment=comment, praise=praise)
        )


async def test_a_managers_downloads_carry_no_live_formula(client, centre):
    await _comments(centre)
    await login(client, "manager@test.org")
    workbook = await client.get("/reports/monthly.xlsx?month=2026-01", headers=HTML)
    assert workbook.status_code == 200, workbook.text[:300]
    book = load_workbook(io.BytesIO(workbook.content))
    comments = {book["surveys_comments"].cell(row, 1).value: book["surveys_comments"].cell(row, 1) for row in (2, 3, 4)}
    assert set(comments) == {f"'{HYPERLINK}", f"'{AT_SUM}", BELL.replace("\x07", "")}
    assert all(cell.data_type == "s" for cell in comments.values())
    nps = book["surveys_total"]["F2"]  # one detractor of one: NPS -1, a number
    assert book["surveys_total"]["F1"].value == "NPS" and nps.data_type == "n" and nps.value == pytest.approx(-1)

    archive = await client.get("/reports/monthly.zip?month=2026-01", headers=HTML)
    assert archive.status_code == 200
    files = zipfile.ZipFile(io.BytesIO(archive.content))
    rows = list(csv.reader(io.StringIO(files.read("surveys_comments.csv").decode())))
    assert {row[0] for row in rows[1:]} == set(comments)
    total = list(csv.reader(io.StringIO(files.read("surveys_total.csv").decode())))
    assert total[0][5] == "NPS" and float(total[1][5]) == pytest.approx(-1)


async def test_survey_links_for_a_gateway_are_inert(centre, database, tmp_path):
    from tests.qa_command import run_qa

    offered = datetime(2026, 1, 20, 9, tzinfo=timezone.utc)
    await Call.insert(
        Call(
            external_id=HYPERLINK,  # the phone system's call id, as imported
            agent=centre["agents"]["1"],
            offered_at=offered,
            answered_at=offered + timedelta(seconds=5),
            wait_seconds=5,
            talk_seconds=60,
            disposition="answered",
        )
    )
    out = tmp_path / "links.csv"
    done = run_qa(
        "surveys", "invite", "--month", "2026-01", "--base-url", "https://survey.example", "--csv", str(out),
        database=database,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.open()))
    assert [row["call_id"] for row in rows] == [f"'{HYPERLINK}"]
    assert rows[0]["link"].startswith("https://survey.example/s/")
