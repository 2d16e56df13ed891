"""`qa autoscore`: the automatic criteria on every answered call of a month."""

from __future__ import annotations

import json

import click


@click.command(name="autoscore", help="Run the automatic criteria on every answered call of a month.")
@click.option("--month", required=True, metavar="YYYY-MM")
@click.option("--all", "force", is_flag=True, help="Work out every call again, changed or not.")
@click.option("--json", "as_json", is_flag=True, help="Print the month's counts as JSON on stdout.")
def autoscore(month: str, force: bool, as_json: bool) -> None:
    from kit.timeutil import parse_month
    from qa_app.cli_support import fail, run_with_database
    from scorecards.autochecks import score_month

    try:
        first = parse_month(month)
    except ValueError as error:
        fail(str(error), 2)
    run = run_with_database(lambda: score_month(first, force=force))
    coverage = "no answered calls" if run.coverage is None else f"coverage {100 * run.coverage:.1f}%"
    click.echo(
        f"autoscore {run.month}: {run.scored} of {run.calls} answered calls have automatic answers ({coverage}); "
        f"{run.computed} worked out now, {run.transcribed} of them with a transcript",
        err=True,
    )
    for code, counts in sorted(run.criteria.items()):
        click.echo(f"  {code}: {counts['pass']} pass, {counts['fail']} fail, {counts['na']} undecided", err=True)
    if as_json:
        click.echo(json.dumps(run.as_json(), indent=2))
