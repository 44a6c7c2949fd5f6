"""Telephony's requests and answers: phone numbers, SMS messages, the org's settings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from hearth.http.inputs import Patch, Schema, Text
from hearth.telephony.numbers import e164

E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"


def _valid_number(value: str) -> str:
    """A number of the numbering plan (``phonenumbers``), as E.164 writes it."""
    try:
        valid = e164(value) == value
    except ValueError:
        valid = False
    if not valid:
        raise PydanticCustomError("invalid_phone_number", "Not a valid phone number in E.164 form.")
    return value


#: A phone number in E.164 form (``+`` and the country code), valid by ``phonenumbers``.
Phone = Annotated[str, Schema(pattern=E164_PATTERN), AfterValidator(_valid_number)]
MediaUrl = Annotated[str, Field(pattern=r"^https://\S{1,1000}$")]
RECIPIENT_PATTERN = (
    r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\+[1-9][0-9]{6,14})$"
)
#: Whom to text or call: a person's id, or an E.164 number.
Recipient = Annotated[
    str, Field(pattern=RECIPIENT_PATTERN, description="A person id, or an E.164 phone number.")
]
SmsStatus = Literal["queued", "sending", "sent", "delivered", "undelivered", "failed", "received"]
SMS_STATUSES: tuple[str, ...] = (
    "queued",
    "sending",
    "sent",
    "delivered",
    "undelivered",
    "failed",
    "received",
)


class Capabilities(BaseModel):
    sms: bool = False
    mms: bool = False
    voice: bool = False


class PhoneNumber(BaseModel):
    """One of the org's Twilio numbers."""

    id: UUID
    phone_number: str = Field(description="The number, E.164.")
    provider_sid: str = Field(description="Twilio's IncomingPhoneNumber sid (PN…).")
    purchased: bool = Field(description="Bought through Hearth (releasing it releases it in Twilio).")
    friendly_name: str | None
    capabilities: Capabilities
    is_default: bool = Field(
        description="The org's default number: SMS go out from it unless said otherwise."
    )
    member_user_id: UUID | None = Field(description="The member whose own number this is (sends from it).")
    forward_to: str | None = Field(description="The member's phone that calls to this number ring.")
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class PhoneNumberList(BaseModel):
    data: list[PhoneNumber]


class PhoneNumberAttach(BaseModel):
    """Attach a number the org's Twilio account already holds (Twilio is asked; its SMS and voice
    webhooks are pointed at this deployment)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"phone_number": "+14155550100"}]}
    )

    phone_number: Phone


class PhoneNumberBuy(BaseModel):
    """Buy a number Twilio offers (``GET /v1/phone-numbers/available``) into the org's account."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"phone_number": "+14155550123"}]}
    )

    phone_number: Phone


class PhoneNumberUpdate(Patch):
    """Make the number the org's default, or a member's own number (and the phone it rings)."""

    required: ClassVar[frozenset[str]] = frozenset({"is_default"})

    is_default: bool | None = None
    member_user_id: UUID | None = None
    forward_to: Phone | None = None


class AvailableNumber(BaseModel):
    phone_number: str
    friendly_name: str | None
    locality: str | None
    region: str | None
    country: str | None
    capabilities: Capabilities


class AvailableNumberList(BaseModel):
    data: list[AvailableNumber]


class SmsSend(BaseModel):
    """Send an SMS: ``to`` is a person's id (their first phone) or an E.164 number; ``from`` one of
    the org's numbers (default: your own number, else the org's default)."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={"examples": [{"to": "+14155550199", "body": "Your table is ready."}]},
    )

    to: Recipient
    body: Annotated[str, Text(1600)]
    media_urls: list[MediaUrl] = Field(default_factory=list, max_length=10)
    from_: Phone | None = Field(default=None, alias="from")


class SmsError(BaseModel):
    code: str
    message: str | None


class SmsMessage(BaseModel):
    """An SMS sent or received through one of the org's numbers."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: UUID
    direction: Literal["outbound", "inbound"]
    status: SmsStatus
    from_: str = Field(alias="from")
    to: str
    phone_number_id: UUID | None
    person_id: UUID | None
    body: str
    media_urls: list[str]
    provider_sid: str | None
    error: SmsError | None
    attempts: int
    sent_by: str | None
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, row: dict[str, Any]) -> SmsMessage:
        """A message of a row selected with ``hearth.telephony.store.SMS_COLUMNS``."""
        return cls.model_validate(row)


class TelephonySettings(BaseModel):
    create_people: bool = Field(description="An SMS from an unknown number creates a person (source sms).")
    auto_reply: str | None = Field(
        description="Answered to every inbound SMS that is not a keyword (none: no answer)."
    )
    help_text: str | None = Field(description="Answered to HELP (none: a short default naming the org).")
    version: int


class TelephonySettingsUpdate(Patch):
    required: ClassVar[frozenset[str]] = frozenset({"create_people"})

    create_people: bool | None = None
    auto_reply: Annotated[str, Text(320)] | None = None
    help_text: Annotated[str, Text(320)] | None = None


CallStatus = Literal[
    "queued", "ringing", "in-progress", "completed", "busy", "no-answer", "failed", "canceled"
]


class Call(BaseModel):
    """A call to or from one of the org's numbers."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: UUID
    direction: Literal["outbound", "inbound"]
    status: CallStatus
    from_: str = Field(alias="from")
    to: str
    phone_number_id: UUID | None
    person_id: UUID | None
    member_user_id: UUID | None = Field(description="The member rung (inbound) or calling (click-to-call).")
    provider_sid: str | None
    duration_seconds: int | None
    voicemail: bool = Field(description="Nobody answered: the caller was sent to voicemail.")
    recording_status: Literal["pending", "stored", "failed"] | None = Field(
        description="pending: in Twilio; stored: copied (GET /v1/calls/{id}/recording); failed: lost."
    )
    recording_seconds: int | None
    created_by: str | None
    created_at: datetime
    ended_at: datetime | None
    updated_at: datetime
    version: int


class CallCreate(BaseModel):
    """Call a person or a number: your own phone rings first; when you answer, they are dialled."""

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, json_schema_extra={"examples": [{"to": "+14155550199"}]}
    )

    to: Recipient
    from_: Phone | None = Field(default=None, alias="from")


class RecordingLink(BaseModel):
    url: str = Field(description="A presigned GET URL of the recording (MP3).")
    expires_in: int = Field(description="Seconds the URL stays valid.")


class ConversationItem(BaseModel):
    """An SMS or a call with a person, in a conversation."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: UUID = Field(
        description="The SMS's or the call's id (GET /v1/messages/sms/{id}, GET /v1/calls/{id})."
    )
    kind: Literal["sms", "call"]
    direction: Literal["outbound", "inbound"]
    status: str
    from_: str = Field(alias="from")
    to: str
    body: str | None = Field(description="The SMS's text (calls: null).")
    duration_seconds: int | None
    voicemail: bool
    created_at: datetime
