"""Sign-in with LDAP against a real slapd: every role through the login form, a wrong password
refused, nested groups mapped, LDAP filter characters refused rather than matched, StartTLS and
LDAPS, an unreachable directory, and users following the directory between sign-ins."""

from __future__ import annotations

import html
import time

import pytest

from directory import ldap
from directory.settings import directory_settings
from directory.sync import check_ldap_users
from directory.tables import ExternalIdentity
from qa_app.tables import Agent, AuditLog, User
from tests.directory_servers import PEOPLE_ROWS, group_dn, person_dn
from tests.live_app import free_port
from tests.web import HTML
from tests.web import login as form_login


def password(uid: str) -> str:
    return PEOPLE_ROWS[uid][2]


def text(response) -> str:
    return html.unescape(response.text)


async def login(client, login_name: str, secret: str):
    """The login form, from a browser signed in as nobody."""
    client.cookies.clear()
    return await form_login(client, login_name, secret)


async def signs_in(client, login_name: str, secret: str) -> bool:
    response = await login(client, login_name, secret)
    return response.status_code == 302 and response.headers["location"] == "/"


@pytest.mark.parametrize(
    ("uid", "role"),
    [("ada", "admin"), ("max", "manager"), ("mia", "qa"), ("lee", "team_leader"), ("ann", "agent")],
)
async def test_each_role_signs_in_through_the_login_form(client, slapd, directory_env, uid, role):
    directory_env(slapd.settings())
    await Agent.insert(Agent(staff_number="1001", name="Ann Agent"))
    assert await signs_in(client, uid, password(uid))
    user = await User.select().where(User.email == f"{uid}@city.example").first()
    assert user["role"] == role and user["active"] and user["name"] == PEOPLE_ROWS[uid][0]
    home = await client.get("/", headers=HTML)
    assert home.status_code == 200 and PEOPLE_ROWS[uid][0] in home.text
    identity = await ExternalIdentity.select().where(ExternalIdentity.user == user["id"]).first()
    assert identity["provider"] == "ldap" and identity["login"] == uid
    if role == "agent":  # linked to their agent by the directory's employeeNumber
        agent = await Agent.select(Agent.user).where(Agent.staff_number == "1001").first()
        assert agent["user"] == user["id"]
    # The e-mail works as well as the user name; the user is the same one.
    assert await signs_in(client, f"{uid}@city.example", password(uid))
    assert await User.count().where(User.email == f"{uid}@city.example") == 1
    actions = {
        row["action"] for row in await AuditLog.select(AuditLog.action).where(AuditLog.entity_id == str(user["id"]))
    }
    assert {"create", "link_identity", "login"} <= actions


async def test_nested_groups_give_their_role(client, slapd, directory_env):
    """ann is in `agents` through `agents-north`; bob through `agents-south` and
    `agents-south-evening`, two levels down."""
    directory_env(slapd.settings())
    for uid in ("ann", "bob"):
        assert await signs_in(client, uid, password(uid))
        row = await User.select(User.role).where(User.email == f"{uid}@city.example").first()
        assert row["role"] == "agent"
    person = ldap.authenticate(directory_settings(), "bob", password("bob"))
    assert {group_dn("agents-south-evening"), group_dn("agents-south"), group_dn("agents")} <= {
        dn.lower() for dn in person.groups
    }


async def test_a_wrong_password_is_refused(client, slapd, directory_env):
    directory_env(slapd.settings())
    for attempt in ("not-her-password", password("mia") + " ", password("max")):
        response = await login(client, "mia", attempt)
        assert response.status_code == 400
        assert "That e-mail and password do not match an account." in text(response)
    with pytest.raises(ldap.WrongPassword):  # an empty password would be an unauthenticated bind
        ldap.authenticate(directory_settings(), "mia", "")
    assert not await User.exists().where(User.email == "mia@city.example")


async def test_ldap_filter_characters_are_refused_not_matched(client, slapd, directory_env):
    directory_env(slapd.settings())
    settings = directory_settings()
    for typed in ("*)(uid=*", "*", "mi*", "ann)(|(uid=*", "*)(|(objectClass=*"):
        # With the input escaped the filter asks for a person literally named so: there is none.
        assert ldap.authenticate(settings, typed, password("ann")) is None
        response = await login(client, typed, password("ann"))
        assert response.status_code == 400, typed
    assert (
        ldap.user_filter(settings, "*)(uid=*")
        == r"(|(uid=\2a\29\28uid=\2a)(sAMAccountName=\2a\29\28uid=\2a)(mail=\2a\29\28uid=\2a))"
    )
    assert await User.count().where(User.email.like("%city.example")) == 0


async def test_someone_without_a_mapped_group_is_told_whom_to_ask(client, slapd, directory_env):
    directory_env(slapd.settings())
    response = await login(client, "nobody", password("nobody"))
    assert response.status_code == 400
    message = text(response)
    assert "ask your administrator to add you to one of:" in message
    assert "qa-team (cn=qa-team,ou=groups,dc=city,dc=example)" in message
    assert not await User.exists().where(User.email == "nobody@city.example")


@pytest.mark.filterwarnings("ignore:ssl.match_hostname:DeprecationWarning")  # inside ldap3
async def test_starttls_and_ldaps_check_the_certificate(slapd, directory_env):
    directory_env(slapd.settings(QA_LDAP_STARTTLS="1", QA_LDAP_CA_FILE=str(slapd.ca)))
    assert ldap.authenticate(directory_settings(), "mia", password("mia")).role.value == "qa"
    directory_env({"QA_LDAP_URL": slapd.ldaps_url})
    assert ldap.authenticate(directory_settings(), "mia", password("mia")).role.value == "qa"
    # A certificate nobody vouched for is not accepted, over LDAPS or StartTLS.
    for url, starttls in ((slapd.ldaps_url, "0"), (slapd.url, "1")):
        directory_env(
            {"QA_LDAP_URL": url, "QA_LDAP_STARTTLS": starttls, "QA_LDAP_CA_FILE": "/etc/ssl/certs/ca-certificates.crt"}
        )
        with pytest.raises(ldap.DirectoryUnavailable):
            ldap.authenticate(directory_settings(), "mia", password("mia"))


async def test_a_directory_that_does_not_answer_is_said_so_quickly(centre, client, slapd, directory_env):
    directory_env(slapd.settings(QA_LDAP_URL=f"ldap://127.0.0.1:{free_port()}", QA_LDAP_TIMEOUT="2"))
    started = time.monotonic()
    response = await login(client, "mia", password("mia"))
    assert time.monotonic() - started < 10
    assert response.status_code == 400
    assert "directory cannot be reached just now" in text(response)
    # The shell's own passwords still work meanwhile (QA_PASSWORD_LOGIN is on).
    assert await signs_in(client, "qa@test.org", "correct horse battery")


async def test_a_wrong_service_account_is_named_for_it(client, slapd, directory_env):
    directory_env(slapd.settings(QA_LDAP_BIND_PASSWORD="not the service password", QA_PASSWORD_LOGIN="off"))
    response = await login(client, "mia", password("mia"))
    assert response.status_code == 400 and "QA_LDAP_BIND_DN" in text(response)


def test_active_directory_asks_for_nested_groups_with_its_matching_rule():
    dn = "CN=Ann (North),OU=People,DC=city,DC=example"
    assert ldap.in_chain_filter(dn) == (
        r"(&(objectClass=group)(member:1.2.840.113556.1.4.1941:=CN=Ann \28North\29,OU=People,DC=city,DC=example))"
    )


async def test_users_follow_the_directory(client, fresh_slapd, directory_env):
    """Out of the group: the scheduled check ends their sessions, and they cannot sign in again.
    Moved to another group: their role follows at the next sign-in. Deleted: refused."""
    directory_env(fresh_slapd.settings())
    assert await signs_in(client, "mia", password("mia"))
    assert (await client.get("/", headers=HTML)).status_code == 200
    mia = await User.select().where(User.email == "mia@city.example").first()

    fresh_slapd.remove_member("qa-team", "mia")
    assert await check_ldap_users() == {"checked": 1, "suspended": 1, "role": 0}
    assert not (await User.select(User.active).where(User.id == mia["id"]).first())["active"]
    ended = await client.get("/", headers=HTML, follow_redirects=False)
    assert ended.status_code in (302, 303) and ended.headers["location"].startswith("/login")
    refused = await login(client, "mia", password("mia"))
    assert refused.status_code == 400 and "ask your administrator" in text(refused)

    # Back in a group (a leaders' one now): the next sign-in gives access again, with that role.
    import ldap3

    connection = fresh_slapd._root()
    connection.modify(group_dn("contact-centre-leaders"), {"member": [(ldap3.MODIFY_ADD, [person_dn("mia")])]})
    connection.unbind()
    assert await signs_in(client, "mia", password("mia"))
    row = await User.select(User.role, User.active).where(User.id == mia["id"]).first()
    assert row == {"role": "team_leader", "active": True}

    # Deleted from the directory: the next attempt finds no one, and the user is switched off.
    fresh_slapd.delete_person("mia")
    gone = await login(client, "mia", password("mia"))
    assert gone.status_code == 400
    assert not (await User.select(User.active).where(User.id == mia["id"]).first())["active"]
    reasons = [
        row["detail"]["reason"]
        for row in await AuditLog.select(AuditLog.detail)
        .where(AuditLog.action == "directory_suspend")
        .output(load_json=True)
    ]
    assert reasons == ["no mapped role", "unknown to the directory"]
    changes = await AuditLog.select(AuditLog.detail).where(AuditLog.action == "directory_update").output(load_json=True)
    assert changes[0]["detail"]["role"] == {"from": "qa", "to": "team_leader"}
