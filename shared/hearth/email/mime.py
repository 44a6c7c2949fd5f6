"""The MIME message SES sends, built with the standard library::

    raw = message(row, unsubscribe_url="https://…/webhooks/email/unsubscribe?t=…")

Plain text and HTML as ``multipart/alternative`` (or the one part given); ``Bcc`` is never a
header (SES's destinations carry it). A marketing email carries RFC 8058's one-click
unsubscribe headers; SES assigns the
``Message-ID``."""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr
from typing import Any


def sender(address: str, name: str | None) -> str:
    return formataddr((name, address)) if name else address


def message(
    row: dict[str, Any],
    *,
    from_name: str | None = None,
    unsubscribe_url: str | None = None,
    attachments: Sequence[tuple[str | None, str, bytes]] = (),
) -> bytes:
    """The email row (``hearth.email.store.EMAIL_COLUMNS``) as a MIME message, with
    ``attachments`` (filename, content type, bytes) after the body (``multipart/mixed``)."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender(row["from_address"], from_name)
    msg["To"] = ", ".join(row["to_addresses"])
    if row["cc_addresses"]:
        msg["Cc"] = ", ".join(row["cc_addresses"])
    if row["reply_to"]:
        msg["Reply-To"] = row["reply_to"]
    msg["Subject"] = row["subject"]
    if unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    text, html = row["text_body"], row["html_body"]
    if text is not None:
        msg.set_content(text, charset="utf-8")
        if html is not None:
            msg.add_alternative(html, subtype="html", charset="utf-8")
    else:
        msg.set_content(html or "", subtype="html", charset="utf-8")
    for filename, content_type, data in attachments:
        maintype, _, subtype = content_type.partition("/")
        if not subtype or maintype in {"multipart", "message"}:
            maintype, subtype = "application", "octet-stream"
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename or "attachment")
    return msg.as_bytes()
