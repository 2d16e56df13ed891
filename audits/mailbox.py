"""Where mystery-email replies come from: the QA mailbox over IMAP (imap-tools), or a file
uploaded by hand (.eml, or an .mbox export of a mailbox).

`QA_IMAP_URL` names the mailbox: `imaps://user:password@host:993/INBOX` (TLS), or
`imap://user:password@host:143/INBOX` for a server on the same machine. The password is never
shown in messages.
"""

from __future__ import annotations

import mailbox as stdlib_mailbox
import tempfile
from datetime import date, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from qa_app.i18n import _
from qa_app.settings import get_settings

UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024


class MailboxError(Exception):
    pass


def _imap_parts(url: str) -> tuple[str, str, int, str, str, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise MailboxError(_("QA_IMAP_URL looks like imaps://user:password@mail.city.example:993/INBOX"))
    if not parts.username:
        raise MailboxError(_("QA_IMAP_URL needs the mailbox's user name (imaps://user:password@host/INBOX)"))
    port = parts.port or (993 if parts.scheme == "imaps" else 143)
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    return parts.scheme, parts.hostname, port, unquote(parts.username), unquote(parts.password or ""), folder


def fetch_imap(url: str | None = None, since: date | None = None) -> list[tuple[bytes, datetime | None]]:
    """Every message in the folder (since a day, when given), unchanged on the server: nothing
    is marked read or deleted, so fetching again is harmless (replies are kept once)."""
    from imap_tools import AND, MailBox, MailBoxUnencrypted

    url = url or get_settings().imap_url
    if not url:
        raise MailboxError(
            _("no mailbox is configured: set QA_IMAP_URL (for example imaps://qa:secret@mail.city/INBOX)")
        )
    scheme, host, port, user, password, folder = _imap_parts(url)
    kind = MailBox if scheme == "imaps" else MailBoxUnencrypted
    try:
        with kind(host, port, timeout=60).login(user, password, folder) as box:
            criteria = AND(date_gte=since) if since else "ALL"
            return [
                (message.obj.as_bytes(), getattr(message, "date", None))
                for message in box.fetch(criteria, mark_seen=False, bulk=True)
            ]
    except Exception as error:  # imaplib, ssl and socket errors all mean: could not read the mailbox
        reason = str(error).replace(password, "***") if password else str(error)
        raise MailboxError(
            _("could not read %(mailbox)s: %(error)s")
            % {"mailbox": f"{user}@{host}:{port}/{folder}", "error": f"{type(error).__name__}: {reason}"}
        ) from None


def read_upload(name: str, data: bytes) -> list[tuple[bytes, datetime | None]]:
    """The messages in an uploaded .eml (one) or .mbox (many)."""
    if len(data) > UPLOAD_LIMIT_BYTES:
        raise MailboxError(
            _("%(file)s is larger than %(size)s MB") % {"file": name, "size": UPLOAD_LIMIT_BYTES // 1024 // 1024}
        )
    suffix = Path(name).suffix.lower()
    if suffix == ".eml":
        return [(data, None)]
    if suffix == ".mbox":
        with tempfile.NamedTemporaryFile(suffix=".mbox") as handle:
            handle.write(data)
            handle.flush()
            box = stdlib_mailbox.mbox(handle.name, create=False)
            try:
                return [(message.as_bytes(), None) for message in box]
            finally:
                box.close()
    raise MailboxError(_("%(file)s: upload an .eml file or an .mbox export") % {"file": name})
