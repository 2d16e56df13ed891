"""What the shell's login and logout (qa_app/routes/session.py) ask the directory. The shell finds
this module by its name in every installed package (`sign_in`), never by the package's name:

- `buttons(next)`: the organisation's sign-in buttons for the login page;
- `password_login(login, password)`: the login form's e-mail and password, checked at the LDAP
  directory first; returns the user's row (signed in), a message (refused), or None (the shell
  checks its own passwords: allowed for everyone, or, with QA_PASSWORD_LOGIN=off, for the
  break-glass administrator alone);
- `password_note()`: a line under the password field when only the break-glass administrator
  may use a password of this app; `login_by_name()`: whether a user name will do (LDAP);
- `after_logout(request, session)`: the page that signs the browser out at the OpenID Connect
  provider too, when it supports that (None: the shell's own redirect to /login).
"""

from __future__ import annotations

import logging
import os
import secrets
from typing import Any
from urllib.parse import quote

from litestar import Request
from litestar.response import Template

from directory import accounts, ldap, oidc
from directory.settings import DirectorySettings, directory_settings
from qa_app.i18n import _, _l
from qa_app.settings import ConfigError
from qa_app.tables import Role, User
from qa_app.users import authenticate

SESSION_ID_TOKEN = "oidc_id_token"  # the ID token of an OpenID Connect sign-in, for signing out
PASSWORDS_OFF = _l(
    "Sign-in with a password of this application is switched off: use your organisation's account (the button above)."
)
WRONG = _l("That e-mail and password do not match an account.")
log = logging.getLogger(__name__)


def _settings() -> DirectorySettings | None:
    """The settings, or None when one of them cannot be used (said in the log): the login page
    still shows, and only the break-glass administrator's password is accepted."""
    try:
        return directory_settings()
    except ConfigError as error:
        log.error("directory sign-in is off: %s", error)
        return None


def buttons(next_: str = "/") -> list[dict[str, str]]:
    settings = _settings()
    if settings is None or not settings.oidc_enabled:
        return []
    href = "/login/oidc" if next_ in ("", "/") else f"/login/oidc?next={quote(next_, safe='/')}"
    return [{"label": settings.oidc_button, "href": href}]


def password_note() -> str | None:
    settings = _settings()
    if settings is None or settings.password_login:
        return None
    if settings.ldap_enabled:
        return _("Use your organisation's account and password.")
    return _("Passwords of this application are for the break-glass administrator only.")


def login_by_name() -> bool:
    settings = _settings()
    return settings is not None and settings.ldap_enabled


async def _break_glass(settings: DirectorySettings, login: str) -> bool:
    """Is this the named break-glass administrator (and an administrator still)?"""
    email = login.strip().lower()
    if not settings.break_glass or email != settings.break_glass:
        return False
    row = await User.select(User.role).where(User.email == email).first()
    return row is not None and row["role"] == Role.admin.value


async def password_login(login: str, password: str) -> dict[str, Any] | str | None:
    settings = _settings()
    if settings is None:  # fail closed, but for the break-glass administrator
        named = os.environ.get("QA_BREAK_GLASS", "").strip().lower()
        if named and await _break_glass(DirectorySettings(break_glass=named), login):
            return None
        return _("Sign-in is not set up correctly here (see the application's log): tell IT.")
    local_allowed = settings.password_login or await _break_glass(settings, login)
    if settings.ldap_enabled:
        failure = None
        try:
            person = await ldap.authenticate_async(settings, login, password)
        except ldap.WrongPassword:
            failure = str(WRONG)
        except ldap.DirectoryUnavailable as error:
            failure = str(error)
        else:
            if person is not None:
                try:
                    return await accounts.sign_in(person)
                except accounts.Refused as refusal:
                    return str(refusal)
            await accounts.forget("ldap", login)  # unknown to the directory (now)
        if failure is not None:
            # A password of this app may still be theirs, where those are allowed.
            if local_allowed and (row := await authenticate(login, password)) is not None:
                return row
            return failure
    if local_allowed:
        return None
    return str(PASSWORDS_OFF if settings.oidc_enabled else WRONG)


async def after_logout(request: Request, session: dict[str, Any]) -> Template | None:
    settings = _settings()
    id_token = session.get(SESSION_ID_TOKEN)
    if not id_token or settings is None or not settings.oidc_enabled:
        return None
    state = secrets.token_urlsafe(16)
    after = str(request.base_url).rstrip("/") + "/login/oidc/signed-out"
    url = await oidc.logout_url(settings, id_token, after, state)
    if url is None:
        return None
    # A page, not a redirect: the logout form's CSP (form-action 'self') would stop a redirect
    # to the provider, while a refresh or a link is an ordinary navigation.
    return Template("directory/signing_out.html", context={"url": url})
