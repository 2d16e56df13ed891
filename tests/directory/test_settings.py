"""The directory's settings and its rules from groups and claims to roles (no servers)."""

from __future__ import annotations

import pytest

from directory.mapping import person_from_claims, role_from_claims, role_from_groups
from directory.settings import directory_settings, parse_claim_roles, parse_group_roles
from qa_app.settings import ConfigError
from qa_app.tables import Role


def test_group_dns_map_to_roles_whatever_their_case_and_spacing():
    mapping = parse_group_roles(
        "cn=qa,ou=groups,dc=city,dc=example=qa;\nCN=Leaders, OU=Groups,DC=city,DC=example=team_leader"
    )
    assert role_from_groups(["CN=QA,OU=Groups,DC=City,DC=Example"], mapping) == Role.qa
    # Someone in two mapped groups has the role that gives more access.
    both = ["cn=leaders,ou=groups,dc=city,dc=example", "cn=qa,ou=groups,dc=city,dc=example"]
    assert role_from_groups(both, mapping) == Role.qa
    assert role_from_groups(["cn=canteen,ou=groups,dc=city,dc=example"], mapping) is None


def test_claims_map_to_roles():
    mapping = parse_claim_roles(
        "groups: qa-team -> qa; groups: contact-centre-leaders -> team_leader\nroles: boss -> manager"
    )
    assert role_from_claims({"groups": ["qa-team"]}, mapping) == Role.qa
    assert role_from_claims({"groups": ["contact-centre-leaders"], "roles": "boss"}, mapping) == Role.manager
    assert role_from_claims({"groups": "qa-team-2"}, mapping) is None
    person = person_from_claims(
        {"sub": "x1", "email": "Ann@City.example", "given_name": "Ann", "family_name": "Agent", "groups": []},
        mapping,
        "staff_number",
    )
    assert (person.email, person.name, person.role, person.staff_number) == (
        "ann@city.example",
        "Ann Agent",
        None,
        None,
    )
    assert person.choices == ("qa-team", "contact-centre-leaders", "boss")


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("QA_OIDC_ROLES", "groups qa-team -> qa", "claim: value -> role"),
        ("QA_OIDC_ROLES", "groups: qa-team -> boss", "unknown role 'boss'"),
        ("QA_LDAP_GROUP_ROLES", "qa", "group DN=role"),
        ("QA_LDAP_USER_FILTER", "(uid=x)", "{login}"),
        ("QA_OIDC_CLOCK_SKEW", "3600", "between 0 and 600"),
        ("QA_PASSWORD_LOGIN", "maybe", "on or off"),
        ("QA_LDAP_SERVER_KIND", "novell", "auto, ad or openldap"),
    ],
)
def test_a_setting_that_cannot_be_used_is_named(monkeypatch, name, value, says):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        directory_settings()
    assert name in str(error.value) and says in str(error.value)
