"""Real mail servers on loopback for the tests: an SMTP server (aiosmtpd) that keeps what it
receives, and (see `imap_server`) Dovecot with a test mailbox."""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import subprocess
import threading
import time
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller

from tests.live_app import free_port


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


DOVECOT = "/usr/sbin/dovecot"


class ImapServer:
    """Dovecot on 127.0.0.1 with one mailbox (Maildir), started from a config of its own in a
    fresh folder; `.url` for QA_IMAP_URL, `.append(raw, when)` puts a message in the INBOX.

    As root (CI) Dovecot's own users run it and the mail belongs to `nobody`; as another user,
    everything runs as that user."""

    def __init__(self, user: str = "qa-mailbox@city.example", password: str = "mailbox-secret"):
        import pwd
        import tempfile

        self.user, self.password = user, password
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="qa-dovecot-"))
        self.dir.chmod(0o755)
        for sub in ("run", "state", "home"):
            (self.dir / sub).mkdir()
        if os.getuid() == 0:
            internal, internal_group, login = "dovecot", "dovecot", "dovenull"
            mail = pwd.getpwnam("nobody")
            os.chown(self.dir / "home", mail.pw_uid, mail.pw_gid)
            uid, gid = mail.pw_uid, mail.pw_gid
        else:
            me = pwd.getpwuid(os.getuid())
            internal, login, uid, gid = me.pw_name, me.pw_name, me.pw_uid, me.pw_gid
            import grp

            internal_group = grp.getgrgid(gid).gr_name
        (self.dir / "users").write_text(f"{user}:{{PLAIN}}{password}\n")
        self.config = self.dir / "dovecot.conf"
        self.config.write_text(
            f"""protocols = imap
listen = 127.0.0.1
base_dir = {self.dir}/run
state_dir = {self.dir}/state
log_path = {self.dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = 0
first_valid_gid = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.dir}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={self.dir}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""
        )
        self.url = f"imap://{user}:{password}@127.0.0.1:{self.port}/INBOX"
        self.process: subprocess.Popen | None = None

    def start(self) -> ImapServer:
        if not Path(DOVECOT).is_file():
            raise AssertionError(
                f"the mail tests need Dovecot at {DOVECOT} (apt install dovecot-imapd; scripts/bootstrap does)"
            )
        # In the foreground (-F): this test owns the process and stops it, whatever happens.
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"Dovecot exited with {self.process.returncode}:\n{self.log()}")
            try:
                with self.mailbox():
                    return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError("Dovecot did not answer:\n" + self.log())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)

    def log(self) -> str:
        path = self.dir / "dovecot.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def mailbox(self):
        from imap_tools import MailBoxUnencrypted

        return MailBoxUnencrypted("127.0.0.1", self.port, timeout=10).login(self.user, self.password, "INBOX")

    def append(self, raw: bytes, when: datetime | None = None) -> None:
        with self.mailbox() as box:
            box.append(raw, "INBOX", dt=when)
