"""From what the directory says about a person to their role here: plain functions, no I/O.

A person in several mapped groups gets the role that gives the most access (an administrator
who is also in the QA group is an administrator)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from directory.settings import ClaimRole, normalise_dn
from qa_app.i18n import _
from qa_app.tables import Role

# Most access first.
PRECEDENCE = (Role.admin, Role.manager, Role.qa, Role.team_leader, Role.agent)


@dataclass(frozen=True)
class Person:
    """Someone the directory vouched for, as both kinds of directory describe them."""

    provider: str  # "oidc" or "ldap"
    subject: str  # stable id at the provider: `sub`, entryUUID, objectGUID (or the DN)
    email: str
    name: str
    groups: tuple[str, ...]  # group names (OIDC claim values) or DNs (LDAP)
    role: Role | None  # None: no group of theirs maps to a role here
    staff_number: str | None = None
    login: str = ""  # what they typed (LDAP) or their e-mail
    choices: tuple[str, ...] = field(default=())  # the groups that would give a role, for the message


def highest(roles: Iterable[Role]) -> Role | None:
    found = set(roles)
    return next((role for role in PRECEDENCE if role in found), None)


def claim_values(claims: Mapping[str, Any], name: str) -> list[str]:
    """A claim's values as strings: a list, or one value. A dotted name reaches into objects
    ("realm_access.roles" in Keycloak)."""
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return []
        value = value[part]
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def role_from_claims(claims: Mapping[str, Any], mapping: Iterable[ClaimRole]) -> Role | None:
    return highest(entry.role for entry in mapping if entry.value in claim_values(claims, entry.claim))


def role_from_groups(group_dns: Iterable[str], mapping: Mapping[str, Role]) -> Role | None:
    """`mapping` keys are normalised DNs (settings.parse_group_roles)."""
    return highest(mapping[dn] for dn in (normalise_dn(g) for g in group_dns) if dn in mapping)


def no_role_message(choices: Iterable[str]) -> str:
    """What a person whom the directory knows, but who has no role here, is told."""
    names = ", ".join(sorted(set(choices))) or _("(no group is set up yet)")
    return _(
        "You signed in, but none of your groups in the directory gives access to this application: "
        "ask your administrator to add you to one of: %(groups)s."
    ) % {"groups": names}


def group_label(dn: str) -> str:
    """ "cn=qa-team,ou=groups,dc=city" → "qa-team (cn=qa-team,ou=groups,dc=city)" for a message."""
    first = dn.split(",", 1)[0]
    return f"{first.partition('=')[2] or first} ({dn})"


def person_from_claims(claims: Mapping[str, Any], mapping: Iterable[ClaimRole], staff_claim: str) -> Person:
    """The person an OpenID Connect provider vouched for, from their (checked) claims."""
    mapping = tuple(mapping)
    groups: list[str] = []
    for claim in dict.fromkeys(entry.claim for entry in mapping):
        groups.extend(claim_values(claims, claim))
    name = str(claims.get("name") or " ".join(str(claims.get(k) or "") for k in ("given_name", "family_name")).strip())
    email = str(claims.get("email") or "").strip().lower()
    staff = claim_values(claims, staff_claim)
    return Person(
        provider="oidc",
        subject=str(claims["sub"]),
        email=email,
        name=name or str(claims.get("preferred_username") or email),
        groups=tuple(dict.fromkeys(groups)),
        role=role_from_claims(claims, mapping),
        staff_number=staff[0] if staff else None,
        login=email,
        choices=tuple(entry.value for entry in mapping),
    )
