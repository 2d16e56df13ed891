"""Notifications in the app: what is new for me, and my choice of what reaches me and how."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Redirect, Template

from qa_app import notifications
from qa_app.auth import EVERYONE, require
from qa_app.web import dynamic_form


@get("/notifications", name="notifications", guards=[require(*EVERYONE)], include_in_schema=False)
async def notifications_page(request: Request) -> Template:
    return Template(
        "notifications.html",
        context={
            "items": await notifications.unread(request.user.id),
            "settings": await notifications.settings_for(request.user.id),
            "kinds": notifications.kinds_for(request.user.role),
        },
    )


@post("/notifications/read", guards=[require(*EVERYONE)], include_in_schema=False)
async def notifications_read(request: Request) -> Redirect:
    await notifications.mark_read(request.user.id)
    return Redirect("/notifications")


@post("/notifications/settings", guards=[require(*EVERYONE)], include_in_schema=False)
async def notifications_settings(request: Request) -> Redirect:
    form = await dynamic_form(request)  # a checkbox per kind of notification and channel, ticked or absent
    await notifications.save_settings(
        request.user.id,
        {
            kind: {"in_app": f"{kind}:in_app" in form, "email": f"{kind}:email" in form}
            for kind in notifications.kinds_for(request.user.role)
        },
    )
    return Redirect("/notifications")


ROUTES = [notifications_page, notifications_read, notifications_settings]
