"""`qa privacy find|export|erase|erase-expired` (privacy/requests.py). Without --json, each kind's
count (and for `find` its items) is printed on stdout. `qa privacy redact FILE.json` prints a
transcript with its personal numbers taken out (kit/redaction.py), touching no database."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import click

from kit.redaction import (
    TranscriptError,
    check_transcript,
    count_kinds,
    parse_countries,
    parse_kinds,
    redact_transcript,
)
from privacy import requests as privacy
from qa_app.cli_support import fail, handles_config_errors, run_with_database
from qa_app.i18n import _, _l
from qa_app.settings import get_settings


def show(result: dict, as_json: bool, line: str = "%(kind)s: %(num)s", **more: object) -> None:
    """Each kind's count on a line of its own (`line`, translated, with %(kind)s, %(num)s and `more`)."""
    if as_json:
        return click.echo(json.dumps(result, indent=2, default=str))
    for kind, value in result.items():
        listed = value if isinstance(value, list) else None  # `find` lists the items, the others count
        click.echo(line % {"kind": kind, "num": value if listed is None else len(listed), **more})
        for item in listed or []:
            click.echo(f"  {json.dumps(item, default=str)}")


@click.group(name="privacy", help=_l("Residents' personal data: access and erasure requests, retention."))
def privacy_group() -> None:
    pass


WHO = [
    click.Option(["--phone"], help=_l("The resident's phone number, in any format.")),
    click.Option(["--email"], help=_l("The resident's email address.")),
    click.Option(["--json", "as_json"], is_flag=True, help=_l("Print the result as JSON on stdout.")),
]
OUT = click.Option(
    ["--out"], required=True, type=click.Path(dir_okay=False, path_type=Path), help=_l("The zip to write.")
)
REQUESTS = {
    "find": _l("List everything linked to a resident's phone number or email."),
    "export": _l("Write everything linked to a resident into a zip: personal-data.json and the audio files."),
    "erase": _l(
        "Erase the personal content linked to a resident, whatever its age (the statistics stay); "
        "the audit log records how much, not the number or address."
    ),
}


@handles_config_errors
def resident_request(phone: str | None, email: str | None, as_json: bool, out: Path | None = None) -> None:
    action = click.get_current_context().info_name
    try:
        who = privacy.subject(phone, email)
    except ValueError as error:
        fail(str(error), 2)
    run = {"find": privacy.find, "erase": privacy.erase, "export": lambda *w: privacy.export(*w, out)}[action]
    lines = {
        "find": "%(kind)s: %(num)s",
        "export": _("%(kind)s: %(num)s exported to %(path)s"),
        "erase": _("%(kind)s: %(num)s erased"),
    }
    show(run_with_database(lambda: run(*who)), as_json, lines[action], path=out)


for _name, _help in REQUESTS.items():
    _params = [*WHO, OUT] if _name == "export" else WHO
    privacy_group.add_command(click.Command(_name, callback=resident_request, params=_params, help=_help))


@privacy_group.command(
    name="erase-expired", help=_l("Erase personal data past its retention (QA_RETENTION); run daily.")
)
@click.option("--json", "as_json", is_flag=True, help=_l("Print the result as JSON on stdout."))
def erase_expired(as_json: bool) -> None:
    show(run_with_database(privacy.erase_expired), as_json, _("%(kind)s: %(num)s erased"))


@privacy_group.command(
    name="redact",
    help=_l(
        "Print a transcript (JSON, the shape `qa transcribe file` prints) with its personal numbers, cards, "
        'bank accounts, phone numbers and emails taken out, and "redactions": [{kind, start, end, speaker}]; '
        "to try the settings (QA_REDACT, QA_REDACT_COUNTRIES) on real examples. Nothing is stored."
    ),
)
@click.argument("file")
@click.option("--countries", help=_l("Whose identity numbers to look for, e.g. SE,NL (default QA_REDACT_COUNTRIES)."))
@click.option("--kinds", help=_l("The kinds to take out, e.g. national_id,card (default QA_REDACT)."))
@click.option("--json", "as_json", is_flag=True, help=_l("Print the redacted transcript as JSON on stdout."))
@handles_config_errors
def redact(file: str, countries: str | None, kinds: str | None, as_json: bool) -> None:
    config = get_settings().redaction
    for option, value, parse, field in (
        ("--kinds", kinds, parse_kinds, "kinds"),
        ("--countries", countries, parse_countries, "countries"),
    ):
        if value is not None:
            try:
                config = replace(config, **{field: parse(value)})
            except ValueError as error:
                fail(f"{option}: {error}", 2)
    transcript = read_transcript(Path(file))
    try:
        redacted, redactions = redact_transcript(transcript, config)
    except TranscriptError as error:
        fail(_("%(path)s is not a transcript: %(reason)s") % {"path": file, "reason": error})
    if as_json:
        return click.echo(json.dumps({**redacted, "redactions": redactions}, indent=2, ensure_ascii=False))
    for turn in redacted["turns"]:
        click.echo(f"[{_clock(turn['start'])}-{_clock(turn['end'])}] {turn['speaker'] or '?'}: {turn['text']}")
    click.echo(_("redactions: %(num)s") % {"num": len(redactions)})
    for kind, count in count_kinds(redactions).items():
        click.echo(f"  {kind}: {count}")


def read_transcript(path: Path) -> dict:
    """A transcript file's JSON; a one-line failure when it is missing, not JSON or not a transcript."""
    if not path.is_file():
        fail(_("%(path)s: no such file") % {"path": path})
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        fail(_("%(path)s is not a transcript: not UTF-8 text") % {"path": path})
    except json.JSONDecodeError as error:
        fail(
            _("%(path)s is not a transcript: not JSON (%(reason)s at line %(line)s)")
            % {"path": path, "reason": error.msg, "line": error.lineno}
        )
    try:
        check_transcript(data)
    except TranscriptError as error:
        fail(_("%(path)s is not a transcript: %(reason)s") % {"path": path, "reason": error})
    return data


def _clock(seconds: float | None) -> str:
    if not isinstance(seconds, int | float):
        return "?"
    minutes, secs = divmod(seconds, 60)
    return f"{int(minutes)}:{secs:04.1f}"
