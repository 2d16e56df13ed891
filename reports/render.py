"""Turning a report into a PDF (WeasyPrint, from HTML and CSS made for A4 print), and its tables
into CSV and XLSX with the same numbers. Every exported cell goes through `kit.spreadsheet.safe_cell`:
text a spreadsheet would run as a formula is neutralised, numbers stay numbers."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from kit.spreadsheet import safe_cell
from kit.stats import Estimate
from qa_app import formatting, i18n
from qa_app.i18n import _

TEMPLATES = Path(__file__).parent / "templates"
LONG_TABLE = 20  # rows: a shorter table is kept whole on one page, a longer one may break between rows


def cell(value: Any, fmt: str, unit: str = "") -> str:
    """How a number is shown in the PDF; the exports carry the same value unformatted. An
    interval is markup: its range in a `span.interval` that the print CSS never breaks across
    lines, so a narrow column puts the whole range under the value instead of splitting it."""
    if fmt == "unit":
        fmt = unit
    if value is None:
        return "–"
    if isinstance(value, Estimate):
        if value.value is None:
            return "–"
        inner = {"est": "pct", "est_nps": "nps", "est_num": "float"}.get(fmt, "pct")
        shown = cell(value.value, inner)
        if value.low is not None and value.high is not None:
            interval = f"({cell(value.low, inner)}–{cell(value.high, inner)})"
            return Markup('{} <span class="interval">{}</span>').format(shown, interval)
        return shown
    if fmt in ("pct", "score"):
        return formatting.percent(value)
    if fmt == "nps":
        return f"{100 * value:+.0f}"
    if fmt == "secs":
        return formatting.duration(value)
    if fmt == "int":
        return formatting.number(int(value))
    if fmt == "float":
        return formatting.decimal(value, 2)
    if fmt == "bool":
        return _("yes") if value else _("no")
    return str(value)


def plain(value: Any) -> Any:
    """A cell for CSV/XLSX: numbers stay numbers (shares as 0..1), intervals give their value,
    text is made inert (no formula, no control character)."""
    if isinstance(value, Estimate):
        return value.value
    if isinstance(value, bool):
        return "yes" if value else "no"
    return safe_cell(value)


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    i18n.install(env)  # the report is in the language of i18n.using() around its making
    env.filters.update(formatting.FILTERS)  # the app's own filters: local, duration, percent, number
    env.filters["cell"] = cell
    env.filters["pct"] = formatting.percent
    return env


def html(template: str, **context: Any) -> str:
    """The document in the current language (`i18n.using()` around the call)."""
    # The footer's "Page 1 of 9", for the print CSS: the numbers are CSS counters.
    context.setdefault(
        "page_footer", _("Page %(page)s of %(pages)s") % {"page": '" counter(page) "', "pages": '" counter(pages) "'}
    )
    context.setdefault("long_table", LONG_TABLE)
    return environment().get_template(template).render(**context)


def pdf(document_html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=document_html, base_url=str(TEMPLATES)).write_pdf()


def csv_files(tables) -> dict[str, str]:
    """One CSV per table, named after its key."""
    files = {}
    for table in tables:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([plain(c) for c in table.columns])
        for row in table.rows:
            writer.writerow([plain(v) for v in row])
        files[f"{table.key}.csv"] = buffer.getvalue()
    return files


def csv_zip(tables) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in csv_files(tables).items():
            archive.writestr(name, text)
    return buffer.getvalue()


def xlsx(tables) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.key[:31])
        sheet.append([plain(c) for c in table.columns])
        for c in sheet[1]:
            c.font = Font(bold=True)
        for row in table.rows:
            sheet.append([plain(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
