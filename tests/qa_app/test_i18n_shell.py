"""The shell's pages and emails in the staff's language (issue 21): the user's own choice, the
centre's, the browser's; the daily digest in each recipient's language."""

from __future__ import annotations

import re

import pytest

from qa_app import mail, notifications
from qa_app.settings import reset_settings
from qa_app.tables import User
from tests.web import HTML, PASSWORD, csrf_from, login


@pytest.fixture
def no_centre_language(monkeypatch):
    """No QA_LANGUAGE: the user's choice, then the browser's, decide."""
    monkeypatch.delenv("QA_LANGUAGE", raising=False)
    reset_settings()
    yield
    reset_settings()


def nav_of(html: str) -> str:
    return re.search(r"<nav aria-label=\"[^\"]+\">(.*?)</nav>", html, re.S).group(1)


async def test_a_swedish_user_gets_the_start_page_and_notifications_in_swedish(client, centre, no_centre_language):
    await User.update({User.language: "sv"}).where(User.id == centre["users"]["manager"])
    await notifications.notify(centre["users"]["manager"], "dispute_raised", "Agent 1 answered", "/x")
    await login(client, "manager@test.org")

    home = await client.get("/", headers=HTML)
    assert home.status_code == 200
    assert '<html lang="sv">' in home.text
    nav = nav_of(home.text)
    assert ">Start<" in nav and ">Samtal<" in nav and ">Handläggare<" in nav
    assert ">Home<" not in nav and ">Calls<" not in nav
    overview = await client.get("/calls/overview", headers=HTML)  # a manager's home has the targets
    assert "Den här månaden hittills" in overview.text and "This month so far" not in overview.text
    assert "Inkommande samtal" in overview.text and "förra månaden" in overview.text
    assert '>Aviseringar <span class="count">1 oläst</span><' in home.text  # with the unread count
    assert ">Mitt konto<" in home.text and "Logga ut" in home.text
    assert '<nav aria-label="Huvudmeny">' in home.text

    page = await client.get("/notifications", headers=HTML)
    assert page.status_code == 200
    assert '<html lang="sv">' in page.text
    assert "<h1>Aviseringar</h1>" in page.text
    assert "Markera alla som lästa" in page.text and "Spara mina val" in page.text
    kind = "En handläggare invänder mot en bedömning (i ditt team, eller en som du gjort)"
    assert kind in page.text  # the kind's label
    assert f'aria-label="{kind} i appen"' in page.text
    assert "Ett svar på din invändning" not in page.text  # only an agent's disputes are answered
    assert "Agent 1 answered" in page.text  # what was written is shown as it was written
    assert "Mark all as read" not in page.text and "What reaches me" not in page.text

    calls = await client.get("/calls", headers=HTML)
    assert "<h1>Samtal</h1>" in calls.text and ">besvarat<" in calls.text and ">Utfall<" in calls.text


async def test_choosing_a_language_changes_the_next_page(client, centre, no_centre_language):
    await login(client, "qa@test.org")
    account = await client.get("/account", headers=HTML)
    assert '<html lang="en">' in account.text and "<h1>My account</h1>" in account.text
    saved = await client.post(
        "/account/language",
        data={"language": "nl", "_csrf_token": csrf_from(account.text)},
        headers=HTML,
        follow_redirects=False,
    )
    assert saved.status_code == 302
    assert (await User.select(User.language).where(User.id == centre["users"]["qa"]).first())["language"] == "nl"
    after = await client.get(saved.headers["location"], headers=HTML)
    assert '<html lang="nl">' in after.text
    assert "<h1>Mijn account</h1>" in after.text and "Opgeslagen." in after.text
    home = await client.get("/", headers=HTML)
    assert "Deze maand tot nu toe" in home.text and ">Gesprekken<" in nav_of(home.text)

    # Back to the centre's language: with none set, English again (the browser asks nothing).
    back = await client.post(
        "/account/language",
        data={"language": "", "_csrf_token": csrf_from(after.text)},
        headers=HTML,
        follow_redirects=True,
    )
    assert '<html lang="en">' in back.text and "<h1>My account</h1>" in back.text


async def test_without_a_choice_the_browser_language_decides(client, centre, no_centre_language):
    await login(client, "team_leader@test.org")
    dutch = await client.get("/", headers={**HTML, "accept-language": "nl-NL,nl;q=0.9,en;q=0.5"})
    assert '<html lang="nl">' in dutch.text
    assert "Deze maand tot nu toe" in dutch.text and ">Meldingen<" in dutch.text
    assert ">Medewerkers<" in nav_of(dutch.text)
    english = await client.get("/", headers={**HTML, "accept-language": "de-DE"})
    assert '<html lang="en">' in english.text and "This month so far" in english.text


async def test_the_centre_language_comes_before_the_browser_but_after_the_user(client, centre, monkeypatch):
    monkeypatch.setenv("QA_LANGUAGE", "sv")
    reset_settings()
    try:
        await login(client, "agent@test.org")
        page = await client.get("/calls", headers={**HTML, "accept-language": "nl-NL"})
        assert '<html lang="sv">' in page.text and "<h1>Mina samtal</h1>" in page.text
        await User.update({User.language: "nl"}).where(User.id == centre["users"]["agent"])
        page = await client.get("/calls", headers=HTML)
        assert '<html lang="nl">' in page.text and "<h1>Mijn gesprekken</h1>" in page.text
    finally:
        monkeypatch.delenv("QA_LANGUAGE")
        reset_settings()


async def test_the_digest_is_in_each_recipients_language(centre, smtp_server, no_centre_language):
    swede, english = centre["users"]["agent"], centre["users"]["agent_b"]
    await User.update({User.language: "sv"}).where(User.id == swede)
    for user in (swede, english):
        await notifications.notify(user, "dispute_answered", "Your dispute was answered", "/evaluations/1")
        await notifications.notify(user, "session_scheduled", "A session on Monday")
    await notifications.notify(centre["users"]["qa"], "session_acknowledged", "One thing")

    sent = await notifications.send_digests("https://qa.city.example", mail.parse_smtp_url(smtp_server.url))
    assert sent == 3

    (swedish,) = smtp_server.messages("agent@test.org")
    body = swedish.get_content().replace("\r\n", "\n")
    assert swedish["Subject"] == "2 nyheter i kvalitetsappen"
    assert body.startswith("Hej!\n\nDet här är nytt för dig i kontaktcentrets kvalitetsapp:\n")
    assert "Under Aviseringar i appen väljer du vad du får veta och hur." in body
    assert "- Your dispute was answered\n  https://qa.city.example/evaluations/1" in body
    assert "Hello" not in body

    (plain,) = smtp_server.messages("agent_b@test.org")
    assert plain["Subject"] == "2 new in the quality app"
    assert plain.get_content().startswith("Hello,")
    (one,) = smtp_server.messages("qa@test.org")
    assert one["Subject"] == "1 new in the quality app"


async def test_a_form_error_is_in_the_users_language(client, centre, no_centre_language):
    await User.update({User.language: "sv"}).where(User.id == centre["users"]["qa"])
    await login(client, "qa@test.org")
    page = await client.get("/account/password", headers=HTML)
    assert "<h1>Ditt lösenord</h1>" in page.text
    refused = await client.post(
        "/account/password",
        data={"current": "wrong password", "new": "short", "repeated": "short", "_csrf_token": csrf_from(page.text)},
        headers=HTML,
    )
    assert refused.status_code == 400 and "Ditt nuvarande lösenord stämmer inte." in refused.text
    refused = await client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "short", "repeated": "short", "_csrf_token": csrf_from(page.text)},
        headers=HTML,
    )
    assert "Det nya lösenordet godtas inte: ett lösenord måste ha minst 10 tecken." in refused.text


def test_each_role_is_offered_only_the_notifications_it_can_receive():
    from qa_app.tables import Role

    assert set(notifications.kinds_for(Role.agent)) == {"evaluation_released", "dispute_answered", "session_scheduled"}
    calibration = {"calibration_invited", "calibration_closed"}  # team leaders and QA mark in sessions
    assert set(notifications.kinds_for(Role.team_leader)) == {"dispute_raised", "session_acknowledged", *calibration}
    assert set(notifications.kinds_for(Role.qa)) == {"dispute_raised", *calibration}
    assert set(notifications.kinds_for(Role.manager)) == {"dispute_raised", "session_acknowledged"}
