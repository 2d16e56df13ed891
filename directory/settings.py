"""The settings of sign-in through the organisation's directory, read from the environment (and
the `.env` file that qa_app.settings loads) on every call: they are cheap to read and tests change
them between requests. They move into qa_app/settings.py's `Settings` later; until then this is
the one place they are read.

OpenID Connect (shown as a button on the login page when QA_OIDC_ISSUER is set):
    QA_OIDC_ISSUER          the provider's issuer URL (its discovery document is at
                            ISSUER/.well-known/openid-configuration)
    QA_OIDC_CLIENT_ID       this app's client id at the provider
    QA_OIDC_CLIENT_SECRET   its secret (empty for a public client: PKCE alone)
    QA_OIDC_ROLES           claim-to-role mapping, entries separated by ";" or new lines:
                            "groups: qa-team -> qa; groups: contact-centre-leaders -> team_leader"
    QA_OIDC_SCOPES          default "openid email profile" (add "groups" where the provider needs it)
    QA_OIDC_STAFF_CLAIM     the claim holding an agent's staff number (default "staff_number")
    QA_OIDC_CLOCK_SKEW      seconds of clock difference tolerated with the provider (default 120,
                            at most 600)
    QA_OIDC_BUTTON          the button's text (default "Sign in with your organisation's account")
    QA_OIDC_REDIRECT_URI    the callback address the provider knows, when this app is reached
                            under another address than the one it sees (default: from the request)
    QA_OIDC_TIMEOUT         seconds to wait for the provider (default 10)

LDAP / Active Directory (the login form's e-mail and password are checked there first when
QA_LDAP_URL is set):
    QA_LDAP_URL             ldap://host:389 or ldaps://host:636
    QA_LDAP_STARTTLS        1: upgrade an ldap:// connection with StartTLS (default 0)
    QA_LDAP_CA_FILE         a CA certificate (PEM) to trust for LDAPS or StartTLS (default: the
                            system's); certificates are always checked
    QA_LDAP_BIND_DN         the service account that searches
    QA_LDAP_BIND_PASSWORD   its password
    QA_LDAP_USER_BASE       where people are searched, e.g. "ou=people,dc=city,dc=example"
    QA_LDAP_USER_FILTER     default "(|(uid={login})(sAMAccountName={login})(mail={login}))";
                            {login} is replaced by what the person typed, escaped
    QA_LDAP_GROUP_BASE      where groups are searched (default: the user base's domain part)
    QA_LDAP_GROUP_ROLES     group DN to role: "cn=qa,ou=groups,dc=city,dc=example=qa; ..."
    QA_LDAP_STAFF_ATTRIBUTE the attribute holding an agent's staff number (default "employeeNumber")
    QA_LDAP_TIMEOUT         seconds for connecting and for each answer (default 5)
    QA_LDAP_SERVER_KIND     auto (default), ad or openldap: how nested groups are read

Passwords kept by this app:
    QA_PASSWORD_LOGIN       on (default) or off: off refuses every password this app keeps, but
                            the break-glass administrator's (directory passwords are the
                            directory's and still work through LDAP)
    QA_BREAK_GLASS          the e-mail of that administrator
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field

from qa_app.settings import ConfigError, get_settings
from qa_app.tables import Role

DEFAULT_USER_FILTER = "(|(uid={login})(sAMAccountName={login})(mail={login}))"
DEFAULT_BUTTON = "Sign in with your organisation's account"
MAX_CLOCK_SKEW = 600


@dataclass(frozen=True)
class ClaimRole:
    """One entry of QA_OIDC_ROLES: a claim holding this value gives the role."""

    claim: str
    value: str
    role: Role


@dataclass(frozen=True)
class DirectorySettings:
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_roles: tuple[ClaimRole, ...] = ()
    oidc_scopes: str = "openid email profile"
    oidc_staff_claim: str = "staff_number"
    oidc_clock_skew: int = 120
    oidc_button: str = DEFAULT_BUTTON
    oidc_redirect_uri: str = ""
    oidc_timeout: float = 10.0
    ldap_url: str = ""
    ldap_starttls: bool = False
    ldap_ca_file: str = ""
    ldap_bind_dn: str = ""
    ldap_bind_password: str = ""
    ldap_user_base: str = ""
    ldap_user_filter: str = DEFAULT_USER_FILTER
    ldap_group_base: str = ""
    ldap_group_roles: dict[str, Role] = field(default_factory=dict)  # normalised DN -> role
    ldap_staff_attribute: str = "employeeNumber"
    ldap_timeout: float = 5.0
    ldap_server_kind: str = "auto"
    password_login: bool = True
    break_glass: str = ""

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def ldap_enabled(self) -> bool:
        return bool(self.ldap_url)


def _role(text: str, where: str) -> Role:
    text = text.strip()
    if text not in Role._value2member_map_:
        raise ConfigError(f"{where}: unknown role {text!r}; roles: {', '.join(r.value for r in Role)}")
    return Role(text)


def _entries(text: str) -> list[str]:
    return [part.strip() for line in text.splitlines() for part in line.split(";") if part.strip()]


def parse_claim_roles(text: str) -> tuple[ClaimRole, ...]:
    """ "groups: qa-team -> qa; groups: contact-centre-leaders -> team_leader" """
    mapping = []
    for entry in _entries(text):
        left, arrow, role = entry.rpartition("->")
        claim, colon, value = left.partition(":")
        if not arrow or not colon or not claim.strip() or not value.strip():
            raise ConfigError(f"QA_OIDC_ROLES: {entry!r} is not of the form 'claim: value -> role'")
        mapping.append(ClaimRole(claim.strip(), value.strip(), _role(role, "QA_OIDC_ROLES")))
    return tuple(mapping)


def normalise_dn(dn: str) -> str:
    """A DN compared without regard to case or spaces around its separators."""
    with warnings.catch_warnings():  # ldap3 imports names that pyasn1 has renamed since
        warnings.filterwarnings("ignore", message="(tagMap|typeMap) is deprecated", category=DeprecationWarning)
        from ldap3.utils.dn import parse_dn

    try:
        parts = parse_dn(dn.strip(), escape=False, strip=True)
    except Exception:  # ldap3 raises its own LDAPInvalidDnError, among others
        return dn.strip().lower()
    return ",".join(f"{attribute.lower()}={value.lower()}" for attribute, value, _separator in parts)


def parse_group_roles(text: str) -> dict[str, Role]:
    """ "cn=qa,ou=groups,dc=city,dc=example=qa; ..." (the role follows the last "=")."""
    mapping = {}
    for entry in _entries(text):
        dn, equals, role = entry.rpartition("=")
        if not equals or "=" not in dn:
            raise ConfigError(f"QA_LDAP_GROUP_ROLES: {entry!r} is not of the form 'group DN=role'")
        mapping[normalise_dn(dn)] = _role(role, "QA_LDAP_GROUP_ROLES")
    return mapping


def _number(name: str, default: float, highest: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds (got {text!r})") from None
    if not 0 <= value <= highest:
        raise ConfigError(f"{name} must be between 0 and {highest:g} seconds (got {text!r})")
    return value


def _switch(name: str, default: bool) -> bool:
    text = os.environ.get(name, "").strip().lower()
    if not text:
        return default
    if text in {"1", "on", "true", "yes"}:
        return True
    if text in {"0", "off", "false", "no"}:
        return False
    raise ConfigError(f"{name} must be on or off (got {text!r})")


def _domain_part(dn: str) -> str:
    return ",".join(part for part in dn.split(",") if part.strip().lower().startswith("dc="))


def directory_settings() -> DirectorySettings:
    get_settings()  # loads the .env file, as every setting does
    env = os.environ.get
    kind = env("QA_LDAP_SERVER_KIND", "auto").strip().lower() or "auto"
    if kind not in {"auto", "ad", "openldap"}:
        raise ConfigError(f"QA_LDAP_SERVER_KIND must be auto, ad or openldap (got {kind!r})")
    user_base = env("QA_LDAP_USER_BASE", "").strip()
    user_filter = env("QA_LDAP_USER_FILTER", "").strip() or DEFAULT_USER_FILTER
    if "{login}" not in user_filter:
        raise ConfigError("QA_LDAP_USER_FILTER must contain {login}")
    break_glass = env("QA_BREAK_GLASS", "").strip().lower()
    password_login = _switch("QA_PASSWORD_LOGIN", True)
    return DirectorySettings(
        oidc_issuer=env("QA_OIDC_ISSUER", "").strip(),
        oidc_client_id=env("QA_OIDC_CLIENT_ID", "").strip(),
        oidc_client_secret=env("QA_OIDC_CLIENT_SECRET", ""),
        oidc_roles=parse_claim_roles(env("QA_OIDC_ROLES", "")),
        oidc_scopes=" ".join(env("QA_OIDC_SCOPES", "").split()) or "openid email profile",
        oidc_staff_claim=env("QA_OIDC_STAFF_CLAIM", "").strip() or "staff_number",
        oidc_clock_skew=int(_number("QA_OIDC_CLOCK_SKEW", 120, MAX_CLOCK_SKEW)),
        oidc_button=env("QA_OIDC_BUTTON", "").strip() or DEFAULT_BUTTON,
        oidc_redirect_uri=env("QA_OIDC_REDIRECT_URI", "").strip(),
        oidc_timeout=_number("QA_OIDC_TIMEOUT", 10.0, 120) or 10.0,
        ldap_url=env("QA_LDAP_URL", "").strip(),
        ldap_starttls=_switch("QA_LDAP_STARTTLS", False),
        ldap_ca_file=env("QA_LDAP_CA_FILE", "").strip(),
        ldap_bind_dn=env("QA_LDAP_BIND_DN", "").strip(),
        ldap_bind_password=env("QA_LDAP_BIND_PASSWORD", ""),
        ldap_user_base=user_base,
        ldap_user_filter=user_filter,
        ldap_group_base=env("QA_LDAP_GROUP_BASE", "").strip() or _domain_part(user_base) or user_base,
        ldap_group_roles=parse_group_roles(env("QA_LDAP_GROUP_ROLES", "")),
        ldap_staff_attribute=env("QA_LDAP_STAFF_ATTRIBUTE", "").strip() or "employeeNumber",
        ldap_timeout=_number("QA_LDAP_TIMEOUT", 5.0, 120) or 5.0,
        ldap_server_kind=kind,
        password_login=password_login,
        break_glass=break_glass,
    )
