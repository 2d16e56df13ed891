"""`qa cases ...`: the case register's service suggestions, API keys and retention."""

from __future__ import annotations

import json

import click

from qa_app.cli_support import create_api_key, fail, run_with_database


@click.group(name="cases", help="The case register.")
def cases_group() -> None:
    pass


@cases_group.command(name="train", help="Train the service suggestions on the register's history; print accuracy.")
@click.option("--json", "as_json", is_flag=True)
def cases_train(as_json: bool) -> None:
    from cases import categories, register

    texts, labels = run_with_database(register.training_data)
    if reason := categories.enough_history(labels):
        fail(f"not trained: {reason}; suggestions use the catalogue's keywords meanwhile", 1)
    model, evaluation = categories.train(texts, labels)
    path = categories.save(model, register.models_dir())
    click.echo(
        f"trained on {evaluation.cases} cases in {evaluation.services} services; on a held-out fifth: accuracy "
        f"{evaluation.accuracy:.1%}, macro-F1 {evaluation.macro_f1:.3f}, right service in the top three "
        f"{evaluation.top3_accuracy:.1%}; saved to {path}",
        err=True,
    )
    if as_json:
        click.echo(json.dumps({**evaluation.__dict__, "model": str(path)}))


@cases_group.command(name="api-client", help="Create an API key for an Open311 app (shown once).")
@click.option("--name", required=True, help="e.g. 'FixMyStreet'")
def cases_api_client(name: str) -> None:
    create_api_key(name, "open311", "api_key")


@cases_group.command(
    name="erase-expired",
    help="Erase the contacts of cases closed more than QA_RETENTION contacts days ago (part of `qa privacy erase-expired`).",
)
def cases_erase_expired() -> None:
    from cases import register

    click.echo(f"{run_with_database(register.erase_expired_contacts)} residents' contacts erased", err=True)
