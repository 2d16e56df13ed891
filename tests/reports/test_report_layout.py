"""The monthly report's "no data" rules and print layout (issue 17), read back from its PDF with
pdftotext: a trend needs three months of data and says so when it has fewer; a month without data
is a gap (dashes), not zeros; an interval never breaks across lines; no page holds a lone line; a
criterion shows by its title, never its code."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from kit.stats import Estimate, mean_interval, proportion_interval
from qa_app.settings import get_settings
from qa_app.tables import Agent, Call
from reports import monthly, render
from scorecards import versions
from tests.reports.pdf import pages, pdf_text

FOOTER = re.compile(r"Page \d+ of \d+")
# An interval cut at a line's end: "(80.1%–" with its ")" not on the same line.
CUT_INTERVAL = re.compile(r"\([+\-−]?\d[^()]*?(?=\(|$)")


def page_lines(pdf: bytes) -> list[list[str]]:
    """Each page's non-empty lines, without the footer (title and page number)."""
    return [
        [line for line in pdf_text(pdf, "-f", str(n), "-l", str(n), "-layout").splitlines() if line.strip()]
        for n in range(1, pages(pdf) + 1)
    ]


def assert_no_short_page(pdf: bytes, fewest: int = 3) -> None:
    for number, lines in enumerate(page_lines(pdf), start=1):
        content = [line for line in lines if not FOOTER.search(line)]
        assert len(content) >= fewest, f"page {number} holds {len(content)} line(s): {content}"


def assert_no_cut_interval(pdf: bytes) -> None:
    for line in pdf_text(pdf, "-layout").splitlines():
        assert not CUT_INTERVAL.search(line), f"an interval breaks across lines: {line!r}"


def pdf_of(report: monthly.MonthlyReport) -> bytes:
    return render.pdf(render.html("reports/monthly.html", report=report, timezone=get_settings().timezone_name))


async def _calls_in(first: date, agent: int, count: int = 4) -> None:
    start = datetime(first.year, first.month, 3, 9, tzinfo=get_settings().timezone).astimezone(timezone.utc)
    await Call.insert(
        *[
            Call(
                external_id=f"{first:%Y%m}-{i}",
                agent=agent,
                offered_at=start + timedelta(hours=i),
                answered_at=start + timedelta(hours=i, seconds=15),
                wait_seconds=15,
                talk_seconds=180,
                disposition="answered",
            )
            for i in range(count)
        ]
    )


async def test_a_trend_needs_three_months_and_a_month_without_data_is_a_gap(clean_db):
    agent = (await Agent.insert(Agent(staff_number="7", name="Kim Agent")).returning(Agent.id))[0]["id"]
    await _calls_in(date(2026, 1, 1), agent)
    await _calls_in(date(2026, 2, 1), agent)

    report = await monthly.build(date(2026, 2, 1))
    headline, trend = report.sections[0], report.sections[1]
    assert trend.note == "Too few months for a trend: 2 of 3 needed." and headline.charts == [] == trend.charts
    assert [row[0] for row in trend.tables[0].rows] == ["2026-01", "2026-02"]  # from the first month with data
    pdf = pdf_of(report)
    text = " ".join(pdf_text(pdf).split())
    assert "Too few months for a trend: 2 of 3 needed." in text
    assert_no_short_page(pdf)

    # Data in January, February and April, none in March: a trend, with March a gap.
    await _calls_in(date(2026, 4, 1), agent)
    report = await monthly.build(date(2026, 4, 1))
    headline, trend = report.sections[0], report.sections[1]
    assert trend.note == "" and len(headline.charts) == 1 and "<svg" in headline.charts[0]
    rows = {row[0]: row for row in trend.tables[0].rows}
    assert list(rows) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert rows["2026-03"][1:] == [None] * 8 and rows["2026-04"][1] == 4
    pdf = pdf_of(report)
    march = next(line for line in pdf_text(pdf, "-layout").splitlines() if line.strip().startswith("2026-03"))
    assert march.split()[1:] == ["–"] * 8  # dashes, not zeros
    assert_no_short_page(pdf)

    # No data at all: the sentences, and still no short page.
    report = await monthly.build(date(2025, 6, 1))
    assert report.sections[1].note == "Too few months for a trend: 0 of 3 needed."
    assert report.sections[1].tables[0].rows == []
    pdf = pdf_of(report)
    assert "No month of the last twelve has data yet." in pdf_text(pdf)
    assert_no_short_page(pdf)


def test_the_chart_breaks_the_line_where_a_month_has_no_data():
    from reports import charts

    labels = ["Jan", "Feb", "Mar", "Apr"]
    svg = charts.trend_grid(
        labels, [("Calls", [10, 12, None, 11], "num", None), ("New", [None, None, 3, 4], "num", None)], min_points=3
    )
    lines = re.findall(r'<path d="(M [^"]*)"[^>]*stroke: #1f5f99', svg)
    assert len(lines) == 1  # "New" has two months of data: no line, a sentence
    assert lines[0].count("M ") == 2  # "Calls" in two pieces: January-February, then April
    assert "too few months: 2 of 3" in svg  # matplotlib keeps the text in a comment beside its glyphs


def _estimate(value: float) -> Estimate:
    return mean_interval([value - 0.05, value, value + 0.05, value - 0.02], bounds=(0.0, 1.0))


def _long_tables_report() -> monthly.MonthlyReport:
    """Hand-made sections: a table of many narrow interval columns, and long tables of every
    length from 30 to 52 rows, so that one of them ends just after a page's end."""
    columns = ["", *(f"Measure {i}" for i in range(1, 7))]
    wide = monthly.Table(
        "intervals",
        "Six intervals side by side",
        columns,
        ["text", "est", "est", "est", "est_nps", "est", "est"],
        [[f"Group {g}", *(proportion_interval(30 + g + i, 97 + g) for i in range(6))] for g in range(6)],
    )
    wide.rows[0][5] = Estimate(-0.123, 40, -0.301, 0.056)
    sections = [monthly.Section("intervals", "Intervals", [wide])]
    for rows in range(30, 53):
        sections.append(
            monthly.Section(
                f"long{rows}",
                f"A table of {rows} rows",
                [
                    monthly.Table(
                        f"long{rows}",
                        "Mean score by agent",
                        ["Agent", "n", "Mean"],
                        ["text", "int", "est"],
                        [[f"Agent {r}", 10 + r, _estimate(0.7)] for r in range(rows)],
                    )
                ],
                note="A note of one line above the table.",
            )
        )
    return monthly.MonthlyReport(date(2026, 3, 1), None, datetime.now(timezone.utc), sections)


def test_intervals_never_break_and_no_page_holds_a_lone_line():
    report = _long_tables_report()
    html = render.html("reports/monthly.html", report=report, timezone="UTC")
    cell = re.search(r"<td class=\"num est\">([^<]*)<span class=\"interval\">\(([^<]*)\)</span></td>", html)
    assert cell and "–" in cell.group(2)
    assert ".interval { white-space: nowrap;" in html
    pdf = render.pdf(html)
    assert_no_cut_interval(pdf)
    assert_no_short_page(pdf)
    # The wide table's cells wrap (the value above its interval) and every interval is whole.
    wide = pdf_text(pdf, "-f", "2", "-l", "2", "-layout")
    assert len(re.findall(r"\([+\-−]?\d[^()\s]*–[+\-−]?\d[^()\s]*\)", wide)) == 6 * 6


async def test_the_demo_report_shows_criterion_titles_and_no_short_page(demo_centre):
    report = await monthly.build(date(2026, 11, 1))
    pdf = pdf_of(report)
    assert_no_short_page(pdf)
    assert_no_cut_interval(pdf)
    definition = versions.definition_of(await versions.default())
    titles = {c.code: c.title for c in definition.criteria()}
    failed = next(t for t in report.tables() if t.key == "quality_failed_criteria")
    shown = [row[0] for row in failed.rows]
    assert shown and set(shown) <= set(titles.values())
    text = pdf_text(pdf, "-layout")
    first_cells = {line.strip().split("  ")[0] for line in text.splitlines() if line.strip()}
    codes = {code for code, title in titles.items() if code != title}
    assert not codes & first_cells, codes & first_cells
    assert not [code for code in codes if "_" in code and code in text]
    # Error groups by name, channels by their words.
    critical = next(t for t in report.tables() if t.key == "quality_critical")
    assert all(row[0].endswith("-critical") for row in critical.rows)
    # November's campaign of the demo (made and sent in November) is in November's report.
    email = next(s for s in report.sections if s.key == "email")
    assert email.tables and "No mystery emails were sent" not in email.note
