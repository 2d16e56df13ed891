"""The mystery-email rules without a database: reading a message, matching it, telling an
automatic acknowledgement from an answer, and the automatic checks of the rubric."""

from __future__ import annotations

from datetime import datetime, timezone
from email.message import EmailMessage

import pytest

from audits import mail_rules
from audits.campaigns import parse_key_points


def raw(subject: str, body: str, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Kommunen <info@city.example>"
    message["Subject"] = subject
    message["Date"] = "Thu, 02 Apr 2026 14:05:00 +0200"
    message["Message-ID"] = "<r1@city.example>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def test_a_message_is_read_with_its_thread_headers_and_time():
    incoming = mail_rules.parse(
        raw("Re: Hej (ref ABC234)", "Svar", In_Reply_To="<q1@qa.example>", References="<a@x> <q1@qa.example>")
    )
    assert (incoming.message_id, incoming.in_reply_to) == ("<r1@city.example>", "<q1@qa.example>")
    assert incoming.references == ("<a@x>", "<q1@qa.example>") and incoming.from_address == "info@city.example"
    assert incoming.sent_at == datetime(2026, 4, 2, 12, 5, tzinfo=timezone.utc)
    html = EmailMessage()
    html["Message-ID"] = "<h@x>"
    html.set_content("<p>Hej Anna,</p><p>Ring oss.</p>", subtype="html")
    assert mail_rules.parse(html.as_bytes()).body == "Hej Anna,\n\nRing oss."


def test_matching_prefers_the_thread_then_the_token():
    scenarios = [
        {"id": 1, "message_id": "<q1@qa.example>", "token": "ABC234"},
        {"id": 2, "message_id": "<q2@qa.example>", "token": "XYZ789"},
    ]
    both = mail_rules.parse(raw("Re: (ref XYZ789)", "x", In_Reply_To="<q1@qa.example>"))
    assert mail_rules.match(both, scenarios) == (1, "in-reply-to")
    refs = mail_rules.parse(raw("Svar", "x", References="<q2@qa.example> <other@x>"))
    assert mail_rules.match(refs, scenarios) == (2, "references")
    token = mail_rules.parse(raw("Ang. er fråga xyz789", "x"))
    assert mail_rules.match(token, scenarios) == (2, "token")
    assert mail_rules.match(mail_rules.parse(raw("ABC2345", "x")), scenarios) == (None, "")


@pytest.mark.parametrize(
    ("subject", "body", "headers", "why"),
    [
        ("Re: parking", "Thanks.", {"Auto_Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),
        ("Re: parking", "Thanks.", {"X_Autoreply": "yes"}, "x-autoreply header"),
        ("Re: parking", "Thanks.", {"Precedence": "auto_reply"}, "Precedence: auto_reply"),
        ("Automatiskt svar: Parkering", "Tack.", {}, "subject"),
        ("Automatisch antwoord: Parkeren", "Dank.", {}, "subject"),
        ("Re: Parkering", "Vi har tagit emot ditt mejl och svarar inom två dagar.", {}, "says"),
        ("Re: Parkeren", "Wij hebben uw bericht ontvangen.", {}, "says"),
    ],
)
def test_automatic_acknowledgements_are_recognised(subject, body, headers, why):
    assert mail_rules.automatic_reply(mail_rules.parse(raw(subject, body, **headers))).startswith(why)


def test_a_long_html_acknowledgement_is_judged_by_the_text_a_reader_sees():
    """A council's auto-reply in HTML: two sentences of text under kilobytes of <style> and
    <script>. Only the two sentences count, so it is recognised as the acknowledgement it is."""
    message = EmailMessage()
    message["From"] = "Kommunen <info@city.example>"
    message["Subject"] = "Sv: Fråga om bygglov"
    message["Message-ID"] = "<auto@city.example>"
    style = "".join(f".block-{i} {{ margin: {i}px; font-family: Arial, sans-serif; }}\n" for i in range(120))
    script = "var tracking = {" + ", ".join(f"'k{i}': {i}" for i in range(200)) + "};"
    message.set_content(
        f"<html><head><style>{style}</style><script>{script}</script></head><body>"
        "<div><p>Vi har tagit emot ditt meddelande.</p><p>Vi svarar inom fem arbetsdagar.</p></div></body></html>",
        subtype="html",
    )
    incoming = mail_rules.parse(message.as_bytes())
    assert len(style) + len(script) > 5000
    assert incoming.body == "Vi har tagit emot ditt meddelande.\n\nVi svarar inom fem arbetsdagar."
    assert mail_rules.automatic_reply(incoming) == "says 'Vi har tagit emot ditt'"


def test_a_real_answer_is_not_an_acknowledgement():
    answer = "Dear Anna,\n\nWe have received your question and the answer is: apply in our e-service. " * 20
    assert mail_rules.automatic_reply(mail_rules.parse(raw("Re: parking", answer, Auto_Submitted="no"))) is None
    assert mail_rules.automatic_reply(mail_rules.parse(raw("Re: Automatic payments", "Yes, you can."))) is None


def test_the_automatic_checks_and_their_evidence():
    timed = mail_rules.Timing(None, None, 1.0, 0.5, True, True, "answered")
    scenario = {"resident_name": "Anna Svensson", "key_points": parse_key_points("E-service: e-tjänst | Cost: 400")}
    answer = (
        "Hej Anna!\n\nDu ansöker i vår e-tjänst. Skicka också ditt personnummer.\n\n"
        "Med vänliga hälsningar\nKarin\n+46 8 123 456"
    )
    checks = mail_rules.prefill(answer, scenario, timed, 8, 2)
    assert checks["salutation"]["value"] is True
    assert checks["complete"] == {
        "value": False,
        "evidence": "1 of 2 key points mentioned; missing: Cost",
        "automatic": True,
    }
    assert checks["no_personal_data"] == {"value": False, "evidence": "asks for 'personnummer'", "automatic": True}
    assert checks["signature"]["value"] is True and "+46 8 123 456" in checks["signature"]["evidence"]
    assert checks["reference"]["value"] is False
    assert checks["readable"]["evidence"].startswith("LIX ")
    impersonal = mail_rules.prefill("Hello,\n\nSee the website.", scenario, timed, 8, 2)
    assert impersonal["salutation"] == {
        "value": False,
        "evidence": "opens with 'Hello,' (not by name)",
        "automatic": True,
    }
    assert impersonal["readable"]["value"] is None  # four words: too short to measure
    assert mail_rules.score({"a": {"value": True}, "b": {"value": False}, "c": {"value": None}}) == 0.5


def test_readability_by_hand():
    # 12 words in 2 sentences; 7 longer than six letters (question, quickly, Residents,
    # appreciate, straightforward, information, council): 12/2 + 100 * 7/12 = 64.3.
    text = "We answer every question quickly. Residents appreciate straightforward information from their council."
    assert mail_rules.lix(text) == pytest.approx(6 + 700 / 12)
    assert mail_rules.lix("Call us. We can help you. It is easy to do. Ask us now.") == pytest.approx(
        14 / 4
    )  # 14 short words, 4 sentences
