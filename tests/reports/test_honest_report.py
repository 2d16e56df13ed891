"""Honest figures in the monthly report (issue 15): a headline measure resting on fewer than the
minimum n says "too few to judge (n = ...)" in its Met column, in the PDF's HTML and the
exports, instead of yes or no; with enough answers the same figure is judged."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

from kit.stats import proportion_interval
from reports import monthly, render
from scorecards import config

MONTH = date(2026, 3, 1)


def _headline(csat_satisfied: int, csat_n: int) -> monthly.Headline:
    """500 calls, and a CSAT of `csat_satisfied` of `csat_n` (below the 80% target)."""
    nothing = proportion_interval(0, 0)
    return monthly.Headline(
        offered=500,
        service_level=0.9,
        asa=20.0,
        abandonment=0.05,
        aht=240.0,
        fcr=nothing,
        csat=proportion_interval(csat_satisfied, csat_n),
        nps=nothing,
    )


async def _rows(monkeypatch, csat_satisfied: int, csat_n: int) -> tuple[dict, str, str]:
    async def headline(first, agent_ids):
        return _headline(csat_satisfied, csat_n)

    monkeypatch.setattr(monthly, "headline", headline)
    section = await monthly.headline_section(MONTH, None)
    table = section.tables[0]
    rows = {row[0]: row for row in table.rows}
    report = monthly.MonthlyReport(MONTH, None, monthly.datetime.now(monthly.timezone.utc), [section])
    html = render.html("reports/monthly.html", report=report, timezone="UTC")
    exported = zipfile.ZipFile(io.BytesIO(render.csv_zip([table]))).read("headline.csv").decode()
    return rows, html, exported


def _csat_cells(html: str) -> str:
    start = html.index("Residents satisfied (CSAT)")
    return html[start : html.index("</tr>", start)]


async def test_a_headline_measure_on_too_few_answers_gives_no_verdict(clean_db, monkeypatch):
    min_n = (await config.load())["min_n"]
    below = min_n - 1
    rows, html, exported = await _rows(monkeypatch, 1, below)  # 1 of 4 satisfied: far below 80%
    csat = rows["Residents satisfied (CSAT)"]
    assert csat[2] == 1 / below and csat[3] == below
    assert csat[5] == f"too few to judge (n = {below})"
    cells = _csat_cells(html)
    assert f"too few to judge (n = {below})" in cells and "missed" not in cells and ">no<" not in cells
    exported_row = next(r for r in csv.reader(io.StringIO(exported)) if r[0] == "Residents satisfied (CSAT)")
    assert exported_row[5] == f"too few to judge (n = {below})"
    # The service level rests on 500 calls: judged as before.
    assert rows["Calls answered within the threshold"][5] is True

    # Enough answers, the same share below target: judged, and marked missed.
    rows, html, _exported = await _rows(monkeypatch, min_n // 4 or 1, 4 * min_n)
    assert rows["Residents satisfied (CSAT)"][5] is False
    cells = _csat_cells(html)
    assert "too few to judge" not in cells and 'class="num missed"' in cells and ">no<" in cells
