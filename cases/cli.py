"""`qa cases ...`: the case register's service suggestions, API keys and retention."""

from __future__ import annotations

import json

import click

from qa_app import formatting
from qa_app.cli_support import create_api_key, fail, run_with_database
from qa_app.i18n import _, _l


@click.group(name="cases", help=_l("The case register."))
def cases_group() -> None:
    pass


@cases_group.command(name="train", help=_l("Train the service suggestions on the register's history; print accuracy."))
@click.option("--json", "as_json", is_flag=True, help=_l("Also print the evaluation as JSON."))
def cases_train(as_json: bool) -> None:
    from cases import categories, register

    texts, labels = run_with_database(register.training_data)
    if reason := categories.enough_history(labels):
        fail(_("not trained: %(reason)s; suggestions use the catalogue's keywords meanwhile") % {"reason": reason}, 1)
    model, evaluation = categories.train(texts, labels)
    path = categories.save(model, register.models_dir())
    click.echo(
        _(
            "trained on %(cases)s cases in %(services)s services; on a held-out fifth: accuracy %(accuracy)s, "
            "macro-F1 %(f1)s, right service in the top three %(top3)s; saved to %(path)s"
        )
        % {
            "cases": evaluation.cases,
            "services": evaluation.services,
            "accuracy": formatting.percent(evaluation.accuracy),
            "f1": formatting.decimal(evaluation.macro_f1, 3),
            "top3": formatting.percent(evaluation.top3_accuracy),
            "path": path,
        },
        err=True,
    )
    if as_json:
        click.echo(json.dumps({**evaluation.__dict__, "model": str(path)}))


@cases_group.command(name="api-client", help=_l("Create an API key for an Open311 app (shown once)."))
@click.option("--name", required=True, help=_l("e.g. 'FixMyStreet'"))
def cases_api_client(name: str) -> None:
    create_api_key(name, "open311", "api_key")


@cases_group.command(
    name="erase-expired",
    help=_l(
        "Erase the contacts of cases closed more than QA_RETENTION contacts days ago (part of `qa privacy erase-expired`)."
    ),
)
def cases_erase_expired() -> None:
    from cases import register

    erased = run_with_database(register.erase_expired_contacts)
    click.echo(_("%(n)s residents' contacts erased") % {"n": erased}, err=True)
