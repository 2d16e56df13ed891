"""Real mail servers on loopback for the tests: an SMTP server (aiosmtpd) that keeps what it
receives, and (see `imap_server`) Dovecot with a test mailbox."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Keep:
    def __init__(self, sink: SmtpServer):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if any(address.endswith("@refused.example") for address in envelope.rcpt_tos):
            return "550 no such mailbox"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.sink.lock:
            self.sink.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.endswith("@refused.example"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class SmtpServer:
    """aiosmtpd on 127.0.0.1 in a thread of its own; `.url` for QA_SMTP_URL, `.received` holds
    (envelope sender, recipients, parsed message). Addresses at refused.example are refused."""

    def __init__(self, sender: str = "contact-centre@city.example"):
        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}?from={sender}"
        self.received: list[tuple[str, list[str], EmailMessage]] = []
        self.lock = threading.Lock()
        self.controller = Controller(_Keep(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def messages(self, to: str | None = None) -> list[EmailMessage]:
        with self.lock:
            return [m for _, rcpt, m in self.received if to is None or to in rcpt]

    def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return self.messages()
            time.sleep(0.05)
        raise AssertionError(f"the SMTP server received {len(self.received)} messages, not {count}")
