"""`qa sample`: the monthly sample of calls to mark."""

from __future__ import annotations

import json

import click


@click.command(name="sample", help="Draw (or top up) a month's sample: N recorded calls per active agent.")
@click.option("--month", required=True, metavar="YYYY-MM")
@click.option("--per-agent", type=int, default=None, help="Calls per agent (default 6, from the settings).")
@click.option("--seed", type=int, default=None, help="Random seed; stored with the month's sample.")
@click.option("--min-seconds", type=int, default=None, help="Shortest talk time worth marking (default 30).")
@click.option("--json", "as_json", is_flag=True, help="Print the picks as JSON on stdout.")
def sample(month: str, per_agent: int | None, seed: int | None, min_seconds: int | None, as_json: bool) -> None:
    from kit.timeutil import parse_month
    from qa_app.cli_support import fail, run_with_database
    from scorecards.sample_store import SampleError, run_sample

    try:
        first = parse_month(month)
    except ValueError as error:
        fail(str(error), 2)
    if per_agent is not None and per_agent < 1:
        fail("--per-agent must be at least 1", 2)
    try:
        result = run_with_database(lambda: run_sample(first, per_agent=per_agent, seed=seed, min_seconds=min_seconds))
    except SampleError as error:
        fail(str(error), 2)
    agents = len({agent for agent, _call in result.picks})
    click.echo(
        f"sample {result.month}: {len(result.picks)} calls for {agents} agents ({result.created} new, seed "
        f"{result.seed}); too few recorded calls: {', '.join(result.flagged) or 'none'}",
        err=True,
    )
    if as_json:
        click.echo(json.dumps(result.as_json(), indent=2))
