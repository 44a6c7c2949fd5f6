"""A received message, parsed with the standard library's ``email`` package (``policy.default``:
RFC 2047 encoded words decoded, addresses parsed, bodies decoded from their charsets)::

    parsed = parse(raw_bytes)
    parsed.from_address, parsed.subject, parsed.text, parsed.html, parsed.attachments

Nothing here trusts the message: a header that does not parse is left out, a body in a charset
Python does not know is decoded as UTF-8 with replacement characters, the text and HTML are
trimmed (``truncated`` says so), at most :data:`MAX_ATTACHMENTS` attachments are kept, and a
forwarded message (``message/rfc822``) is one attachment, not parts of this one. The HTML is kept
as received: it is stored and served as data, never rendered here.
"""

from __future__ import annotations

import email.policy
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser
from typing import Any

MAX_TEXT = 100_000
MAX_HTML = 200_000
MAX_ATTACHMENTS = 50
MAX_ADDRESSES = 100
MAX_REFERENCES = 100
MAX_HEADER = 998
MAX_FILENAME = 255
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,990}>")
_LINE_BREAKS = re.compile(r"[\r\n\t]+")


@dataclass(frozen=True, slots=True)
class Attachment:
    index: int
    filename: str | None
    content_type: str
    content: bytes = field(repr=False)
    content_id: str | None = None
    inline: bool = False

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True, slots=True)
class ParsedEmail:
    from_address: str
    from_name: str | None
    to: list[str]
    cc: list[str]
    reply_to: str | None
    subject: str
    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    sent_at: datetime | None
    text: str
    html: str | None
    truncated: bool
    attachments: list[Attachment]
    size: int


def parse(raw: bytes) -> ParsedEmail:
    """The message ``raw`` (RFC 5322 bytes, as SES stored it)."""
    message = BytesParser(policy=email.policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    sender = _addresses(message, "from")
    text_part = _body(message, "plain")
    html_part = _body(message, "html")
    text = _clean(_content(text_part)).replace("\r\n", "\n") if text_part is not None else ""
    html = _clean(_content(html_part)) if html_part is not None else None
    if not text and html:
        text = html_text(html)
    truncated = len(text) > MAX_TEXT or (html is not None and len(html) > MAX_HTML)
    attachments: list[Attachment] = []
    for part in _leaves(message):
        if part is text_part or part is html_part:
            continue
        if not _is_attachment(part):
            continue
        if len(attachments) >= MAX_ATTACHMENTS:
            truncated = True
            break
        attachments.append(_attachment(part, len(attachments)))
    reply_to = _addresses(message, "reply-to")
    return ParsedEmail(
        from_address=sender[0][0] if sender else "",
        from_name=sender[0][1] if sender else None,
        to=[a for a, _ in _addresses(message, "to")],
        cc=[a for a, _ in _addresses(message, "cc")],
        reply_to=reply_to[0][0] if reply_to else None,
        subject=_header(message, "subject") or "",
        message_id=_first(_message_ids(_header(message, "message-id"))),
        in_reply_to=_first(_message_ids(_header(message, "in-reply-to"))),
        references=_message_ids(_header(message, "references", MAX_REFERENCES * MAX_HEADER))[
            -MAX_REFERENCES:
        ],
        sent_at=_date(message),
        text=text[:MAX_TEXT],
        html=html[:MAX_HTML] if html is not None else None,
        truncated=truncated,
        attachments=attachments,
        size=len(raw),
    )


def _clean(value: str) -> str:
    """Text PostgreSQL can store: raw 8-bit bytes in a header (which Python keeps as surrogates)
    read as UTF-8 when they are, else as Windows-1252 (what such mail nearly always is); no NULs."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        data = value.encode("utf-8", errors="surrogateescape")
        try:
            value = data.decode("utf-8")
        except UnicodeDecodeError:
            value = data.decode("cp1252", errors="replace")
    return value.replace("\x00", "")


def _header(message: EmailMessage, name: str, limit: int = MAX_HEADER) -> str | None:
    try:
        value = message.get(name)
    except Exception:  # a header the parser cannot make sense of is left out
        return None
    if value is None:
        return None
    text = _LINE_BREAKS.sub(" ", _clean(str(value))).strip()
    return text[:limit] or None


def _addresses(message: EmailMessage, name: str) -> list[tuple[str, str | None]]:
    """``(address, display name)`` of every address in the ``name`` headers, lower-cased."""
    found: list[tuple[str, str | None]] = []
    try:
        headers = message.get_all(name) or []
        for header in headers:
            for address in getattr(header, "addresses", ()):
                spec = _clean(address.addr_spec or "").strip().lower()
                if "@" not in spec or len(spec) > 320 or spec in (a for a, _ in found):
                    continue
                display = _LINE_BREAKS.sub(" ", _clean(address.display_name or "")).strip()[:300] or None
                found.append((spec, display))
    except Exception:  # an unparseable address header holds no address we can use
        return found[:MAX_ADDRESSES]
    return found[:MAX_ADDRESSES]


def _message_ids(value: str | None) -> list[str]:
    if not value:
        return []
    ids = _MESSAGE_ID.findall(value)
    if ids:
        return ids
    bare = value.strip()  # a Message-ID without its angle brackets (seen in the wild)
    return [bare[:MAX_HEADER]] if bare and " " not in bare else []


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


def _date(message: EmailMessage) -> datetime | None:
    try:
        header = message.get("date")
        when = getattr(header, "datetime", None)
    except Exception:
        return None
    if not isinstance(when, datetime):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _body(message: EmailMessage, subtype: str) -> EmailMessage | None:
    try:
        part = message.get_body(preferencelist=(subtype,))
    except Exception:
        return None
    if part is None or part.get_content_type() != f"text/{subtype}":
        return None
    if part.get_content_disposition() == "attachment":
        return None
    return part  # type: ignore[return-value]


def _content(part: EmailMessage) -> str:
    """A text part's content as text: its charset when Python knows it, else UTF-8 with
    replacement characters (a missing or bogus charset is common)."""
    try:
        content = part.get_content()
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeError, ValueError, AssertionError):
        pass
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    return data.decode("utf-8", errors="replace")


def _leaves(part: EmailMessage) -> list[EmailMessage]:
    """The message's parts that are not containers; a forwarded message is one leaf."""
    if part.get_content_type() == "message/rfc822" or not part.is_multipart():
        return [part]
    leaves: list[EmailMessage] = []
    for sub in part.iter_parts():
        leaves.extend(_leaves(sub))  # type: ignore[arg-type]
    return leaves


def _is_attachment(part: EmailMessage) -> bool:
    disposition = part.get_content_disposition()
    if disposition == "attachment" or part.get_filename():
        return True
    if part.get_content_maintype() == "text" and part.get_content_type() in ("text/plain", "text/html"):
        return False  # an alternative body we did not choose (e.g. a second text part): not a file
    return part.get_content_maintype() != "multipart"


def _attachment(part: EmailMessage, index: int) -> Attachment:
    if part.get_content_type() == "message/rfc822":
        inner: Any = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        content = inner.as_bytes() if hasattr(inner, "as_bytes") else b""
    else:
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
    try:
        filename = part.get_filename()
    except Exception:
        filename = None
    if filename:
        filename = _LINE_BREAKS.sub(" ", _clean(filename)).replace("/", "_").replace("\\", "_")
        filename = filename.strip()[:MAX_FILENAME]
    content_id = _header(part, "content-id")
    return Attachment(
        index=index,
        filename=filename or None,
        content_type=part.get_content_type()[:200],
        content=content,
        content_id=content_id[:200] if content_id else None,
        inline=part.get_content_disposition() == "inline",
    )


class _Text(HTMLParser):
    """The text of an HTML document: what is between the tags, scripts and styles left out."""

    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self._skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The readable text of ``html`` (for a message that has no text part)."""
    parser = _Text()
    try:
        parser.feed(html[:MAX_HTML])
        parser.close()
    except Exception:
        return ""
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)
