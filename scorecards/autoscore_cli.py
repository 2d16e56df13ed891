"""`qa autoscore`: the automatic criteria on every answered call of a month."""

from __future__ import annotations

import json

import click

from qa_app.i18n import _, _l


@click.command(name="autoscore", help=_l("Run the automatic criteria on every answered call of a month."))
@click.option("--month", required=True, metavar="YYYY-MM")
@click.option("--all", "force", is_flag=True, help=_l("Work out every call again, changed or not."))
@click.option("--json", "as_json", is_flag=True, help=_l("Print the month's counts as JSON on stdout."))
def autoscore(month: str, force: bool, as_json: bool) -> None:
    from kit.timeutil import parse_month
    from qa_app import formatting
    from qa_app.cli_support import fail, run_with_database
    from scorecards.autochecks import score_month

    try:
        first = parse_month(month)
    except ValueError as error:
        fail(str(error), 2)
    run = run_with_database(lambda: score_month(first, force=force))
    coverage = (
        _("no answered calls")
        if run.coverage is None
        else _("coverage %(percent)s") % {"percent": formatting.percent(run.coverage)}
    )
    click.echo(
        _(
            "autoscore %(month)s: %(scored)s of %(calls)s answered calls have automatic answers (%(coverage)s); "
            "%(computed)s worked out now, %(transcribed)s of them with a transcript"
        )
        % {
            "month": run.month,
            "scored": run.scored,
            "calls": run.calls,
            "coverage": coverage,
            "computed": run.computed,
            "transcribed": run.transcribed,
        },
        err=True,
    )
    for code, counts in sorted(run.criteria.items()):
        click.echo(
            "  "
            + _("%(code)s: %(passed)s pass, %(failed)s fail, %(undecided)s undecided")
            % {"code": code, "passed": counts["pass"], "failed": counts["fail"], "undecided": counts["na"]},
            err=True,
        )
    if as_json:
        click.echo(json.dumps(run.as_json(), indent=2))
