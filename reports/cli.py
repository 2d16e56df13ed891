"""`qa report ...`: the monthly quality report and the agents' scorecards as PDF, and the
report's tables as CSV or XLSX, in the centre's language (QA_LANGUAGE) or the one asked for."""

from __future__ import annotations

import json
from pathlib import Path

import click

from qa_app.i18n import _, _l, ngettext

LANGUAGE = click.option(
    "--language",
    type=click.Choice(["sv", "nl", "en"]),
    default=None,
    help=_l("The report's language (default: the centre's, QA_LANGUAGE)."),
)


@click.group(name="report", help=_l("Monthly reports and agent scorecards (PDF), with their tables as CSV or XLSX."))
def report() -> None:
    pass


def _month(text: str):
    from kit.timeutil import parse_month
    from qa_app.cli_support import fail

    try:
        return parse_month(text)
    except ValueError as error:
        fail(str(error), 2)


@report.command(name="monthly", help=_l("The centre's (or a team's) monthly quality report."))
@click.option("--month", required=True, metavar="YYYY-MM")
@click.option("--team", default=None, help=_l("One team's report (by name)."))
@click.option("--out", type=click.Path(path_type=Path), required=True, help=_l("The PDF to write."))
@click.option(
    "--csv", "csv_path", type=click.Path(path_type=Path), help=_l("Also write every table as CSV, in a .zip.")
)
@click.option("--xlsx", "xlsx_path", type=click.Path(path_type=Path), help=_l("Also write every table to an .xlsx."))
@LANGUAGE
def monthly(
    month: str, team: str | None, out: Path, csv_path: Path | None, xlsx_path: Path | None, language: str | None
) -> None:
    from qa_app import i18n
    from qa_app.cli_support import fail, run_with_database
    from qa_app.settings import get_settings
    from reports import monthly as monthly_report
    from reports import render

    first = _month(month)
    with i18n.using(language):  # the centre's language when none is asked for
        try:
            built = run_with_database(lambda: monthly_report.build(first, team))
        except ValueError as error:
            fail(str(error), 2)
        out.write_bytes(
            render.pdf(render.html("reports/monthly.html", report=built, timezone=get_settings().timezone_name))
        )
        if csv_path:
            csv_path.write_bytes(render.csv_zip(built.tables()))
        if xlsx_path:
            xlsx_path.write_bytes(render.xlsx(built.tables()))
        click.echo(_("%(title)s written to %(path)s") % {"title": built.title, "path": out}, err=True)


@report.command(name="agent", help=_l("One-page scorecards: one agent, a team's agents, or all (--all)."))
@click.option("--month", required=True, metavar="YYYY-MM")
@click.option("--agent", "staff_numbers", multiple=True, help=_l("Staff number (repeatable)."))
@click.option("--team", default=None, help=_l("Every agent of a team."))
@click.option("--all", "everyone", is_flag=True, help=_l("Every active agent."))
@click.option(
    "--out", type=click.Path(path_type=Path), required=True, help=_l("The PDF (or .zip of one PDF per agent).")
)
@click.option("--workers", type=int, default=2, show_default=True, help=_l("Processes for a .zip of many agents."))
@click.option("--json", "as_json", is_flag=True)
@LANGUAGE
def agent(
    month: str,
    staff_numbers: tuple[str, ...],
    team: str | None,
    everyone: bool,
    out: Path,
    workers: int,
    as_json: bool,
    language: str | None,
) -> None:
    from qa_app import i18n
    from qa_app.cli_support import fail, run_with_database
    from reports import agent_card, render

    first = _month(month)
    if not (staff_numbers or team or everyone):
        fail(_("say whose scorecards: --agent STAFF_NUMBER, --team NAME or --all"), 2)

    async def chosen():
        agents = await agent_card.agents_of(team)
        if staff_numbers:
            agents = [a for a in agents if a["staff_number"] in staff_numbers]
            missing = set(staff_numbers) - {a["staff_number"] for a in agents}
            if missing:
                raise ValueError(_("no active agent with staff number %(number)s") % {"number": sorted(missing)[0]})
        return await agent_card.build(agents, first)

    with i18n.using(language):
        try:
            cards = run_with_database(chosen)
        except ValueError as error:
            fail(str(error), 2)
        if not cards:
            fail(_("no agent to report on"), 2)
        context = {"month_key": month}
        if out.suffix.lower() == ".zip":
            from reports.parallel import pdfs_in_processes

            out.write_bytes(pdfs_in_processes(cards, context, workers))
        else:
            out.write_bytes(render.pdf(render.html("reports/agent.html", cards=cards, **context)))
        click.echo(
            ngettext(
                "%(num)s agent scorecard for %(month)s written to %(path)s",
                "%(num)s agent scorecards for %(month)s written to %(path)s",
                len(cards),
            )
            % {"num": len(cards), "month": month, "path": out},
            err=True,
        )
    if as_json:
        click.echo(json.dumps({"month": month, "agents": len(cards), "out": str(out)}))
