"""Login and logout.

Other ways of signing in plug in here without the shell naming them: an installed package's
`sign_in` module (the organisation's directory: directory/sign_in.py says what it answers) adds
its buttons to the login page, checks the login form's password first, and may sign the browser
out elsewhere too."""

from __future__ import annotations

import importlib
import importlib.util
from functools import cache
from typing import Any
from urllib.parse import urlparse

from litestar import Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST
from msgspec import Struct

from qa_app import audit, i18n, limits, packages
from qa_app.auth import EVERYONE, require, start_session
from qa_app.i18n import _, ngettext
from qa_app.tables import User
from qa_app.users import UserError, authenticate, change_own_password, reset_for, reset_password
from qa_app.web import Form

# Per client address: enough for a person who mistypes, too few for guessing passwords.
login_rate_limit = limits.per_minute(10)


class LoginForm(Struct):
    email: str = ""
    password: str = ""
    next: str = "/"


def safe_next(target: str | None) -> str:
    """Only paths on this site: never an open redirect to another host."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@cache
def sign_in_hooks() -> tuple[Any, ...]:
    """The `sign_in` modules of the installed packages."""
    names = (f"{package.name}.sign_in" for package in packages.installed())
    return tuple(importlib.import_module(name) for name in names if importlib.util.find_spec(name))


def login_context(next_: str, error: str | None = None, email: str = "") -> dict[str, Any]:
    """What the login page shows: the form, the organisation's sign-in buttons, a note on passwords."""
    hooks = sign_in_hooks()
    return {
        "next": next_,
        "error": error,
        "email": email,
        "sign_in_buttons": [button for hook in hooks for button in hook.buttons(next_)],
        "password_note": next((note for hook in hooks if (note := hook.password_note())), None),
        "login_by_name": any(hook.login_by_name() for hook in hooks),
    }


@get("/login", name="login", include_in_schema=False)
async def login_page(request: Request, next: FromQuery[str] = "/") -> Template:
    if request.session.get("user_id"):
        return Redirect(safe_next(next))  # type: ignore[return-value]
    return Template("login.html", context=login_context(safe_next(next)))


@post("/login", include_in_schema=False, middleware=[login_rate_limit.middleware])
async def login_submit(request: Request, data: Form[LoginForm]) -> Template | Redirect:
    store = request.app.stores.get(limits.STORE)
    context = login_context(safe_next(data.next), email=data.email)
    if wait := await limits.account_wait(store, data.email):
        minutes = max(1, round(wait / 60))
        message = ngettext(
            "Too many failed attempts for this account. Please wait %(num)s minute.",
            "Too many failed attempts for this account. Please wait %(num)s minutes.",
            minutes,
        ) % {"num": minutes}
        return Template(
            "login.html", context={**context, "error": message}, status_code=429, headers={"retry-after": str(wait)}
        )
    user, refused = None, None
    for hook in sign_in_hooks():  # the directory first: a user row, a refusal, or None (not theirs)
        outcome = await hook.password_login(data.email, data.password)
        if isinstance(outcome, str):
            refused = outcome
        elif outcome is not None:
            user = outcome
        if outcome is not None:
            break
    if user is None and refused is None:
        user = await authenticate(data.email, data.password)
    if user is None:
        await limits.login_failed(store, data.email)
        return Template(
            "login.html",
            context={**context, "error": refused or _("That e-mail and password do not match an account.")},
            status_code=HTTP_400_BAD_REQUEST,
        )
    await limits.login_succeeded(store, data.email)
    await start_session(request, user)
    await audit.record(user["id"], "login", "user", user["id"])
    return Redirect(safe_next(data.next))


class PasswordForm(Struct):
    current: str = ""
    new: str = ""
    repeated: str = ""


@get("/account/password", name="password", guards=[require(*EVERYONE)], include_in_schema=False)
async def password_page(saved: FromQuery[bool] = False) -> Template:
    return Template("password.html", context={"error": None, "saved": saved})


@post(
    "/account/password", guards=[require(*EVERYONE)], include_in_schema=False, middleware=[login_rate_limit.middleware]
)
async def password_change(request: Request, data: Form[PasswordForm]) -> Template | Redirect:
    try:
        row = await change_own_password(request.user.id, data.current, data.new, data.repeated)
    except UserError as error:
        return Template(
            "password.html", context={"error": str(error), "saved": False}, status_code=HTTP_400_BAD_REQUEST
        )
    await start_session(request, row)  # this browser stays signed in; every other session ends
    return Redirect("/account/password?saved=true")


NO_STORE = {"cache-control": "no-store"}  # the reset page holds its token: no cache keeps it


class ResetForm(Struct):
    token: str = ""
    new: str = ""
    repeated: str = ""


@get("/login/reset", name="password-reset", include_in_schema=False, middleware=[login_rate_limit.middleware])
async def reset_page(token: FromQuery[str] = "") -> Template:
    """The page of a one-time link an administrator made (qa_app/users.py make_reset_link): no
    login needed. The token travels in the query, which the access log redacts."""
    reset = await reset_for(token)
    context = {"token": token, "email": reset["email"] if reset else "", "errors": {}, "done": False}
    return Template("password_reset.html", context=context, status_code=200 if reset else 404, headers=NO_STORE)


@post("/login/reset", include_in_schema=False, middleware=[login_rate_limit.middleware])
async def reset_submit(request: Request, data: Form[ResetForm]) -> Template:
    reset = await reset_for(data.token)
    context = {"token": data.token, "email": reset["email"] if reset else "", "errors": {}, "done": False}
    if reset is None:
        return Template("password_reset.html", context=context, status_code=404, headers=NO_STORE)
    try:
        await reset_password(data.token, data.new, data.repeated)
    except UserError as error:
        context["errors"] = {error.field or "form": str(error)}
        return Template("password_reset.html", context=context, status_code=HTTP_400_BAD_REQUEST, headers=NO_STORE)
    # A new password is a fresh start for the account's failed-login back-off too.
    await limits.login_succeeded(request.app.stores.get(limits.STORE), reset["email"])
    return Template("password_reset.html", context={**context, "done": True}, headers=NO_STORE)


class LanguageForm(Struct):
    language: str = ""


@get("/account", name="account", guards=[require(*EVERYONE)], include_in_schema=False)
async def account_page(request: Request, saved: FromQuery[bool] = False) -> Template:
    return Template("account.html", context={"chosen": request.user.language, "saved": saved})


@post("/account/language", guards=[require(*EVERYONE)], include_in_schema=False)
async def language_change(request: Request, data: Form[LanguageForm]) -> Redirect:
    """The user's own language ("" = the centre's, or the browser's when the centre has none)."""
    choice = data.language if data.language in i18n.LANGUAGES else ""
    await User.update({User.language: choice}).where(User.id == request.user.id)
    return Redirect("/account?saved=true")


@post("/logout", name="logout", include_in_schema=False)
async def logout(request: Request) -> Redirect | Template:
    user = request.scope.get("user")
    session = dict(request.session) if request.session else {}
    request.clear_session()
    if user is not None:
        await audit.record(user.id, "logout", "user", user.id)
    for hook in sign_in_hooks():  # signing out at the organisation's provider too
        if (page := await hook.after_logout(request, session)) is not None:
            return page
    return Redirect("/login")


ROUTES = [
    login_page,
    login_submit,
    reset_page,
    reset_submit,
    password_page,
    password_change,
    account_page,
    language_change,
    logout,
]
