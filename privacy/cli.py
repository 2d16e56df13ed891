"""`qa privacy find|export|erase|erase-expired` (privacy/requests.py). Without --json, each kind's
count (and for `find` its items) is printed on stdout."""

from __future__ import annotations

import json
from pathlib import Path

import click

from privacy import requests as privacy
from qa_app.cli_support import fail, handles_config_errors, run_with_database


def show(result: dict, as_json: bool, verb: str = "") -> None:
    if as_json:
        return click.echo(json.dumps(result, indent=2, default=str))
    for kind, value in result.items():
        listed = value if isinstance(value, list) else None  # `find` lists the items, the others count
        click.echo(f"{kind}: {value if listed is None else len(listed)}{verb}")
        for item in listed or []:
            click.echo(f"  {json.dumps(item, default=str)}")


@click.group(name="privacy", help="Residents' personal data: access and erasure requests, retention.")
def privacy_group() -> None:
    pass


WHO = [
    click.Option(["--phone"], help="The resident's phone number, in any format."),
    click.Option(["--email"], help="The resident's email address."),
    click.Option(["--json", "as_json"], is_flag=True, help="Print the result as JSON on stdout."),
]
OUT = click.Option(["--out"], required=True, type=click.Path(dir_okay=False, path_type=Path), help="The zip to write.")
REQUESTS = {
    "find": "List everything linked to a resident's phone number or email.",
    "export": "Write everything linked to a resident into a zip: personal-data.json and the audio files.",
    "erase": "Erase the personal content linked to a resident, whatever its age (the statistics stay); "
    "the audit log records how much, not the number or address.",
}


@handles_config_errors
def resident_request(phone: str | None, email: str | None, as_json: bool, out: Path | None = None) -> None:
    action = click.get_current_context().info_name
    try:
        who = privacy.subject(phone, email)
    except ValueError as error:
        fail(str(error), 2)
    run = {"find": privacy.find, "erase": privacy.erase, "export": lambda *w: privacy.export(*w, out)}[action]
    show(
        run_with_database(lambda: run(*who)),
        as_json,
        {"find": "", "export": f" exported to {out}"}.get(action, " erased"),
    )


for _name, _help in REQUESTS.items():
    _params = [*WHO, OUT] if _name == "export" else WHO
    privacy_group.add_command(click.Command(_name, callback=resident_request, params=_params, help=_help))


@privacy_group.command(name="erase-expired", help="Erase personal data past its retention (QA_RETENTION); run daily.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
def erase_expired(as_json: bool) -> None:
    show(run_with_database(privacy.erase_expired), as_json, " erased")
