"""Mystery-email rules, as plain functions (no I/O): reading a reply, matching it to the test
email it answers, telling an automatic acknowledgement from a real answer, timing both in
working hours, and pre-filling the rubric's automatic checks with their evidence.

A grader confirms every check; the automatic ones only save typing and say why.
"""

from __future__ import annotations

import email
import email.policy
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from inscriptis import get_text

from audits.working_hours import WorkingCalendar, working_days, working_time
from qa_app import formatting
from qa_app.i18n import _, _l, pgettext

TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def new_token() -> str:
    """A short code for the subject line, e.g. "K7QX4P", read like a resident's own reference."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(6))


def subject_with_token(subject: str, token: str) -> str:
    return f"{subject} (ref {token})"


@dataclass(frozen=True)
class Incoming:
    """A received message, as much of it as grading needs."""

    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    from_address: str
    subject: str
    body: str
    sent_at: datetime | None  # its Date header
    headers: dict[str, str]  # lower-cased names, for the automatic-reply signs


def html_text(html: str) -> str:
    """The text a reader sees in an HTML email (inscriptis: no <style> or <script>, paragraphs and
    list items on their own lines), without the layout's indentation."""
    lines = [line.strip() for line in get_text(html).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _ids(value: str | None) -> tuple[str, ...]:
    return tuple(re.findall(r"<[^<>\s]+>", value or ""))


def parse(raw: bytes, fallback_time: datetime | None = None) -> Incoming:
    """Read a message from its bytes (an .eml, one of an .mbox, an IMAP fetch)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    body_part = message.get_body(preferencelist=("plain", "html"))
    body = ""
    if body_part is not None:
        try:
            body = body_part.get_content()
        except (LookupError, UnicodeDecodeError):
            body = body_part.get_payload(decode=True).decode("latin-1", errors="replace")
        if body_part.get_content_subtype() == "html":
            body = html_text(body)
    try:
        sent = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
        if sent is not None and sent.tzinfo is None:
            sent = sent.replace(tzinfo=timezone.utc)
    except (TypeError, ValueError):
        sent = None
    addresses = getaddresses([str(message.get("From", ""))])
    message_id = (_ids(str(message.get("Message-ID", ""))) or ("",))[0]
    return Incoming(
        message_id=message_id,
        in_reply_to=(_ids(str(message.get("In-Reply-To", ""))) or ("",))[0],
        references=_ids(str(message.get("References", ""))),
        from_address=addresses[0][1].lower() if addresses else "",
        subject=str(message.get("Subject", "")).strip(),
        body=body.replace("\r\n", "\n").strip(),
        sent_at=sent or fallback_time,
        headers={k.lower(): str(v) for k, v in message.items()},
    )


def match(incoming: Incoming, scenarios: list[dict[str, Any]]) -> tuple[int | None, str]:
    """(scenario id, how): by In-Reply-To, then References, then the token in the subject."""
    by_message_id = {s["message_id"]: s["id"] for s in scenarios if s.get("message_id")}
    if incoming.in_reply_to in by_message_id:
        return by_message_id[incoming.in_reply_to], "in-reply-to"
    for reference in reversed(incoming.references):
        if reference in by_message_id:
            return by_message_id[reference], "references"
    for scenario in scenarios:
        if re.search(rf"\b{re.escape(scenario['token'])}\b", incoming.subject, re.IGNORECASE):
            return scenario["id"], "token"
    return None, ""


AUTO_SUBJECT = re.compile(
    r"^(automatic reply|auto(matic)?[- ]?(reply|response)|autoreply|auto:|out of office|"
    r"automatiskt svar|autosvar|frånvaro|automatisch antwoord|afwezig|automatische reactie|"
    r"we have received|vi har tagit emot|wij hebben .* ontvangen|bevestiging van ontvangst|mottagningsbekräftelse)",
    re.IGNORECASE,
)
AUTO_BODY = re.compile(
    r"(this is an automatic|automatically generated|do not reply to this|we have received your (e-?mail|message|question)|"
    r"thank you for your (e-?mail|message)[^.]*\. we (will|aim to) (reply|respond|answer)|"
    r"detta är ett automatiskt|vi har tagit emot ditt|svara inte på detta|"
    r"dit is een automatisch|wij hebben uw (e-?mail|bericht|vraag) ontvangen|niet beantwoorden)",
    re.IGNORECASE,
)


def automatic_reply(incoming: Incoming) -> str | None:
    """Why this looks like an automatic acknowledgement (RFC 3834 headers, the usual subjects
    and phrases of en/sv/nl auto-replies), or None for a real answer."""
    headers = incoming.headers
    auto_submitted = headers.get("auto-submitted", "no").strip().lower()
    if auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("x-autoreply", "x-autorespond", "x-autogenerated"):
        if name in headers:
            return f"{name} header"
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in ("auto_reply", "bulk", "junk"):
        return f"Precedence: {precedence}"
    subject = re.sub(r"^(re|sv|aw|antw|fw|fwd)\s*:\s*", "", incoming.subject, flags=re.IGNORECASE)
    if AUTO_SUBJECT.match(subject):
        return f"subject {incoming.subject!r}"
    found = AUTO_BODY.search(incoming.body)
    if found and len(incoming.body) < 1200:
        return f"says {found.group(0)!r}"
    return None


# Timing.


@dataclass(frozen=True)
class Timing:
    acknowledged_at: datetime | None  # the first reply of any kind
    answered_at: datetime | None  # the first real answer
    ack_hours: float | None  # working hours from sending
    answer_days: float | None  # working days (of the usual length) from sending
    ack_met: bool | None  # None: still within the target, nothing yet
    answer_met: bool | None
    status: str  # not sent, waiting, acknowledged, answered, overdue, never answered (see status_label)


def status_label(code: str) -> str:
    """What people read for a test email's status (Timing.status)."""
    return {
        "not sent": pgettext("mystery email status", "not sent"),
        "waiting": pgettext("mystery email status", "waiting"),
        "acknowledged": pgettext("mystery email status", "acknowledged"),
        "answered": pgettext("mystery email status", "answered"),
        "overdue": pgettext("mystery email status", "overdue"),
        "never answered": pgettext("mystery email status", "never answered"),
    }.get(code, code)


def matched_by_label(code: str) -> str:
    """What people read for how a reply was matched to its test email (see `match`)."""
    return {
        "in-reply-to": pgettext("reply matched by", "in-reply-to"),
        "references": pgettext("reply matched by", "references"),
        "token": pgettext("reply matched by", "token"),
    }.get(code, code)


def timing(
    sent_at: datetime | None,
    replies: list[dict[str, Any]],
    calendar: WorkingCalendar,
    now: datetime,
    ack_target_hours: float,
    answer_target_days: float,
) -> Timing:
    """Replies are dicts with `received_at` and `kind` ("ack" or "answer"). A real answer also
    acknowledges. A target passed by `now` without a reply counts as missed."""
    if sent_at is None:
        return Timing(None, None, None, None, None, None, "not sent")
    replies = sorted((r for r in replies if r["received_at"] >= sent_at), key=lambda r: r["received_at"])
    first = replies[0]["received_at"] if replies else None
    answer = next((r["received_at"] for r in replies if r["kind"] == "answer"), None)
    ack_hours = working_time(sent_at, first, calendar) / timedelta(hours=1) if first else None
    answer_days = working_days(sent_at, answer, calendar) if answer else None
    waited_hours = working_time(sent_at, now, calendar) / timedelta(hours=1)
    waited_days = working_days(sent_at, now, calendar)
    ack_met = ack_hours <= ack_target_hours if first else (False if waited_hours > ack_target_hours else None)
    answer_met = answer_days <= answer_target_days if answer else (False if waited_days > answer_target_days else None)
    if answer:
        status = "answered"
    elif answer_met is False:
        status = "never answered" if not first else "overdue"
    else:
        status = "acknowledged" if first else "waiting"
    return Timing(first, answer, ack_hours, answer_days, ack_met, answer_met, status)


# The rubric.

RUBRIC = (
    ("acknowledged_in_time", _l("Acknowledged in time"), True),
    ("answered_in_time", _l("Answered in time"), True),
    ("accurate", _l("Accurate"), False),
    ("complete", _l("Complete: the key points are covered"), True),
    ("salutation", _l("Personal salutation"), True),
    ("clear_polite", _l("Clear and polite"), False),
    ("readable", _l("Easy to read"), True),
    ("spelling", _l("Spelling and grammar"), False),
    ("reference", _l("Reference number given"), True),
    ("signature", _l("Signature with a way to follow up"), True),
    ("no_personal_data", _l("No unnecessary personal data asked for"), True),
)
LABELS = {code: label for code, label, _ in RUBRIC}

GREETINGS = r"(dear|hello|hi|good (morning|afternoon)|hej|hejsan|god (morgon|dag)|bästa|beste|geachte|hallo|goedemorgen|goedemiddag)"
REFERENCE = re.compile(
    r"(reference|ref\.?|case( number)?|our ref|ärende(nummer)?|diarie(nummer)?|referens|zaak(nummer)?|kenmerk|"
    r"dossier(nummer)?)\s*(number|no\.?|nr\.?|nummer)?\s*[:#]?\s*([A-Z]{0,4}[-/]?\d[\dA-Z/-]{3,})",
    re.IGNORECASE,
)
TRACKING_NUMBER = re.compile(r"\b20\d\d-\d{4,}\b")
PHONE = re.compile(r"(\+\d[\d ()-]{6,}\d|\b0\d[\d ()-]{5,}\d|\(\d{3}\)\s*\d{3}-\d{4})")  # +46.., 08-.., (555) 123-4567
SIGN_OFF = re.compile(
    r"^(kind regards|best regards|regards|yours sincerely|sincerely|best wishes|med vänlig(a)? hälsning(ar)?|"
    r"vänliga hälsningar|mvh|hälsningar|met vriendelijke groet(en)?|vriendelijke groet(en)?|groeten)\b",
    re.IGNORECASE,
)
CONTACT = re.compile(r"([\w.+-]+@[\w-]+\.[\w.-]+|https?://\S+|www\.\S+)")
PERSONAL_DATA = re.compile(
    r"(social security|national insurance number|date of birth|bank account|passport number|"
    r"personnummer|födelsedatum|kontonummer|bsn|burgerservicenummer|geboortedatum|rekeningnummer|"
    r"rijksregisternummer)",
    re.IGNORECASE,
)
LIX_TARGET = 50  # LIX (läsbarhetsindex): under 40 easy, 40-50 plain, above 50 hard, in en/sv/nl alike


def lix(text: str) -> float | None:
    """Björnsson's readability index: words per sentence plus the percentage of long words."""
    words = re.findall(r"[^\W\d_]+", text)
    sentences = max(1, len(re.findall(r"[.!?:]+(\s|$)", text)))
    if len(words) < 10:
        return None
    long_words = sum(1 for w in words if len(w) > 6)
    return len(words) / sentences + 100 * long_words / len(words)


def key_points_found(text: str, key_points: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(points found, points missing): a point counts when any of its words appears."""
    lowered = text.lower()
    found, missing = [], []
    for point in key_points:
        words = point.get("words") or [point["point"]]
        (found if any(w.lower() in lowered for w in words if w) else missing).append(point["point"])
    return found, missing


def _check(value: bool | None, evidence: str) -> dict[str, Any]:
    return {"value": value, "evidence": evidence, "automatic": True}


def _target(value: float) -> str:
    """A target as set (8, 2, 1.5), in the current language's numbers."""
    return formatting.number(int(value)) if float(value).is_integer() else formatting.decimal(value, 1)


def prefill(
    answer_body: str | None, scenario: dict[str, Any], timed: Timing, ack_target_hours: float, answer_days: float
) -> dict[str, dict[str, Any]]:
    """The rubric with its automatic checks filled in from the answer and the timing; checks
    only a person can judge are left empty (value None, automatic False)."""
    checks: dict[str, dict[str, Any]] = {
        code: {"value": None, "evidence": "", "automatic": False} for code, _, _ in RUBRIC
    }
    if timed.ack_hours is not None:
        checks["acknowledged_in_time"] = _check(
            timed.ack_met,
            _("first reply after %(hours)s working hours (target %(target)s)")
            % {"hours": formatting.decimal(timed.ack_hours, 1), "target": _target(ack_target_hours)},
        )
    elif timed.ack_met is False:
        checks["acknowledged_in_time"] = _check(
            False, _("no reply within %(target)s working hours") % {"target": _target(ack_target_hours)}
        )
    if timed.answer_days is not None:
        checks["answered_in_time"] = _check(
            timed.answer_met,
            _("answered after %(days)s working days (target %(target)s)")
            % {"days": formatting.decimal(timed.answer_days, 2), "target": _target(answer_days)},
        )
    elif timed.answer_met is False:
        checks["answered_in_time"] = _check(
            False, _("no answer within %(target)s working days") % {"target": _target(answer_days)}
        )
    if not answer_body:
        return checks
    lines = [line.strip() for line in answer_body.splitlines() if line.strip() and not line.startswith(">")]
    first_line = lines[0] if lines else ""
    names = [n for n in scenario.get("resident_name", "").split() if len(n) > 1]
    greeted = re.match(GREETINGS, first_line, re.IGNORECASE) is not None
    by_name = any(re.search(rf"\b{re.escape(n)}\b", first_line, re.IGNORECASE) for n in names)
    opening = {"text": repr(first_line[:80])}
    checks["salutation"] = _check(
        greeted and (by_name or not names),
        _("opens with %(text)s") % opening
        if by_name or not names
        else _("opens with %(text)s (not by name)") % opening,
    )
    found, missing = key_points_found(answer_body, scenario.get("key_points") or [])
    total = len(found) + len(missing)
    if total:
        mentioned = {"found": len(found), "total": total, "missing": ", ".join(missing)}
        checks["complete"] = _check(
            not missing,
            _("%(found)s of %(total)s key points mentioned; missing: %(missing)s") % mentioned
            if missing
            else _("%(found)s of %(total)s key points mentioned") % mentioned,
        )
    score = lix(answer_body)
    if score is not None:
        checks["readable"] = _check(
            score <= LIX_TARGET,
            _("LIX %(lix)s (plain language is %(target)s or less)")
            % {"lix": formatting.decimal(score, 0), "target": LIX_TARGET},
        )
    reference = REFERENCE.search(answer_body) or TRACKING_NUMBER.search(answer_body)
    checks["reference"] = _check(
        reference is not None,
        _("gives %(reference)s") % {"reference": repr(reference.group(0).strip())}
        if reference
        else _("no reference number found"),
    )
    sign_off = next((i for i, line in enumerate(lines) if SIGN_OFF.match(line)), None)
    tail = "\n".join(lines[sign_off:] if sign_off is not None else lines[-5:])
    contact = PHONE.search(tail) or CONTACT.search(tail)
    checks["signature"] = _check(
        contact is not None and len(lines) > 2,
        _("signs off with %(contact)s") % {"contact": repr(contact.group(0).strip())}
        if contact
        else _("no phone number, address or link at the end"),
    )
    asked = PERSONAL_DATA.search(answer_body)
    checks["no_personal_data"] = _check(
        asked is None,
        _("asks for %(data)s") % {"data": repr(asked.group(0))} if asked else _("asks for no identity or bank details"),
    )
    return checks


def score(checks: dict[str, dict[str, Any]]) -> float | None:
    """Share of the judged checks that passed (unjudged ones are left out)."""
    judged = [c["value"] for c in checks.values() if c.get("value") is not None]
    return sum(1 for v in judged if v) / len(judged) if judged else None
