"""Parsing received email with the standard library's email package, on real-world shapes kept
in tests/fixtures/email: multipart/alternative, attachments (inline, files, a forwarded message),
RFC 2047 and RFC 2231 encoded headers, non-UTF-8 charsets (ISO-8859-1, Shift_JIS, an unknown
one), raw 8-bit headers, a missing Message-ID, and bodies and attachment counts past the limits.
And SES's notification, in SNS's envelope or raw."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from hearth_dev.simulate.ses_inbound import mime_message, receipt_notification, sns_envelope

from hearth.email.inbound.parsing import MAX_ATTACHMENTS, MAX_HTML, MAX_TEXT, html_text, parse
from hearth.email.inbound.receiver import Notification

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "email"


def _fixture(name: str):
    return parse((FIXTURES / name).read_bytes())


def test_multipart_alternative_gives_both_bodies_addresses_and_threading():
    m = _fixture("multipart_alternative.eml")
    assert (m.from_address, m.from_name) == ("maria.lopez@example.org", "Maria Lopez")
    assert m.to == ["acme-3f9a1c@inbound.hearth.test"]
    assert m.cc == ["tom@example.org", "finance@example.org"]
    assert m.reply_to == "maria.lopez+replies@example.org"
    assert m.subject == "Re: Proposal for the spring campaign"
    assert m.message_id == "<CAF3x9Zk1Q2w-7hV@mail.example.org>"
    assert m.in_reply_to == "<0100018c2f1e-abc@email.amazonses.com>"
    assert m.references == [
        "<0100018c2e00-first@email.amazonses.com>",
        "<0100018c2f1e-abc@email.amazonses.com>",
    ]
    assert m.sent_at == datetime(2026, 12, 1, 14, 3, 5, tzinfo=UTC)
    # Quoted-printable decoded, soft line breaks joined, CRLF made LF.
    assert (
        "Thanks for the proposal \u2014 the numbers look good. Can we move the kickoff to the 14th?" in m.text
    )
    assert "\r" not in m.text
    assert m.html is not None
    assert m.html.startswith('<div dir="ltr">')
    assert "<script>alert(1)</script>" in m.html  # kept as received: served as data, never as a page
    assert m.attachments == []
    assert m.truncated is False


def test_attachments_inline_files_and_a_forwarded_message():
    m = _fixture("attachments.eml")
    assert m.text == "Please find the invoice and the signed contract attached.\n"
    assert m.html is not None
    assert "cid:logo@vendor" in m.html
    kinds = [(a.index, a.filename, a.content_type, a.inline, a.content_id) for a in m.attachments]
    assert kinds == [
        (0, None, "image/png", True, "<logo@vendor>"),
        (1, "INV-2041.pdf", "application/pdf", False, None),
        (2, "contract-thread.eml", "message/rfc822", False, None),
    ]
    assert m.attachments[0].content.startswith(b"\x89PNG")
    assert m.attachments[1].content.startswith(b"%PDF-1.4")
    assert m.attachments[1].size == len(m.attachments[1].content)
    # The forwarded message is one attachment, whole, not parts of this message.
    assert b"Message-ID: <inner-1@vendor.example>" in m.attachments[2].content
    assert "contract is signed" not in m.text


def test_rfc2047_and_rfc2231_encoded_headers_are_decoded():
    m = _fixture("encoded_headers.eml")
    assert m.from_name == "Fran\u00e7ois M\u00fcller"
    assert m.subject == "Re: Devis pour le projet \u00e9t\u00e9 \u2013 \U0001f680 (suite)"
    assert m.text == "Bonjour, voici le devis r\u00e9vis\u00e9.\n"
    (sheet,) = m.attachments
    assert sheet.filename == "devis r\u00e9vis\u00e9 \u00e9t\u00e9.xlsx"
    assert sheet.content.startswith(b"PK")


def test_non_utf8_charsets_are_decoded():
    latin = _fixture("latin1.eml")
    assert latin.subject == "Gr\u00fc\u00dfe aus M\u00fcnchen"
    assert "vielen Dank f\u00fcr Ihr Angebot. Die Gr\u00f6\u00dfe passt" in latin.text
    # A raw 8-bit display name (not RFC 2047) is read as Windows-1252, not kept as surrogates.
    assert latin.from_name == "J\u00f6rg Sch\u00e4fer"
    latin.from_name.encode("utf-8")
    japanese = _fixture("shift_jis.eml")
    assert japanese.subject == "\u3053\u3093\u306b\u3061\u306f"  # ISO-2022-JP encoded word
    assert japanese.text.startswith("\u304a\u4e16\u8a71\u306b\u306a\u3063\u3066")  # Shift_JIS body


def test_an_unknown_charset_and_a_bad_date_do_not_stop_the_message():
    m = _fixture("unknown_charset.eml")
    assert m.text.startswith("Your order shipped. Caf")
    assert "\u2713" in m.text  # UTF-8 where it is, replacement characters where it is not
    m.text.encode("utf-8")
    assert m.sent_at is None
    assert m.message_id == "<order-1182@old-system.example>"


def test_missing_message_id_and_html_only():
    m = _fixture("no_message_id.eml")
    assert m.message_id is None
    assert m.html is not None
    assert m.text == "Weekly report\nAll 12 checks passed.\nUptime: 99.98%"
    assert "color:red" not in m.text  # styles and the title are not text


def test_huge_bodies_are_trimmed_and_marked():
    message = EmailMessage()
    message["From"] = "bulk@example.org"
    message["To"] = "acme@inbound.hearth.test"
    message["Subject"] = "x" * 5000
    message.set_content("a" * (MAX_TEXT + 5000))
    message.add_alternative("<p>" + "b" * (MAX_HTML + 5000) + "</p>", subtype="html")
    m = parse(message.as_bytes())
    assert len(m.text) == MAX_TEXT
    assert m.html is not None
    assert len(m.html) == MAX_HTML
    assert m.truncated is True
    assert len(m.subject) == 998
    assert m.size > MAX_TEXT + MAX_HTML


def test_attachments_past_the_limit_are_left_out_and_marked():
    files = [(f"f{i}.txt", "application/octet-stream", b"%d" % i) for i in range(MAX_ATTACHMENTS + 5)]
    m = parse(
        mime_message(sender="a@example.org", to=["b@example.org"], subject="s", body="b", attachments=files)
    )
    assert len(m.attachments) == MAX_ATTACHMENTS
    assert m.truncated is True
    assert [a.filename for a in m.attachments[:2]] == ["f0.txt", "f1.txt"]


def test_nul_bytes_and_header_injection_do_not_survive():
    raw = (
        b"From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b'Content-Disposition: attachment; filename="../../etc/passwd"\r\n\r\nx\x00y\r\n'
    )
    m = parse(raw)
    (item,) = m.attachments  # a text part marked as an attachment is a file, not the body
    assert item.filename == ".._.._etc_passwd"
    assert m.text == ""
    body = parse(b"From: a@example.org\r\nSubject: a\x00b\r\n\r\nx\x00y\r\n")
    assert (body.subject, body.text) == ("ab", "xy\n")  # PostgreSQL text holds no NUL


def test_html_text_reads_like_text():
    assert html_text("<p>One</p><p>Two &amp; three</p><script>x()</script>") == "One\nTwo & three"


def test_notifications_in_snss_envelope_or_raw():
    raw = receipt_notification("abc123", ["acme@inbound.hearth.test"], "bucket", "inbound/abc123")
    for body in (sns_envelope(raw), json.dumps(raw)):
        n = Notification.parse(body)
        assert n is not None
        assert (n.ses_message_id, n.bucket, n.key) == ("abc123", "bucket", "inbound/abc123")
        assert n.recipients == ("acme@inbound.hearth.test",)
        assert n.verdicts == {"spam": "PASS", "virus": "PASS", "spf": "PASS", "dkim": "PASS", "dmarc": "PASS"}
    setup = {"notificationType": "AmazonSnsSubscriptionSucceeded", "message": "ok"}
    assert Notification.parse(json.dumps(setup)) is None  # SES's set-up notification: nothing to do
    other = dict(raw, receipt=dict(raw["receipt"], action={"type": "Lambda"}))
    with pytest.raises(ValueError, match="only S3 actions"):
        Notification.parse(json.dumps(other))
    with pytest.raises(ValueError):
        Notification.parse("[1, 2]")
