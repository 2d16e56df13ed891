"""`qa sample`: the monthly sample of calls to mark, and targeted picks from flagged calls."""

from __future__ import annotations

import json

import click

from qa_app.i18n import _, _l


@click.command(name="sample", help=_l("Draw (or top up) a month's sample: N recorded calls per active agent."))
@click.option("--month", required=True, metavar="YYYY-MM")
@click.option("--per-agent", type=int, default=None, help=_l("Calls per agent (default 6, from the settings)."))
@click.option("--seed", type=int, default=None, help=_l("Random seed; stored with the month's sample."))
@click.option("--min-seconds", type=int, default=None, help=_l("Shortest talk time worth marking (default 30)."))
@click.option(
    "--targeted",
    type=int,
    default=None,
    metavar="N",
    help=_l(
        "Also flag the month's calls and add N targeted picks from the flagged ones, each with its reason "
        "(reported apart from the random picks)."
    ),
)
@click.option("--json", "as_json", is_flag=True, help=_l("Print the picks as JSON on stdout."))
def sample(
    month: str, per_agent: int | None, seed: int | None, min_seconds: int | None, targeted: int | None, as_json: bool
) -> None:
    from kit.timeutil import parse_month
    from qa_app.cli_support import fail, run_with_database
    from scorecards.flag_store import flag_month
    from scorecards.sample_store import SampleError, add_targeted, picks_of, run_sample

    try:
        first = parse_month(month)
    except ValueError as error:
        fail(str(error), 2)
    if per_agent is not None and per_agent < 1:
        fail(_("--per-agent must be at least 1"), 2)
    if targeted is not None and targeted < 1:
        fail(_("--targeted must be at least 1"), 2)

    async def draw():
        result = await run_sample(first, per_agent=per_agent, seed=seed, min_seconds=min_seconds)
        if targeted is None:
            return result, None, []
        flags = await flag_month(first)
        added = await add_targeted(first, targeted)
        result.targeted = (await picks_of(result.sample_id))[1]
        return result, flags, added

    try:
        result, flags, added = run_with_database(draw)
    except SampleError as error:
        fail(str(error), 2)
    agents = len({agent for agent, _call in result.picks})
    click.echo(
        _(
            "sample %(month)s: %(calls)s calls for %(agents)s agents (%(new)s new, seed %(seed)s); "
            "too few recorded calls: %(flagged)s"
        )
        % {
            "month": result.month,
            "calls": len(result.picks),
            "agents": agents,
            "new": result.created,
            "seed": result.seed,
            "flagged": ", ".join(result.flagged) or _("none"),
        },
        err=True,
    )
    if flags is not None:
        click.echo(
            _(
                "flags: %(flagged)s of %(calls)s answered calls flagged; %(added)s targeted picks added "
                "(%(sampled)s in the sample, reported apart from the random picks)"
            )
            % {"flagged": flags.flagged, "calls": flags.calls, "added": len(added), "sampled": len(result.targeted)},
            err=True,
        )
        for pick in added:
            click.echo(f"  {pick.staff_number} {pick.call}: {pick.reason}", err=True)
    if as_json:
        document = result.as_json()
        if flags is not None:
            document["added"] = [pick.as_json() for pick in added]
            document["flags"] = flags.as_json()
        click.echo(json.dumps(document, indent=2))
