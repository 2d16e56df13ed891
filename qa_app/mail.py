"""Outgoing mail through `QA_SMTP_URL`: survey invitations, notifications, mystery emails.

The URL names the server and how to reach it:

    smtp://host:25                      plain (a relay inside the town hall's network)
    smtp+starttls://user:pass@host:587  STARTTLS, then login
    smtps://user:pass@host:465          TLS from the start

with an optional `?from=contact-centre@city.example` for the sender (default
`noreply@<host>`). Passwords are never logged or shown: `describe()` leaves them out.
Messages go out over one connection per batch; a failure names the server and the reason.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from qa_app.settings import get_settings

SCHEMES = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "tls"}
DEFAULT_PORTS = {"plain": 25, "starttls": 587, "tls": 465}
TIMEOUT_SECONDS = 30


class MailError(Exception):
    """Mail could not be sent; the message says why (never with a password)."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str  # plain, starttls, tls
    username: str | None
    password: str | None
    sender: str

    def describe(self) -> str:
        user = f"{self.username}@" if self.username else ""
        return f"{self.security} smtp {user}{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpServer:
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise MailError(f"QA_SMTP_URL must start with {', '.join(s + '://' for s in SCHEMES)} (got {parts.scheme!r})")
    if not parts.hostname:
        raise MailError("QA_SMTP_URL has no host")
    security = SCHEMES[parts.scheme]
    query = parse_qs(parts.query)
    sender = query.get("from", [f"noreply@{parts.hostname}"])[0]
    return SmtpServer(
        host=parts.hostname,
        port=parts.port or DEFAULT_PORTS[security],
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        sender=sender,
    )


def configured_server() -> SmtpServer:
    url = get_settings().smtp_url
    if not url:
        raise MailError("no mail server is configured: set QA_SMTP_URL (for example smtp://mail.city.example:25)")
    return parse_smtp_url(url)


def new_message(to: str, subject: str, text: str, *, sender: str, html: str | None = None) -> EmailMessage:
    """A message with its own Message-ID and date, plain text first (and an HTML twin if given)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">") or None)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def _send_all(server: SmtpServer, messages: list[EmailMessage]) -> list[str]:
    """Send over one connection; returns the addresses refused (the rest went out)."""
    refused: list[str] = []
    try:
        if server.security == "tls":
            client = smtplib.SMTP_SSL(
                server.host, server.port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
        with client:
            if server.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if server.username:
                client.login(server.username, server.password or "")
            for message in messages:
                try:
                    client.send_message(message)
                except smtplib.SMTPRecipientsRefused:
                    refused.append(str(message["To"]))
    except (OSError, smtplib.SMTPException) as error:
        reason = error.smtp_error.decode(errors="replace") if hasattr(error, "smtp_error") else str(error)
        raise MailError(f"could not send mail through {server.describe()}: {type(error).__name__}: {reason}") from None
    return refused


async def send(messages: list[EmailMessage], server: SmtpServer | None = None) -> list[str]:
    """Send the messages (in a worker thread: smtplib blocks); returns the refused addresses."""
    if not messages:
        return []
    server = server or configured_server()
    return await asyncio.to_thread(_send_all, server, messages)
