"""`qa search TEXT`: the transcript search of the Search page, from the command line (every
agent's calls: the command runs with the database's own rights)."""

from __future__ import annotations

import json
from datetime import date

import click

from qa_app.i18n import _, _l, ngettext

# Counts keep the English they always had ("1 calls match"): both English forms are the plural,
# and a catalogue gives the right singular.

SEARCH_HELP = _l(
    'Search every transcript: calls in which every word is said; "quoted words" are a phrase said '
    "together; park* finds words starting with park; other punctuation is ignored."
)


def _day(value: str | None, option: str) -> date | None:
    from qa_app.cli_support import fail

    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(_("%(option)s takes a day as YYYY-MM-DD (got %(value)s)") % {"option": option, "value": repr(value)}, 2)


@click.command(name="search", help=SEARCH_HELP)
@click.argument("text", required=False)
@click.option("--agent", "staff_number", default=None, metavar="STAFF_NUMBER", help=_l("Only this agent's calls."))
@click.option("--from", "date_from", default=None, metavar="YYYY-MM-DD", help=_l("Calls offered on this day or later."))
@click.option("--to", "date_to", default=None, metavar="YYYY-MM-DD", help=_l("Calls offered on this day or earlier."))
@click.option("--speaker", type=click.Choice(["agent", "caller"]), default=None, help=_l("Only what this side said."))
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000), help=_l("Calls listed at most."))
@click.option("--json", "as_json", is_flag=True, help=_l('Print {"hits": [...], "total": n} as JSON on stdout.'))
@click.option(
    "--reindex", is_flag=True, help=_l("Index every finished transcript again (and search, if TEXT is given).")
)
def search(
    text: str | None,
    staff_number: str | None,
    date_from: str | None,
    date_to: str | None,
    speaker: str | None,
    limit: int,
    as_json: bool,
    reindex: bool,
) -> None:
    from qa_app.cli_support import fail, run_with_database
    from qa_app.formatting import duration, local
    from qa_app.tables import Agent
    from transcription import search as engine

    if not text and not reindex:
        fail(_("give the words to search for, e.g. qa search '\"missed bin\"'"), 2)
    query = filters = None
    if text:
        try:
            query = engine.parse(text)
            filters = engine.Filters(
                speaker=speaker, date_from=_day(date_from, "--from"), date_to=_day(date_to, "--to")
            )
        except engine.SearchError as error:
            fail(str(error), 2)

    async def run():
        if reindex:
            done = await engine.index_all(
                lambda n: click.echo(
                    ngettext("indexed %(n)s transcripts", "indexed %(n)s transcripts", n) % {"n": n}, err=True
                )
            )
            click.echo(
                ngettext(
                    "search index: %(n)s finished transcripts indexed",
                    "search index: %(n)s finished transcripts indexed",
                    done,
                )
                % {"n": done},
                err=True,
            )
        if query is None:
            return None
        found = filters
        if staff_number:
            agent = await Agent.select(Agent.id).where(Agent.staff_number == staff_number).first()
            if agent is None:
                return _("no agent has the staff number %(number)s") % {"number": repr(staff_number)}
            found = engine.Filters(
                agent=agent["id"], speaker=filters.speaker, date_from=filters.date_from, date_to=filters.date_to
            )
        return await engine.search(query, found, None, page_size=limit)

    results = run_with_database(run)
    if isinstance(results, str):
        fail(results, 2)
    if results is None:
        return
    if as_json:
        click.echo(json.dumps(results.as_json(), ensure_ascii=False, indent=2))
        return
    click.echo(
        ngettext("%(n)s calls match %(query)s", "%(n)s calls match %(query)s", results.total)
        % {"n": results.total, "query": results.query},
        err=True,
    )
    sides = {"agent": _("agent"), "caller": _("caller")}
    for hit in results.hits:
        who = sides.get(hit.speaker or "", "?")
        click.echo(
            f"{hit.external_id}\t{hit.staff_number or '-'}\t{local(hit.offered_at)}\t{duration(hit.start)}\t"
            f"{who}: {hit.snippet}"
        )
