"""Survey invitations by email: the residents' addresses, the message in their language, and
sending through `QA_SMTP_URL`.

Addresses come from a file the centre exports (its CRM or the phone system's contact lookup):
`call_id,email[,language]`. They are used to send and then forgotten: the database keeps no
address, only that the link was sent and when.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from kit.table_file import ImportError_, rows
from qa_app import db, mail
from qa_app.i18n import _
from surveys.invitations import NewLink, token_hash
from surveys.questions import LANGUAGES
from surveys.tables import InvitationStatus, SurveyInvitation

ADDRESS = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")

TEXTS = {
    "en": {
        "subject": "How did we do? One minute about your call",
        "body": "Hello,\n\nYou called us on {date}. Would you tell us how it went? It takes a minute, "
        "and you may leave out any question marked optional.\n\n{url}\n\nThe link works once and until {expires}. "
        "If you would rather not answer, simply ignore this email.\n\nThank you,\nThe contact centre",
    },
    "sv": {
        "subject": "Hur gick det? En minut om ditt samtal",
        "body": "Hej,\n\nDu ringde oss den {date}. Vill du berätta hur det gick? Det tar en minut, och "
        "frågor märkta frivillig kan du hoppa över.\n\n{url}\n\nLänken fungerar en gång och till och med {expires}. "
        "Vill du inte svara kan du bortse från det här mejlet.\n\nTack,\nKontaktcenter",
    },
    "nl": {
        "subject": "Hoe hebben we het gedaan? Een minuut over uw gesprek",
        "body": "Goedendag,\n\nU belde ons op {date}. Wilt u ons vertellen hoe het ging? Het kost een minuut, en "
        "vragen met niet verplicht mag u overslaan.\n\n{url}\n\nDe link werkt één keer en tot en met {expires}. "
        "Wilt u niet antwoorden, dan kunt u deze e-mail negeren.\n\nDank u wel,\nHet klantcontactcentrum",
    },
}


@dataclass(frozen=True)
class Recipient:
    address: str
    language: str  # "" = the resident's browser decides


def read_addresses(path: Path) -> dict[str, Recipient]:
    """call id -> recipient; every bad line is reported with its number, and nothing is sent."""
    recipients: dict[str, Recipient] = {}
    errors: list[str] = []
    try:
        handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115 - closed below
    except OSError as error:
        raise ImportError_(_("cannot read %(file)s: %(reason)s") % {"file": path, "reason": error.strerror}) from None
    with handle:
        for line, row in rows(handle, required=("call_id", "email"), optional=("language",)):
            call_id, address = row["call_id"].strip(), row["email"].strip()
            language = row.get("language", "").strip().lower()[:2]
            if not call_id:
                errors.append(_("line %(line)s: no call_id") % {"line": line})
            elif not ADDRESS.match(address):
                errors.append(
                    _("line %(line)s: %(address)s is not an email address") % {"line": line, "address": repr(address)}
                )
            elif language and language not in LANGUAGES:
                errors.append(
                    _("line %(line)s: language %(language)s is not one of %(languages)s")
                    % {"line": line, "language": repr(language), "languages": ", ".join(LANGUAGES)}
                )
            elif call_id in recipients:
                errors.append(_("line %(line)s: call %(call)s is listed twice") % {"line": line, "call": call_id})
            else:
                recipients[call_id] = Recipient(address, language)
    if errors:
        more = _(" (and %(n)s more)") % {"n": len(errors) - 20} if len(errors) > 20 else ""
        raise ImportError_("; ".join(errors[:20]) + more)
    return recipients


def invitation_message(link: NewLink, recipient: Recipient, base_url: str, sender: str, tz):
    texts = TEXTS[recipient.language or "en"]
    url = f"{base_url.rstrip('/')}/s/{link.token}" + (f"?lang={recipient.language}" if recipient.language else "")
    body = texts["body"].format(
        date=link.offered_at.astimezone(tz).strftime("%Y-%m-%d"),
        url=url,
        expires=link.expires_at.astimezone(tz).strftime("%Y-%m-%d"),
    )
    return mail.new_message(recipient.address, texts["subject"], body, sender=sender)


@dataclass
class Sent:
    sent: int = 0
    refused: list[str] = field(default_factory=list)  # call ids whose address the server refused


async def send_invitations(
    links: list[NewLink],
    recipients: dict[str, Recipient],
    base_url: str,
    tz,
    server: mail.SmtpServer | None = None,
) -> Sent:
    """Email each link to its call's resident and mark it sent (a refused address stays
    `created`, so a later export can reach that resident another way)."""
    server = server or mail.configured_server()
    messages, by_address = [], {}
    for link in links:
        recipient = recipients[link.call_external_id]
        messages.append(invitation_message(link, recipient, base_url, server.sender, tz))
        by_address[recipient.address] = link
    refused_addresses = set(await mail.send(messages, server))
    refused = [by_address[a] for a in refused_addresses if a in by_address]
    sent = [link for link in links if link not in refused]
    now = datetime.now(timezone.utc)
    async with db.write_transaction():
        for first in range(0, len(sent), 500):
            await SurveyInvitation.update(
                {SurveyInvitation.status: InvitationStatus.sent, SurveyInvitation.sent_at: now}
            ).where(
                SurveyInvitation.token_hash.is_in([token_hash(link.token) for link in sent[first : first + 500]])
                & (SurveyInvitation.status == InvitationStatus.created)
            )
    return Sent(sent=len(sent), refused=[link.call_external_id for link in refused])
