"""The `qa` command. Names and `--json` shapes are part of the contract in DESIGN.md.

Every command that touches the database applies pending migrations first, so a fresh data
folder just works. Bad input ends with a one-line reason on stderr and a non-zero exit.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import click

from qa_app import db, i18n, packages
from qa_app.cli_support import fail, handles_config_errors, run_with_database
from qa_app.i18n import _, _l, ngettext
from qa_app.settings import ConfigError, get_settings


@click.group(help=_l("Quality assurance and customer feedback for a municipal contact centre."))
def main() -> None:
    pass


@main.group(name="db", help=_l("The database."))
def db_group() -> None:
    pass


@db_group.command(name="upgrade", help=_l("Apply pending migrations."))
@handles_config_errors
def db_upgrade() -> None:
    run_with_database(lambda: asyncio.sleep(0))
    click.echo(_("database up to date: %(database)s") % {"database": db.describe(db.current_engine())}, err=True)


@main.command(help=_l("Load a realistic demo centre (idempotent) and print the demo logins."))
@click.option("--seed", default=2026, show_default=True, help=_l("Random seed of the generated data."))
@handles_config_errors
def demo(seed: int) -> None:
    from qa_app import demo as demo_module

    credentials = run_with_database(lambda: demo_module.load_demo(seed=seed, echo=lambda m: click.echo(m, err=True)))
    click.echo(_("Demo logins (also in %(path)s):") % {"path": demo_module.credentials_path()})
    for role, email, password in credentials:
        click.echo(f"  {role:<12} {email:<28} {password}")


@main.command(help=_l("Run the web app (applies migrations first)."))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help=_l("Web processes (one per core serves most); more than one needs QA_QUEUE_URL."),
)
@handles_config_errors
def serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    if workers > 1 and not get_settings().queue_url:
        # Several processes must share the rate limits and leave background jobs to `qa worker`;
        # without a shared queue each would keep its own limits and run the jobs itself.
        raise click.UsageError(
            _("several web processes need QA_QUEUE_URL (Redis or PostgreSQL) to share limits and jobs")
        )
    run_with_database(lambda: asyncio.sleep(0))
    click.echo(
        _("serving on %(url)s with %(database)s")
        % {"url": f"http://{host}:{port}", "database": db.describe(db.current_engine())},
        err=True,
    )
    uvicorn.run(
        "qa_app.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=False,
    )


@main.command(help=_l("Run queued jobs from QA_QUEUE_URL (PostgreSQL or Redis); start as many as you like."))
@click.option("--concurrency", default=4, show_default=True, type=int, help=_l("Jobs at once in this process."))
@click.option("--burst", is_flag=True, help=_l("Process what is queued now, then exit."))
@handles_config_errors
def worker(concurrency: int, burst: bool) -> None:
    import logging

    from qa_app import jobs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    job_worker = jobs.worker(concurrency=concurrency, burst=burst)
    names = ", ".join(f.__name__ for f in job_worker.functions.values())
    click.echo(_("worker on queue %(queue)r: %(jobs)s") % {"queue": jobs.QUEUE_NAME, "jobs": names}, err=True)

    async def run() -> None:
        await job_worker.queue.connect()
        try:
            await job_worker.start()
        finally:
            await job_worker.queue.disconnect()

    asyncio.run(run())


@main.group(help=_l("Users and their roles."))
def users() -> None:
    pass


@users.command(name="create", help=_l("Create a user; the password is asked for, or generated and printed once."))
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "manager", "qa", "team_leader", "agent"]))
@click.option(
    "--agent", "agent", default=None, help=_l("Staff number of the agent this login belongs to (role agent).")
)
@click.option("--name", default="")
@click.option("--password-stdin", is_flag=True, help=_l("Read the password from standard input."))
@handles_config_errors
def users_create(email: str, role: str, agent: str | None, name: str, password_stdin: bool) -> None:
    from qa_app.users import create_user, generate_password

    generated = False
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    else:
        password, generated = generate_password(), True
    user_id = run_with_database(
        lambda: create_user(email=email, role=role, password=password, name=name, agent_staff_number=agent)
    )
    click.echo(_("created user %(id)s: %(email)s (%(role)s)") % {"id": user_id, "email": email, "role": role}, err=True)
    if generated:
        click.echo(_("password: %(password)s") % {"password": password})


@main.group(name="notify", help=_l("Notifications."))
def notify() -> None:
    pass


@notify.command(name="digest", help=_l("Email each user what is new for them (run daily), through QA_SMTP_URL."))
@click.option("--base-url", required=True, help=_l("The app's address, for the links, e.g. https://qa.city.example"))
def notify_digest(base_url: str) -> None:
    from qa_app import mail, notifications

    try:
        sent = run_with_database(lambda: notifications.send_digests(base_url))
    except mail.MailError as error:
        fail(str(error), 1)
    click.echo(ngettext("%(num)s digest sent", "%(num)s digests sent", sent) % {"num": sent}, err=True)


@main.group(name="import", help=_l("Import calls and attendance."))
def import_group() -> None:
    pass


def _print_summary(summary: Any, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(summary.as_json(), indent=2, default=str))
    else:
        for error in summary.errors[:20]:
            click.echo(_("line %(line)s: %(reason)s") % error, err=True)
        if summary.rejected > 20:
            click.echo(_("... and %(num)s more rejected rows (see --json)") % {"num": summary.rejected - 20}, err=True)
        for agent in summary.agents_created:
            click.echo(_("created agent %(agent)s") % {"agent": agent}, err=True)
    click.echo(("" if summary.committed else "qa: ") + summary.headline(), err=True)
    if not summary.committed:
        sys.exit(1)


@import_group.command(
    name="calls", help=_l("Import calls from a file, streaming it; re-importing updates, never duplicates.")
)
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", required=True, type=click.Choice(["csv", "asterisk-queue-log", "asterisk-cdr"]))
@click.option(
    "--recordings", type=click.Path(path_type=Path), help=_l("Folder of recordings, matched by the call's unique id.")
)
@click.option("--skip-invalid", is_flag=True, help=_l("Import the good rows and report the bad ones."))
@click.option("--create-agents", is_flag=True, help=_l("Create agents the file names that are not known yet."))
@click.option("--map", "mapping", multiple=True, metavar="OURS=THEIRS", help=_l("CSV: our column name = the file's."))
@click.option(
    "--timezone",
    "source_timezone",
    default=None,
    help=_l("Time zone of times without an offset (default QA_TIMEZONE)."),
)
@click.option("--json", "as_json", is_flag=True, help=_l("Print the summary as JSON on stdout."))
@handles_config_errors
def import_calls_command(
    file: Path,
    fmt: str,
    recordings: Path | None,
    skip_invalid: bool,
    create_agents: bool,
    mapping: tuple[str, ...],
    source_timezone: str | None,
    as_json: bool,
) -> None:
    from qa_app.cli_support import byte_progress
    from qa_app.imports.run import import_calls

    with byte_progress(_("importing %(file)s") % {"file": file.name}) as progress:
        summary = run_with_database(
            lambda: import_calls(
                file,
                fmt,
                skip_invalid=skip_invalid,
                create_agents=create_agents,
                recordings_dir=recordings,
                mapping=mapping,
                source_timezone=source_timezone,
                progress=progress,
            )
        )
    _print_summary(summary, as_json)


@import_group.command(
    name="attendance",
    help=_l("Import the rota: staff_number, date, scheduled_minutes, worked_minutes, absence, minutes_late."),
)
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--skip-invalid", is_flag=True)
@click.option("--map", "mapping", multiple=True, metavar="OURS=THEIRS")
@click.option("--json", "as_json", is_flag=True)
@handles_config_errors
def import_attendance_command(file: Path, skip_invalid: bool, mapping: tuple[str, ...], as_json: bool) -> None:
    from qa_app.imports.run import import_attendance

    summary = run_with_database(lambda: import_attendance(file, skip_invalid=skip_invalid, mapping=mapping))
    _print_summary(summary, as_json)


@main.group(name="i18n", help=_l("The translations of the product's own texts (README: Adding a language)."))
def i18n_group() -> None:
    pass


@i18n_group.command(
    name="extract", help=_l("Bring each package's catalogues up to date with the texts marked in its source.")
)
@click.argument("package_names", nargs=-1)
@click.option(
    "--language", "languages", multiple=True, help=_l("Only this language (repeatable); default: every translated one.")
)
def i18n_extract(package_names: tuple[str, ...], languages: tuple[str, ...]) -> None:
    from qa_app import catalogues

    names = package_names or [p.name for p in packages.installed()]
    for name in names:
        counts = catalogues.update(name, languages or i18n.TRANSLATED)
        shown = ", ".join(
            _("%(language)s: %(num)s untranslated") % {"language": language, "num": n} for language, n in counts.items()
        )
        click.echo(f"{name}: {shown or _('no texts')}")


@i18n_group.command(
    name="compile", help=_l("Compile every catalogue (.po) into the .mo the app reads; the install runs this.")
)
def i18n_compile() -> None:
    from qa_app import catalogues

    made = catalogues.compile_all()
    click.echo(ngettext("%(num)s catalogue compiled", "%(num)s catalogues compiled", len(made)) % {"num": len(made)})


@i18n_group.command(name="check", help=_l("Texts marked in the source that a catalogue does not translate yet."))
@click.option("--language", "languages", multiple=True)
def i18n_check(languages: tuple[str, ...]) -> None:
    from qa_app import catalogues

    missing = 0
    for package in packages.installed():
        for language in languages or i18n.TRANSLATED:
            report = catalogues.check(package.name, language)
            missing += len(report.untranslated)
            for text in report.untranslated:
                click.echo(f"{package.name} {language}: {text!r}")
    if missing:
        fail(ngettext("%(num)s text untranslated", "%(num)s texts untranslated", missing) % {"num": missing})
    click.echo(_("every text is translated"))


try:  # the command speaks the centre's language (QA_LANGUAGE)
    i18n.set_current(i18n.default_language())
except ConfigError:  # a bad setting is reported by the command that reads it, in English
    pass

for _command in packages.commands():
    main.add_command(_command)


if __name__ == "__main__":
    main()
