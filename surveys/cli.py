"""`qa surveys ...`: survey invitations."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click


@click.group(name="surveys", help="Post-call surveys.")
def surveys() -> None:
    pass


@surveys.command(name="invite", help="Create single-use survey links for a month's answered calls.")
@click.option("--month", required=True, metavar="YYYY-MM")
@click.option("--share", type=float, default=1.0, show_default=True, help="Share of the calls to invite (0-1].")
@click.option("--service", "services", multiple=True, help="Only calls of this service (repeatable).")
@click.option("--quiet-days", type=int, default=30, show_default=True, help="Do not ask a caller again within.")
@click.option("--valid-days", type=int, default=14, show_default=True, help="Days a link stays open.")
@click.option("--base-url", required=True, help="The public address of this app, e.g. https://survey.city.example")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(path_type=Path),
    required=True,
    help="Write call id, link and expiry here for an SMS gateway or mail merge (- for stdout).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a summary as JSON on stdout.")
def invite(
    month: str,
    share: float,
    services: tuple[str, ...],
    quiet_days: int,
    valid_days: int,
    base_url: str,
    csv_path: Path,
    as_json: bool,
) -> None:
    from qa_app.cli import fail, run_with_database
    from qa_app.settings import get_settings
    from qa_app.tables import Service
    from qa_app.timeutil import month_range, parse_month
    from surveys.invitations import SurveyError, create_invitations

    try:
        first = parse_month(month)
    except ValueError as error:
        fail(str(error), 2)
    if not base_url.startswith(("https://", "http://")):
        fail("--base-url must start with https:// (or http:// for a test)", 2)

    async def work():
        service_ids = None
        if services:
            rows = await Service.select(Service.id, Service.name).where(Service.name.is_in(list(services)))
            missing = sorted(set(services) - {r["name"] for r in rows})
            if missing:
                raise SurveyError(f"no service named {missing[0]!r} in the catalogue")
            service_ids = [r["id"] for r in rows]
        start, end = month_range(first, get_settings().timezone)
        return await create_invitations(
            start,
            end,
            share=share,
            service_ids=service_ids,
            quiet_days=quiet_days,
            valid_days=valid_days,
            channel="sms",
        )

    try:
        links = run_with_database(work)
    except SurveyError as error:
        fail(str(error), 2)
    handle = sys.stdout if str(csv_path) == "-" else open(csv_path, "w", newline="")  # noqa: SIM115
    try:
        writer = csv.writer(handle)
        writer.writerow(["call_id", "link", "expires_at"])
        for link in links:
            writer.writerow(
                [link.call_external_id, f"{base_url.rstrip('/')}/s/{link.token}", link.expires_at.isoformat()]
            )
    finally:
        if handle is not sys.stdout:
            handle.close()
    click.echo(f"{len(links)} survey links for {month}", err=True)
    if as_json and str(csv_path) != "-":
        click.echo(json.dumps({"month": month, "created": len(links), "csv": str(csv_path)}))


@surveys.command(name="integration", help="Create an API key for a phone system that posts survey answers.")
@click.option("--name", required=True, help="e.g. 'Asterisk IVR'")
def integration(name: str) -> None:
    from qa_app.cli import fail, run_with_database
    from surveys.ivr import IvrError, create_integration

    try:
        key = run_with_database(lambda: create_integration(name))
    except IvrError as error:
        fail(str(error), 2)
    click.echo(f"integration {name!r} created; its API key (shown once, send it as X-API-Key):", err=True)
    click.echo(key)


@surveys.command(
    name="import-ivr", help="Import phone-survey answers: call_id, satisfaction[, resolved, effort, recommend]."
)
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Store the good rows and report the bad ones.")
@click.option("--map", "mapping", multiple=True, metavar="OURS=THEIRS")
@click.option("--json", "as_json", is_flag=True)
def import_ivr(file: Path, skip_invalid: bool, mapping: tuple[str, ...], as_json: bool) -> None:
    from qa_app.cli import run_with_database
    from qa_app.imports.table_file import parse_mapping
    from surveys.ivr import import_file

    summary = run_with_database(lambda: import_file(file, skip_invalid=skip_invalid, mapping=parse_mapping(mapping)))
    if as_json:
        click.echo(json.dumps(summary.as_json(), indent=2))
    else:
        for error in summary.errors[:20]:
            click.echo(f"line {error['line']}: {error['reason']}", err=True)
    if not summary.committed:
        first = summary.errors[0]
        click.echo(
            f"qa: nothing imported: {summary.rejected} bad rows, the first at line {first['line']}: "
            f"{first['reason']} (use --skip-invalid to import the rest)",
            err=True,
        )
        sys.exit(1)
    click.echo(f"{summary.created} phone-survey answers imported, {summary.rejected} rejected", err=True)
