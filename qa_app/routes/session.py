"""Login and logout."""

from __future__ import annotations

from urllib.parse import urlparse

from litestar import Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST
from msgspec import Struct

from qa_app import audit, limits
from qa_app.auth import EVERYONE, require, start_session
from qa_app.users import UserError, authenticate, change_own_password
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


@get("/login", name="login", include_in_schema=False)
async def login_page(request: Request, next: FromQuery[str] = "/") -> Template:
    if request.session.get("user_id"):
        return Redirect(safe_next(next))  # type: ignore[return-value]
    return Template("login.html", context={"next": safe_next(next), "error": None, "email": ""})


@post("/login", include_in_schema=False, middleware=[login_rate_limit.middleware])
async def login_submit(request: Request, data: Form[LoginForm]) -> Template | Redirect:
    store = request.app.stores.get(limits.STORE)
    context = {"next": safe_next(data.next), "email": data.email}
    if wait := await limits.account_wait(store, data.email):
        minutes = max(1, round(wait / 60))
        message = f"Too many failed attempts for this account. Please wait {minutes} minute{'s' * (minutes > 1)}."
        return Template(
            "login.html", context={**context, "error": message}, status_code=429, headers={"retry-after": str(wait)}
        )
    user = await authenticate(data.email, data.password)
    if user is None:
        await limits.login_failed(store, data.email)
        return Template(
            "login.html",
            context={**context, "error": "That e-mail and password do not match an account."},
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


@post("/logout", name="logout", include_in_schema=False)
async def logout(request: Request) -> Redirect:
    user = request.scope.get("user")
    request.clear_session()
    if user is not None:
        await audit.record(user.id, "logout", "user", user.id)
    return Redirect("/login")


ROUTES = [login_page, login_submit, password_page, password_change, logout]
