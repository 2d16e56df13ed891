"""LDAP and Active Directory with ldap3: the service account finds the person by a filter (what
they typed is escaped, so `*)(uid=*` matches nobody), the person's own bind checks their
password, and their groups, nested ones included, give their role.

Nested groups: Active Directory answers them itself through its matching rule
LDAP_MATCHING_RULE_IN_CHAIN (1.2.840.113556.1.4.1941); for other servers (OpenLDAP) the groups
are walked here, group of group, as far as MAX_DEPTH. Whether the server is Active Directory is
read from its root DSE unless QA_LDAP_SERVER_KIND says.

ldap3 is synchronous: the functions named `*_async` run it in a thread, so the web app's event
loop never waits on the directory.
"""

from __future__ import annotations

import asyncio
import logging
import math
import ssl
import uuid
import warnings
from collections.abc import Iterable
from typing import Any

with warnings.catch_warnings():  # ldap3 imports names that pyasn1 has renamed since
    warnings.filterwarnings("ignore", message="(tagMap|typeMap) is deprecated", category=DeprecationWarning)
    from ldap3 import BASE, NONE, SUBTREE, Connection, Server, Tls
    from ldap3.core.exceptions import LDAPException
    from ldap3.utils.conv import escape_filter_chars

from directory.mapping import Person, group_label, role_from_groups
from directory.settings import DirectorySettings
from qa_app.i18n import _

log = logging.getLogger(__name__)

IN_CHAIN = "1.2.840.113556.1.4.1941"  # Active Directory: membership through nested groups
AD_CAPABILITY = "1.2.840.113556.1.4.800"  # LDAP_CAP_ACTIVE_DIRECTORY_OID in the root DSE
MAX_DEPTH = 10  # nested groups walked at most this deep (OpenLDAP)
MAX_GROUPS = 2000
PERSON_ATTRIBUTES = ("cn", "displayName", "mail", "userPrincipalName", "uid", "sAMAccountName")
ID_ATTRIBUTES = ("entryUUID", "objectGUID")


class DirectoryUnavailable(Exception):
    """The directory cannot be asked just now; the message says so to the person signing in."""


class WrongPassword(Exception):
    """The directory knows the person, but not with this password (or the answer is not one person)."""


def _seconds(settings: DirectorySettings) -> int:
    return max(1, math.ceil(settings.ldap_timeout))


def _server(settings: DirectorySettings) -> Server:
    tls = Tls(
        validate=ssl.CERT_REQUIRED,
        ca_certs_file=settings.ldap_ca_file or None,
        version=ssl.PROTOCOL_TLS_CLIENT,
    )
    return Server(
        settings.ldap_url,
        use_ssl=settings.ldap_url.lower().startswith("ldaps://"),
        tls=tls,
        connect_timeout=settings.ldap_timeout,
        get_info=NONE,
    )


def _connection(settings: DirectorySettings, server: Server, user: str | None, password: str | None) -> Connection:
    """An open connection, upgraded with StartTLS when asked, not yet bound."""
    connection = Connection(
        server,
        user=user or None,
        password=password or None,
        receive_timeout=_seconds(settings),  # ldap3 packs it as whole seconds
        read_only=True,
        raise_exceptions=False,
    )
    try:
        connection.open()
        if settings.ldap_starttls and not settings.ldap_url.lower().startswith("ldaps://"):
            if not connection.start_tls():
                raise DirectoryUnavailable(_("The directory refused StartTLS: tell IT (QA_LDAP_STARTTLS)."))
    except BaseException:
        connection.unbind()  # closes the socket, if one was opened
        raise
    return connection


def _unavailable(settings: DirectorySettings, error: Exception) -> DirectoryUnavailable:
    log.warning("LDAP %s: %s: %s", settings.ldap_url, type(error).__name__, error)
    return DirectoryUnavailable(
        _(
            "The organisation's directory cannot be reached just now, so your password cannot be checked. "
            "Try again in a few minutes; if it goes on, tell IT."
        )
    )


def service_connection(settings: DirectorySettings) -> Connection:
    """Bound as the service account (or anonymously when QA_LDAP_BIND_DN is empty)."""
    connection = _connection(settings, _server(settings), settings.ldap_bind_dn, settings.ldap_bind_password)
    if not connection.bind():
        description = connection.result.get("description") if connection.result else "no answer"
        connection.unbind()
        log.warning("LDAP service bind as %r refused: %s", settings.ldap_bind_dn, description)
        raise DirectoryUnavailable(
            _(
                "The directory refused this application's service account, so no one can sign in with it: "
                "tell IT (QA_LDAP_BIND_DN and QA_LDAP_BIND_PASSWORD)."
            )
        )
    return connection


def user_filter(settings: DirectorySettings, login: str) -> str:
    """The search filter for what the person typed, escaped against LDAP injection."""
    return settings.ldap_user_filter.replace("{login}", escape_filter_chars(login))


def in_chain_filter(member_dn: str) -> str:
    """Active Directory: every group the member is in, directly or through nested groups."""
    return f"(&(objectClass=group)(member:{IN_CHAIN}:={escape_filter_chars(member_dn)}))"


def direct_groups_filter(member_dn: str) -> str:
    escaped = escape_filter_chars(member_dn)
    return f"(|(member={escaped})(uniqueMember={escaped}))"


def is_active_directory(settings: DirectorySettings, connection: Connection) -> bool:
    if settings.ldap_server_kind != "auto":
        return settings.ldap_server_kind == "ad"
    connection.search("", "(objectClass=*)", search_scope=BASE, attributes=["supportedCapabilities"])
    if not connection.entries:
        return False
    capabilities = connection.response[0].get("attributes", {}).get("supportedCapabilities") or []
    return AD_CAPABILITY in capabilities


def group_dns(settings: DirectorySettings, connection: Connection, member_dn: str) -> list[str]:
    """The DNs of every group the member belongs to, directly or through other groups."""
    if is_active_directory(settings, connection):
        connection.search(settings.ldap_group_base, in_chain_filter(member_dn), SUBTREE, attributes=["cn"])
        return [item["dn"] for item in connection.response or [] if item.get("type") == "searchResEntry"]
    found: dict[str, None] = {}
    frontier = [member_dn]
    for _depth in range(MAX_DEPTH):
        following = []
        for dn in frontier:
            connection.search(settings.ldap_group_base, direct_groups_filter(dn), SUBTREE, attributes=["cn"])
            for item in connection.response or []:
                if item.get("type") != "searchResEntry":
                    continue
                group = item["dn"]
                if group.lower() not in {g.lower() for g in found} and group.lower() != member_dn.lower():
                    found[group] = None
                    following.append(group)
        if not following or len(found) >= MAX_GROUPS:
            break
        frontier = following
    return list(found)


def _first(attributes: dict[str, Any], *names: str) -> str:
    for name in names:
        value = attributes.get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        if value:
            if isinstance(value, bytes):
                return str(uuid.UUID(bytes_le=value)) if len(value) == 16 else value.hex()
            return str(value)
    return ""


def _find(settings: DirectorySettings, connection: Connection, login: str) -> list[dict[str, Any]]:
    attributes = [*PERSON_ATTRIBUTES, *ID_ATTRIBUTES, settings.ldap_staff_attribute]
    connection.search(
        settings.ldap_user_base,
        user_filter(settings, login),
        SUBTREE,
        attributes=attributes,
        size_limit=2,
        time_limit=_seconds(settings),
    )
    return [item for item in connection.response or [] if item.get("type") == "searchResEntry"]


def _person(settings: DirectorySettings, connection: Connection, entry: dict[str, Any], login: str) -> Person:
    attributes = entry.get("attributes", {})
    groups = group_dns(settings, connection, entry["dn"])
    email = (_first(attributes, "mail", "userPrincipalName") or (login if "@" in login else "")).strip().lower()
    return Person(
        provider="ldap",
        subject=_first(attributes, *ID_ATTRIBUTES) or entry["dn"].lower(),
        email=email,
        name=_first(attributes, "displayName", "cn") or email,
        groups=tuple(groups),
        role=role_from_groups(groups, settings.ldap_group_roles),
        staff_number=_first(attributes, settings.ldap_staff_attribute) or None,
        login=login.strip().lower(),
        choices=tuple(group_label(dn) for dn in settings.ldap_group_roles),
    )


def authenticate(settings: DirectorySettings, login: str, password: str) -> Person | None:
    """The person, when the directory knows them by `login` and this is their password; None
    when it does not know them. Raises WrongPassword or DirectoryUnavailable."""
    login = login.strip()
    if not login or not password:
        # An empty password would be an "unauthenticated bind", which servers answer with success.
        raise WrongPassword()
    try:
        service = service_connection(settings)
        try:
            entries = _find(settings, service, login)
            if not entries:
                return None
            if len(entries) > 1:
                log.warning("LDAP: %d entries match the login %r; refused", len(entries), login)
                raise WrongPassword()
            entry = entries[0]
            own = _connection(settings, service.server, entry["dn"], password)
            try:
                if not own.bind():
                    raise WrongPassword()
            finally:
                own.unbind()
            return _person(settings, service, entry, login)
        finally:
            service.unbind()
    except LDAPException as error:
        raise _unavailable(settings, error) from None


def look_up(settings: DirectorySettings, logins: Iterable[str]) -> dict[str, Person | None]:
    """What the directory says now about each login (None: it no longer knows them), with the
    service account alone: the scheduled check of people who signed in with LDAP."""
    try:
        service = service_connection(settings)
        try:
            found: dict[str, Person | None] = {}
            for login in logins:
                entries = _find(settings, service, login)
                found[login] = _person(settings, service, entries[0], login) if len(entries) == 1 else None
            return found
        finally:
            service.unbind()
    except LDAPException as error:
        raise _unavailable(settings, error) from None


async def authenticate_async(settings: DirectorySettings, login: str, password: str) -> Person | None:
    return await asyncio.to_thread(authenticate, settings, login, password)


async def look_up_async(settings: DirectorySettings, logins: Iterable[str]) -> dict[str, Person | None]:
    return await asyncio.to_thread(look_up, settings, list(logins))
