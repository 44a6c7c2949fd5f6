"""Email's requests and answers: sending domains, the org's sender settings, templates, emails,
suppressions."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from hearth.http.inputs import Patch, Schema, Text

#: An email address as Hearth accepts one: a local part and a domain with a dot, no spaces,
#: brackets, quotes, commas or semicolons (no display names, no lists), at most 320 characters.
ADDRESS_PATTERN = (
    r"^[^@\s<>\",;:()\[\]\\]{1,64}@[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?\.[A-Za-z]{2,63}$"
)
_ADDRESS = re.compile(ADDRESS_PATTERN)
DOMAIN_PATTERN = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def is_address(value: str) -> bool:
    return len(value) <= 320 and _ADDRESS.match(value) is not None


def _address(value: str) -> str:
    if not is_address(value):
        raise PydanticCustomError("invalid_email_address", "Not a valid email address.")
    return value.lower()


#: An email address (stored lowercased).
Address = Annotated[str, Schema(pattern=ADDRESS_PATTERN, maxLength=320), AfterValidator(_address)]
#: Whom to email: a person's id (their email) or an address.
Recipient = Annotated[
    str,
    Field(
        pattern=f"^({UUID_PATTERN}|[^@\\s]+@[^@\\s]+)$",
        max_length=320,
        description="A person id, or an email address.",
    ),
]
Category = Literal["transactional", "marketing"]
EmailStatus = Literal["queued", "sending", "sent", "delivered", "bounced", "complained", "failed"]
EMAIL_STATUSES: tuple[str, ...] = (
    "queued",
    "sending",
    "sent",
    "delivered",
    "bounced",
    "complained",
    "failed",
)


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower()


# -- domains -------------------------------------------------------------------------------------


class DnsRecord(BaseModel):
    type: Literal["CNAME"]
    name: str
    value: str


class EmailDomain(BaseModel):
    """A domain the org sends from: an SES identity signed with Easy DKIM."""

    id: UUID
    domain: str
    status: Literal["pending", "verified", "failed"] = Field(
        description="SES's answer when last asked: verified once SES may send from the domain."
    )
    dkim_records: list[DnsRecord] = Field(description="The CNAME records to publish in the domain's DNS.")
    checked_at: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class EmailDomainList(BaseModel):
    data: list[EmailDomain]


def _domain(value: str) -> str:
    value = value.lower().rstrip(".")
    if len(value) > 253 or re.match(DOMAIN_PATTERN, value) is None:
        raise PydanticCustomError("invalid_domain", "Not a valid domain name.")
    return value


class EmailDomainCreate(BaseModel):
    """Add a domain to send from: SES creates its identity and answers the DKIM records."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"domain": "mail.example.com"}]}
    )

    domain: Annotated[str, Schema(pattern=r"^[A-Za-z0-9.-]{4,253}$"), AfterValidator(_domain)]


# -- settings ------------------------------------------------------------------------------------


class EmailSettings(BaseModel):
    from_address: str | None = Field(description="The default sender: an address on a verified domain.")
    from_name: str | None = Field(description="The display name of the default sender.")
    reply_to: str | None = Field(description="Where replies go by default (none: the sender).")
    version: int


class EmailSettingsUpdate(Patch):
    required: ClassVar[frozenset[str]] = frozenset()

    from_address: Address | None = None
    from_name: Annotated[str, Text(100)] | None = None
    reply_to: Address | None = None


# -- templates -----------------------------------------------------------------------------------


class EmailTemplate(BaseModel):
    """An org's email template (Jinja2, sandboxed; HTML autoescaped)."""

    id: UUID
    name: str
    subject: str
    text_body: str | None
    html_body: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class EmailTemplateList(BaseModel):
    data: list[EmailTemplate]


class EmailTemplateCreate(BaseModel):
    """A template: ``subject`` and a text and/or HTML body, with ``{{ person.first_name }}``,
    ``{{ company.name }}``, ``{{ deal.name }}`` and the variables a send gives."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Welcome",
                    "subject": "Welcome, {{ person.first_name }}",
                    "html_body": "<p>Hello {{ person.first_name }}, welcome to {{ product }}.</p>",
                }
            ]
        },
    )

    name: Annotated[str, Text(100)]
    subject: Annotated[str, Text(1000)]
    text_body: Annotated[str, Text(100_000)] | None = None
    html_body: Annotated[str, Text(200_000)] | None = None

    @model_validator(mode="after")
    def _a_body(self) -> EmailTemplateCreate:
        if self.text_body is None and self.html_body is None:
            raise PydanticCustomError("body_required", "Give text_body, html_body or both.")
        return self


class EmailTemplateUpdate(Patch):
    required: ClassVar[frozenset[str]] = frozenset({"name", "subject"})

    name: Annotated[str, Text(100)] | None = None
    subject: Annotated[str, Text(1000)] | None = None
    text_body: Annotated[str, Text(100_000)] | None = None
    html_body: Annotated[str, Text(200_000)] | None = None


Variables = Annotated[dict[str, Any], Field(max_length=100)]


class LinkedRecords(BaseModel):
    person_id: UUID | None = None
    company_id: UUID | None = None
    deal_id: UUID | None = None


class TemplatePreview(LinkedRecords):
    """Render a template with these records and variables, sending nothing."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"variables": {"product": "Hearth"}}]}
    )

    variables: Variables = Field(default_factory=dict)


class Rendered(BaseModel):
    subject: str
    text_body: str | None
    html_body: str | None


# -- emails --------------------------------------------------------------------------------------


#: Attachments an email may carry: how many, and their bytes in all.
MAX_ATTACHMENTS = 10
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


class AttachmentReference(BaseModel):
    """An attachment the org received: the inbound email's id and the attachment's index."""

    model_config = ConfigDict(extra="forbid")

    inbound_email_id: UUID
    index: int = Field(ge=0, le=49)


class EmailAttachment(BaseModel):
    """An attachment of an email (its bytes stay in S3 until the sender reads them)."""

    inbound_email_id: UUID
    index: int
    filename: str | None
    content_type: str
    size: int = Field(description="Bytes.")


class EmailSend(LinkedRecords):
    """Send an email: ``to`` is a person's id (their email) or an address; the content is
    ``subject`` with ``text`` and/or ``html``, or ``template_id`` with ``variables``. ``from``
    (default: the org's default sender) must be on one of the org's verified domains."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "to": "ada@example.com",
                    "subject": "Your order",
                    "text": "It ships today.",
                    "category": "transactional",
                }
            ]
        },
    )

    to: Recipient
    cc: list[Address] = Field(default_factory=list, max_length=20)
    bcc: list[Address] = Field(default_factory=list, max_length=20)
    from_: Address | None = Field(default=None, alias="from")
    reply_to: Address | None = None
    subject: Annotated[str, Text(1000)] | None = None
    text: Annotated[str, Text(100_000)] | None = None
    html: Annotated[str, Text(200_000)] | None = None
    template_id: UUID | None = None
    variables: Variables = Field(default_factory=dict)
    category: Category = "transactional"
    attachments: list[AttachmentReference] = Field(
        default_factory=list,
        max_length=MAX_ATTACHMENTS,
        description="Attachments the org received (inbound emails'), at most 10 MB in all.",
    )

    @model_validator(mode="after")
    def _content(self) -> EmailSend:
        if self.template_id is not None:
            if self.subject is not None or self.text is not None or self.html is not None:
                raise PydanticCustomError(
                    "content_conflict", "Give template_id or subject/text/html, not both."
                )
        elif self.subject is None or (self.text is None and self.html is None):
            raise PydanticCustomError(
                "content_required", "Give subject with text and/or html, or template_id."
            )
        return self


class EmailError(BaseModel):
    code: str
    message: str | None


class Email(BaseModel):
    """An email the org sent (or is sending)."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: UUID
    status: EmailStatus
    category: Category
    system: bool = Field(description="Sent by the platform (a notification), not by a member.")
    from_: str = Field(alias="from")
    to: list[str]
    cc: list[str]
    bcc: list[str]
    reply_to: str | None
    subject: str
    text: str | None
    html: str | None
    template_id: UUID | None
    person_id: UUID | None
    company_id: UUID | None
    deal_id: UUID | None
    provider_message_id: str | None = Field(description="SES's message id, once SES took the email.")
    error: EmailError | None
    attempts: int
    sent_at: datetime | None
    delivered_at: datetime | None
    open_count: int
    first_opened_at: datetime | None
    click_count: int
    first_clicked_at: datetime | None
    sent_by: str | None
    attachments: list[EmailAttachment] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    version: int


# -- suppressions --------------------------------------------------------------------------------


class EmailSuppression(BaseModel):
    address: str
    reason: Literal["bounce", "complaint", "unsubscribe", "manual"]
    marketing_only: bool = Field(description="Only marketing email is held back (an unsubscribe).")
    email_id: UUID | None = Field(description="The email whose bounce or complaint suppressed the address.")
    detail: str | None
    created_by: str
    created_at: datetime


class EmailSuppressionCreate(BaseModel):
    """Stop emailing an address (every email, or with ``marketing_only`` marketing only)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"address": "ada@example.com"}]}
    )

    address: Address
    marketing_only: bool = False
    detail: Annotated[str, Text(500)] | None = None


class EmailSuppressionRemove(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "The customer asked to hear from us again."}]},
    )

    reason: Annotated[str, Text(500)]
