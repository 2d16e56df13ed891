"""`qa audits ...`: mystery-email campaigns from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import click

from qa_app.i18n import _, _l, ngettext


@click.group(name="audits", help=_l("Mystery-email audits: test emails to the centre's addresses, timed and graded."))
def audits() -> None:
    pass


@audits.command(
    name="create",
    help=_l(
        "A campaign from a CSV of scenarios: title, to, department, subject, question, "
        "key_points ('point: word/word | point'), and optionally resident_name."
    ),
)
@click.option("--name", required=True, help=_l("e.g. 'Autumn 2026'"))
@click.option(
    "--scenarios", "path", type=click.Path(path_type=Path), required=True, help=_l("The CSV file of scenarios.")
)
@click.option("--from", "sender", default="", help=_l("The mystery resident's address (the QA mailbox)."))
@click.option(
    "--ack-hours", type=int, default=8, show_default=True, help=_l("Target: working hours to an acknowledgement.")
)
@click.option("--answer-days", type=int, default=2, show_default=True, help=_l("Target: working days to the answer."))
def audits_create(name: str, path: Path, sender: str, ack_hours: int, answer_days: int) -> None:
    from audits.campaigns import AuditError, create_campaign, read_scenarios
    from kit.table_file import ImportError_
    from qa_app.cli_support import fail, run_with_database

    try:
        scenarios = read_scenarios(path)
        campaign = run_with_database(
            lambda: create_campaign(
                name, scenarios, sender=sender, ack_target_hours=ack_hours, answer_target_days=answer_days
            )
        )
    except (ImportError_, AuditError) as error:
        fail(str(error), 2)
    click.echo(
        ngettext(
            "campaign %(id)s %(name)s: %(num)s scenario", "campaign %(id)s %(name)s: %(num)s scenarios", len(scenarios)
        )
        % {"id": campaign, "name": repr(name), "num": len(scenarios)},
        err=True,
    )
    click.echo(campaign)


@audits.command(name="send", help=_l("Send a campaign's test emails through QA_SMTP_URL (those not sent yet)."))
@click.argument("campaign")
def audits_send(campaign: str) -> None:
    from audits.campaigns import AuditError, campaign_by_name_or_id, send_campaign
    from qa_app import mail
    from qa_app.cli_support import fail, run_with_database

    async def work():
        row = await campaign_by_name_or_id(campaign)
        return await send_campaign(row["id"])

    try:
        sent = run_with_database(work)
    except (AuditError, mail.MailError) as error:
        fail(str(error), 1)
    click.echo(ngettext("%(num)s test email sent", "%(num)s test emails sent", sent) % {"num": sent}, err=True)


@audits.command(name="fetch", help=_l("Take in replies from the QA mailbox (QA_IMAP_URL) and match them."))
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help=_l("Only messages from this day on."))
@click.option("--json", "as_json", is_flag=True, help=_l("Also print the counts as JSON."))
def audits_fetch(since, as_json: bool) -> None:
    from audits.campaigns import take_in
    from audits.mailbox import MailboxError, fetch_imap
    from qa_app.cli_support import fail, run_with_database

    try:
        messages = fetch_imap(since=since.date() if since else None)
    except MailboxError as error:
        fail(str(error), 1)
    _report(run_with_database(lambda: take_in(messages, "imap")), as_json)


@audits.command(name="import", help=_l("Take in replies from .eml files or .mbox exports."))
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help=_l("Also print the counts as JSON."))
def audits_import(files: tuple[Path, ...], as_json: bool) -> None:
    from audits.campaigns import take_in
    from audits.mailbox import MailboxError, read_upload
    from qa_app.cli_support import fail, run_with_database

    messages = []
    try:
        for file in files:
            messages += read_upload(file.name, file.read_bytes())
    except MailboxError as error:
        fail(str(error), 2)
    _report(run_with_database(lambda: take_in(messages, "upload")), as_json)


def _report(intake, as_json: bool) -> None:
    for problem in intake.unreadable:
        click.echo(problem, err=True)
    click.echo(
        _(
            "%(read)s messages: %(matched)s replies matched (%(automatic)s automatic), "
            "%(unmatched)s not matched, %(duplicates)s seen before"
        )
        % {
            "read": intake.read,
            "matched": intake.matched,
            "automatic": intake.acknowledgements,
            "unmatched": intake.unmatched,
            "duplicates": intake.duplicates,
        },
        err=True,
    )
    if as_json:
        click.echo(json.dumps(intake.as_json()))
