"""The balanced-scorecard settings: weights, targets and the sample's rules (administrators)."""

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


@get("/scorecards/settings", name="scorecard_settings", guards=[require(Role.admin)], include_in_schema=False)
async def settings_page() -> Template:
    return Template("scorecards/settings.html", context={"s": await config.load(), "error": None})


@post("/scorecards/settings", guards=[require(Role.admin)], include_in_schema=False)
async def settings_save(request: Request) -> Redirect | Template:
    form = await dynamic_form(request)  # weight_<part> and target_<measure> for the parts and measures of config
    values: dict[str, Any] = {"weights": {}, "targets": {}}
    try:
        for key, raw in form.items():
            if key.startswith("weight_"):
                values["weights"][key.removeprefix("weight_")] = float(raw)
            elif key.startswith("target_"):
                values["targets"][key.removeprefix("target_")] = float(raw) / (
                    1 if key == "target_handle_time_ratio" else 100
                )
            elif key in ("respond_days", "per_agent", "min_seconds", "service_level_seconds"):
                values[key] = int(raw)
        await config.save(values, request.user.id)
    except (ValueError, config.SettingsError) as error:
        message = str(error) if isinstance(error, config.SettingsError) else _("every field needs a number")
        merged = config._merge(config.DEFAULTS, {})
        return Template(
            "scorecards/settings.html", context={"s": merged, "error": message}, status_code=HTTP_400_BAD_REQUEST
        )
    return Redirect("/scorecards/settings?saved=1")


ROUTES = [settings_page, settings_save]
