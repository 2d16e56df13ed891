"""`qa surveys ...`: survey invitations."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click

from qa_app.i18n import _, _l, ngettext

# Counts keep the English they always had ("1 listed calls ..."): each form is the plural in
# English, and a catalogue gives the right singular.


@click.group(name="surveys", help=_l("Post-call surveys."))
def surveys() -> None:
    pass


@surveys.command(
    name="invite",
    help=_l(
        "Create single-use survey links for a month's answered calls: email them to the residents listed in "
        "--email (call_id,email[,language]) through QA_SMTP_URL, and/or write the links to --csv for an SMS gateway."
    ),
)
@click.option("--month", required=True, metavar="YYYY-MM")
@click.option("--share", type=float, default=1.0, show_default=True, help=_l("Share of the calls to invite (0-1]."))
@click.option("--service", "services", multiple=True, help=_l("Only calls of this service (repeatable)."))
@click.option("--quiet-days", type=int, default=30, show_default=True, help=_l("Do not ask a caller again within."))
@click.option("--valid-days", type=int, default=14, show_default=True, help=_l("Days a link stays open."))
@click.option("--base-url", required=True, help=_l("The public address of this app, e.g. https://survey.city.example"))
@click.option(
    "--email",
    "addresses_path",
    type=click.Path(path_type=Path),
    help=_l("CSV of call_id,email[,language]: these calls' residents are emailed their link (addresses are not kept)."),
)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(path_type=Path),
    help=_l("Write call id, link and expiry of the other calls here for an SMS gateway or mail merge (- for stdout)."),
)
@click.option("--json", "as_json", is_flag=True, help=_l("Print a summary as JSON on stdout."))
def invite(
    month: str,
    share: float,
    services: tuple[str, ...],
    quiet_days: int,
    valid_days: int,
    base_url: str,
    addresses_path: Path | None,
    csv_path: Path | None,
    as_json: bool,
) -> None:
    from kit.spreadsheet import safe_cell
    from kit.table_file import ImportError_
    from kit.timeutil import month_range, parse_month
    from qa_app import mail
    from qa_app.cli_support import fail, run_with_database
    from qa_app.settings import get_settings
    from qa_app.tables import Service
    from surveys.invitation_mail import read_addresses, send_invitations
    from surveys.invitations import SurveyError, create_invitations, withdraw

    try:
        first = parse_month(month)
    except ValueError as error:
        fail(str(error), 2)
    if not base_url.startswith(("https://", "http://")):
        fail(_("--base-url must start with https:// (or http:// for a test)"), 2)
    if addresses_path is None and csv_path is None:
        fail(_("say where the links go: --email ADDRESSES.csv, --csv FILE, or both"), 2)
    recipients, server = {}, None
    if addresses_path is not None:
        try:
            recipients = read_addresses(addresses_path)
            server = mail.configured_server()
        except (ImportError_, mail.MailError) as error:
            fail(str(error), 2)
    settings = get_settings()
    rule = {"share": share, "quiet_days": quiet_days, "valid_days": valid_days}

    async def work():
        service_ids = None
        if services:
            rows = await Service.select(Service.id, Service.name).where(Service.name.is_in(list(services)))
            missing = sorted(set(services) - {r["name"] for r in rows})
            if missing:
                raise SurveyError(_("no service named %(name)s in the catalogue") % {"name": repr(missing[0])})
            service_ids = [r["id"] for r in rows]
        start, end = month_range(first, settings.timezone)
        emailed, sent = [], None
        if recipients:
            emailed = await create_invitations(
                start,
                end,
                service_ids=service_ids,
                channel="email",
                only_calls=set(recipients),
                languages={call: r.language for call, r in recipients.items() if r.language},
                **rule,
            )
            try:
                sent = await send_invitations(emailed, recipients, base_url, settings.timezone, server)
            except mail.MailError:
                await withdraw(emailed)  # nothing went out: a rerun creates and sends them again
                raise
        exported = []
        if csv_path is not None:
            exported = await create_invitations(start, end, service_ids=service_ids, channel="sms", **rule)
        return emailed, sent, exported

    try:
        emailed, sent, exported = run_with_database(work)
    except SurveyError as error:
        fail(str(error), 2)
    except mail.MailError as error:
        fail(_("%(error)s; no link was sent or kept, run again when the mail server answers") % {"error": error}, 1)
    if csv_path is not None:
        handle = sys.stdout if str(csv_path) == "-" else open(csv_path, "w", newline="")  # noqa: SIM115
        try:
            writer = csv.writer(handle)
            writer.writerow(["call_id", "link", "expires_at"])
            for link in exported:  # the phone system's call id is text from outside: made inert
                row = [link.call_external_id, f"{base_url.rstrip('/')}/s/{link.token}", link.expires_at.isoformat()]
                writer.writerow([safe_cell(value) for value in row])
        finally:
            if handle is not sys.stdout:
                handle.close()
    if sent is not None:
        click.echo(
            ngettext(
                "%(n)s survey invitations emailed for %(month)s",
                "%(n)s survey invitations emailed for %(month)s",
                sent.sent,
            )
            % {"n": sent.sent, "month": month},
            err=True,
        )
        for call_id in sent.refused:
            click.echo(
                _("the mail server refused the address for call %(call)s; its link was not sent") % {"call": call_id},
                err=True,
            )
        unknown = len(recipients) - len(emailed)
        if unknown:
            click.echo(
                ngettext(
                    "%(n)s listed calls got no link (not answered in %(month)s, already invited, outside the share, "
                    "or asked within the quiet days)",
                    "%(n)s listed calls got no link (not answered in %(month)s, already invited, outside the share, "
                    "or asked within the quiet days)",
                    unknown,
                )
                % {"n": unknown, "month": month},
                err=True,
            )
    if csv_path is not None:
        click.echo(
            ngettext(
                "%(n)s survey links for %(month)s written to %(file)s",
                "%(n)s survey links for %(month)s written to %(file)s",
                len(exported),
            )
            % {"n": len(exported), "month": month, "file": csv_path},
            err=True,
        )
    if as_json and str(csv_path) != "-":
        summary = {"month": month, "created": len(emailed) + len(exported), "csv": str(csv_path) if csv_path else None}
        if sent is not None:
            summary.update(emailed=sent.sent, refused=sent.refused)
        click.echo(json.dumps(summary))


@surveys.command(name="integration", help=_l("Create an API key for a phone system that posts survey answers."))
@click.option("--name", required=True, help=_l("e.g. 'Asterisk IVR'"))
def integration(name: str) -> None:
    from qa_app.cli_support import create_api_key

    create_api_key(name, "surveys", "X-API-Key")


@surveys.command(
    name="import-ivr", help=_l("Import phone-survey answers: call_id, satisfaction[, resolved, effort, recommend].")
)
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--skip-invalid", is_flag=True, help=_l("Store the good rows and report the bad ones."))
@click.option("--map", "mapping", multiple=True, metavar="OURS=THEIRS")
@click.option("--json", "as_json", is_flag=True)
def import_ivr(file: Path, skip_invalid: bool, mapping: tuple[str, ...], as_json: bool) -> None:
    from kit.table_file import parse_mapping
    from qa_app.cli_support import run_with_database
    from surveys.ivr import import_file

    summary = run_with_database(lambda: import_file(file, skip_invalid=skip_invalid, mapping=parse_mapping(mapping)))
    if as_json:
        click.echo(json.dumps(summary.as_json(), indent=2))
    else:
        for error in summary.errors[:20]:
            click.echo(_("line %(line)s: %(reason)s") % {"line": error["line"], "reason": error["reason"]}, err=True)
    if not summary.committed:
        first = summary.errors[0]
        click.echo(
            "qa: "
            + ngettext(
                "nothing imported: %(n)s bad rows, the first at line %(line)s: %(reason)s "
                "(use --skip-invalid to import the rest)",
                "nothing imported: %(n)s bad rows, the first at line %(line)s: %(reason)s "
                "(use --skip-invalid to import the rest)",
                summary.rejected,
            )
            % {"n": summary.rejected, "line": first["line"], "reason": first["reason"]},
            err=True,
        )
        sys.exit(1)
    click.echo(
        ngettext(
            "%(n)s phone-survey answers imported, %(rejected)s rejected",
            "%(n)s phone-survey answers imported, %(rejected)s rejected",
            summary.created,
        )
        % {"n": summary.created, "rejected": summary.rejected},
        err=True,
    )


@surveys.command(
    name="transcribe-voice",
    help=_l(
        "Transcribe residents' voice comments still waiting (offline, Vosk). Without QA_QUEUE_URL the web app "
        "starts this itself after each voice comment; with it, `qa worker` transcribes them."
    ),
)
@click.option("--json", "as_json", is_flag=True)
def transcribe_voice(as_json: bool) -> None:
    from qa_app.cli_support import run_with_database
    from surveys.voice import transcribe_pending

    counts = run_with_database(transcribe_pending)
    click.echo(
        _("voice comments: %(done)s transcribed, %(failed)s failed, %(pending)s waiting")
        % {"done": counts["done"], "failed": counts["failed"], "pending": counts["pending"]},
        err=True,
    )
    if as_json:
        click.echo(json.dumps(counts))
