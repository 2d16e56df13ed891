"""The balanced-scorecard settings: weights, targets and the sample's rules (administrators).

The form shows and takes the weights as percentages that must add up to 100 (stored as
fractions, as `config.py` keeps them) and the targets as percentages; a refused form comes back
with everything as it was typed and the error beside its fields."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST

from qa_app.auth import require
from qa_app.i18n import _
from qa_app.tables import Role
from qa_app.web import dynamic_form
from scorecards import config

# Targets typed as a percentage; the handle-time ratio is typed as it is stored (1.1 = 110%).
PERCENT_TARGETS = ("quality", "csat", "service_level", "attendance", "punctuality")
WHOLE_NUMBERS = ("per_agent", "min_seconds", "respond_days", "service_level_seconds")


def _plain(value: float) -> str:
    """A number as an input's value: 40, 12.5 (no float noise such as 40.00000001)."""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def fields_from(settings: dict[str, Any]) -> dict[str, str]:
    """The form's values (text, by input name) for stored settings."""
    fields = {f"weight_{p}": _plain(settings["weights"][p] * 100) for p in config.PARTS}
    for name in PERCENT_TARGETS:
        fields[f"target_{name}"] = _plain(settings["targets"][name] * 100)
    fields["target_handle_time_ratio"] = _plain(settings["targets"]["handle_time_ratio"])
    for name in WHOLE_NUMBERS:
        fields[name] = str(settings[name])
    return fields


def _number(fields: dict[str, str], name: str, errors: dict[str, str]) -> float | None:
    try:
        return float(fields.get(name, "").strip().replace(",", "."))
    except ValueError:
        errors[name] = _("Type a number.")
        return None


def weights_total(fields: dict[str, str]) -> float | None:
    """The sum of the typed weights, or None while one of them is not a number."""
    try:
        return sum(float(fields.get(f"weight_{p}", "").strip().replace(",", ".")) for p in config.PARTS)
    except ValueError:
        return None


def values_from(fields: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    """The settings to store from the typed fields; problems go into `errors` by field name
    ("weights" for the weights together)."""
    values: dict[str, Any] = {"weights": {}, "targets": {}}
    percentages = {p: _number(fields, f"weight_{p}", errors) for p in config.PARTS}
    if all(v is not None for v in percentages.values()):
        try:
            values["weights"] = config.weights_from_percentages(percentages)  # type: ignore[arg-type]
        except config.SettingsError as error:
            errors["weights"] = str(error)
    for name in PERCENT_TARGETS:
        if (number := _number(fields, f"target_{name}", errors)) is not None:
            values["targets"][name] = number / 100
    if (ratio := _number(fields, "target_handle_time_ratio", errors)) is not None:
        values["targets"]["handle_time_ratio"] = ratio
    for name in WHOLE_NUMBERS:
        text = fields.get(name, "").strip()
        if text.isdigit():
            values[name] = int(text)
        else:
            errors[name] = _("Type a whole number.")
    return values


def _page(fields: dict[str, str], errors: dict[str, str], error: str | None, status: int = 200) -> Template:
    total = weights_total(fields)
    return Template(
        "scorecards/settings.html",
        context={
            "v": fields,
            "errors": errors,
            "error": error,
            "total": config.format_total(total) if total is not None else None,
            "total_ok": _adds_up(total),
        },
        status_code=status,
    )


@get("/scorecards/settings", name="scorecard_settings", guards=[require(Role.admin)], include_in_schema=False)
async def settings_page() -> Template:
    return _page(fields_from(await config.load()), {}, None)


@post("/scorecards/settings", guards=[require(Role.admin)], include_in_schema=False)
async def settings_save(request: Request) -> Redirect | Template:
    form = await dynamic_form(request)
    fields = {key: value if isinstance(value, str) else value[-1] for key, value in form.items()}
    errors: dict[str, str] = {}
    values = values_from(fields, errors)
    if not errors:
        try:
            await config.save(values, request.user.id)
        except config.SettingsError as error:
            return _page(fields, errors, str(error), HTTP_400_BAD_REQUEST)
        return Redirect("/scorecards/settings?saved=1")
    return _page(fields, errors, _("Nothing was saved: put right what is marked below."), HTTP_400_BAD_REQUEST)


@post("/scorecards/settings/total", guards=[require(Role.admin)], include_in_schema=False)
async def settings_total(request: Request) -> Template:
    """The weights' total as they are being typed (the form asks for it with htmx)."""
    form = await dynamic_form(request)
    fields = {key: value if isinstance(value, str) else value[-1] for key, value in form.items()}
    total = weights_total(fields)
    return Template(
        template_str="{{ total }}{% if ok %} ✓{% endif %}",
        context={"total": config.format_total(total) if total is not None else "–", "ok": _adds_up(total)},
        status_code=200,
    )


def _adds_up(total: float | None) -> bool:
    return total is not None and abs(total - 100) <= 0.01


ROUTES = [settings_page, settings_save, settings_total]
