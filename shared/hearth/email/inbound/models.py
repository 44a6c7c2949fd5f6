"""Inbound email's answers and requests: the org's addresses, the messages it received, a link to
an attachment."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from hearth.http.inputs import Patch, Schema

SLUG_PATTERN = r"^[a-z0-9]([a-z0-9-]{1,38}[a-z0-9])$"
#: Local parts mail systems and people expect to mean something else; never an org's slug.
RESERVED_SLUGS = frozenset(
    {"abuse", "admin", "administrator", "hostmaster", "mailer-daemon", "noc", "postmaster", "root",
     "security", "support", "webmaster", "www", "no-reply", "noreply", "bounce", "bounces"}
)  # fmt: skip


class InboundAddress(BaseModel):
    """Where the org receives email, and where members BCC the email they send to log it."""

    enabled: bool = Field(description="Whether this deployment receives email (an inbound domain is set).")
    slug: str = Field(description="The local part of the inbound address, unique across orgs.")
    domain: str | None = Field(description="The deployment's inbound email domain.")
    address: str | None = Field(description="Email sent here is stored and added to the sender's timeline.")
    bcc_address: str | None = Field(
        description="BCC this address on email you send to a contact: it is logged as sent on their timeline."
        " Keep it among members; rotate it if it leaks."
    )
    updated_at: datetime
    version: int


class InboundAddressUpdate(Patch):
    slug: Annotated[str, Schema(pattern=SLUG_PATTERN)] | None = Field(
        default=None,
        description="A new local part for the inbound address (3-40 lower-case letters, digits, hyphens);"
        " the old address stops receiving at once.",
    )
    rotate_bcc_address: Literal[True] | None = Field(
        default=None, description="Draw a new BCC logging address; the old one stops receiving at once."
    )


class InboundEmailAttachment(BaseModel):
    index: int = Field(description="The attachment's position in the message (its URL names it).")
    filename: str | None
    content_type: str
    size: int = Field(description="Bytes.")
    content_id: str | None = Field(
        default=None, description="For inline parts referenced by the HTML (cid:)."
    )
    inline: bool = False


class InboundEmailSummary(BaseModel):
    """An email the org received at its inbound address (``inbound``), or one a member sent and
    logged by BCC (``outbound``)."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: UUID
    direction: Literal["inbound", "outbound"]
    recipient: str = Field(description="The org's address the message reached.")
    ses_message_id: str
    message_id: str | None = Field(description="The Message-ID header.")
    in_reply_to: str | None
    references: list[str]
    from_address: str
    from_name: str | None
    to: list[str]
    cc: list[str]
    reply_to: str | None
    subject: str
    truncated: bool = Field(description="The bodies were trimmed, or attachments left out.")
    attachments: list[InboundEmailAttachment]
    verdicts: dict[str, str] = Field(description="SES's spam, virus, SPF, DKIM and DMARC verdicts.")
    size_bytes: int
    sent_at: datetime | None = Field(description="The Date header.")
    received_at: datetime
    person_id: UUID | None = Field(description="The contact: the sender, or the recipient of a logged email.")
    company_id: UUID | None
    created_at: datetime


class InboundEmail(InboundEmailSummary):
    text: str = Field(description="The plain-text body (from the HTML when the message had none).")
    html: str | None = Field(
        description="The HTML body as received, NOT sanitised: never insert it into a page as HTML"
        " without sanitising it (or showing it in a sandboxed frame)."
    )


class AttachmentLink(BaseModel):
    url: str = Field(description="A presigned GET URL of the attachment's bytes.")
    expires_in: int = Field(description="Seconds the URL stays valid.")
    filename: str | None
    content_type: str
    size: int
