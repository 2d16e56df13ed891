"""Survey invitations by email through a real SMTP server (aiosmtpd on loopback), on SQLite and
PostgreSQL: each listed resident gets their link in their language, the address is not kept, a
refused address leaves its link unsent, bad address files are reported by line, and a mail
server that does not answer leaves nothing behind."""

from __future__ import annotations

import re
from datetime import timezone

import httpx
import pytest

from kit.timeutil import current_month
from qa_app.app import create_app
from qa_app.tables import Call
from surveys.tables import InvitationStatus, SurveyInvitation
from tests.qa_command import run_qa

LINK = re.compile(r"(http://survey\.test/s/[A-Za-z0-9_-]+)(\?lang=\w\w)?")


@pytest.fixture
async def month(centre):
    first = (await Call.select(Call.offered_at).first())["offered_at"]
    return current_month(timezone.utc, first).strftime("%Y-%m")


def _invite(database, month, *args, env):
    return run_qa(
        "surveys", "invite", "--month", month, "--base-url", "http://survey.test", *args, database=database, env=env
    )


async def test_residents_are_emailed_their_link_and_the_rest_exported(centre, database, month, smtp_server, tmp_path):
    addresses = tmp_path / "addresses.csv"
    addresses.write_text(
        "call_id;email;language\nx0;anna@example.org;sv\nx1;bo@example.org;\nx2;nobody@refused.example;en\n"
        "x999;ghost@example.org;\n"
    )
    out = tmp_path / "sms.csv"
    done = _invite(database, month, "--email", str(addresses), "--csv", str(out), env={"QA_SMTP_URL": smtp_server.url})
    assert done.returncode == 0, done.stderr
    assert "2 survey invitations emailed" in done.stderr and "refused the address for call x2" in done.stderr
    assert "1 listed calls got no link" in done.stderr
    anna, bo = smtp_server.messages("anna@example.org"), smtp_server.messages("bo@example.org")
    assert len(anna) == len(bo) == 1 and len(smtp_server.received) == 2
    assert anna[0]["Subject"] == "Hur gick det? En minut om ditt samtal"
    assert anna[0]["From"] == "contact-centre@city.example" and anna[0]["Message-ID"]
    url, lang = LINK.search(anna[0].get_content()).groups()
    assert lang == "?lang=sv"
    assert bo[0]["Subject"].startswith("How did we do?") and LINK.search(bo[0].get_content()).group(2) is None
    app = create_app(manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://survey.test") as client:
        page = await client.get(url.removeprefix("http://survey.test") + lang, headers={"accept": "text/html"})
    assert page.status_code == 200 and "Hur nöjd är du" in page.text
    rows = await SurveyInvitation.select(
        SurveyInvitation.call.external_id.as_alias("call"), SurveyInvitation.status, SurveyInvitation.channel
    )
    by_call = {r["call"]: r for r in rows}
    assert by_call["x0"]["status"] == by_call["x1"]["status"] == InvitationStatus.sent
    assert by_call["x2"]["status"] == InvitationStatus.created  # refused: not sent
    assert by_call["x0"]["channel"] == "email" and by_call["x5"]["channel"] == "sms"
    exported = out.read_text().splitlines()
    assert len(exported) == 1 + len(rows) - 3 and not any(line.startswith(("x0,", "x1,")) for line in exported)
    # No address is kept anywhere in the invitations.
    assert not [r for r in await SurveyInvitation.select() if "@" in str(r)]


async def test_bad_address_files_and_missing_servers_send_nothing(centre, database, month, smtp_server, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "call_id,email,language\nx0,anna@example.org,sv\nx1,not-an-address,\nx0,bo@example.org,\nx3,c@d.org,fi\n"
    )
    done = _invite(database, month, "--email", str(bad), env={"QA_SMTP_URL": smtp_server.url})
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "qa: line 3: 'not-an-address' is not an email address; line 4: call x0 is listed twice; "
        "line 5: language 'fi' is not one of en, sv, nl"
    )
    good = tmp_path / "good.csv"
    good.write_text("call_id,email\nx0,anna@example.org\n")
    unset = _invite(database, month, "--email", str(good), env={"QA_SMTP_URL": ""})
    assert unset.returncode == 2 and "set QA_SMTP_URL" in unset.stderr
    from tests.mail_servers import free_port

    down = _invite(database, month, "--email", str(good), env={"QA_SMTP_URL": f"smtp://127.0.0.1:{free_port()}"})
    assert down.returncode == 1 and "could not send mail through plain smtp 127.0.0.1" in down.stderr
    assert "no link was sent or kept" in down.stderr
    assert smtp_server.received == [] and await SurveyInvitation.count() == 0
    # Once the server answers, the same command sends it.
    again = _invite(database, month, "--email", str(good), env={"QA_SMTP_URL": smtp_server.url})
    assert again.returncode == 0 and len(smtp_server.messages("anna@example.org")) == 1
