"""Telephony rules for the API: the org's phone numbers and settings, and accepting an SMS.

- A number is attached only when Twilio lists it in the org's own account (the org's Twilio
  integration), or bought from what Twilio offers; either way its SMS and voice webhooks are
  pointed at this deployment. A number belongs to one org (409 ``phone_number_taken``).
- Releasing a number Hearth bought releases it in Twilio; an attached number is only detached.
- One default number per org, one number per member (the number the member sends from, and is
  rung on at ``forward_to``).
- An SMS is accepted (:func:`send`) ``queued`` and sent by the SMS sender through the send queue;
  a recipient that opted out is refused (422 ``recipient_opted_out``) before anything is stored
  or sent.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.billing import usage
from hearth.events.types import SMS_QUEUED
from hearth.http import Page, RequestContext
from hearth.integrations.credentials import credentials
from hearth.problems import NotFound, Problem, Unprocessable, invalid
from hearth.settings import settings
from hearth.telephony import provider, store
from hearth.telephony.models import (
    AvailableNumber,
    AvailableNumberList,
    Capabilities,
    ConversationItem,
    PhoneNumber,
    PhoneNumberAttach,
    PhoneNumberBuy,
    PhoneNumberList,
    PhoneNumberUpdate,
    SmsMessage,
    SmsSend,
    TelephonySettings,
    TelephonySettingsUpdate,
)
from hearth.telephony.numbers import e164

#: What an org without a settings row gets.
DEFAULT_SETTINGS: dict[str, Any] = {
    "create_people": True,
    "auto_reply": None,
    "help_text": None,
    "version": 0,
}


def account_of(ctx_db: Any, org_id: UUID) -> provider.Account:
    """The org's Twilio account (422 ``twilio_not_connected`` without an integration)."""
    found = credentials(ctx_db, org_id, "twilio")
    if not found or not found.get("account_sid") or not found.get("auth_token"):
        raise Unprocessable(
            "twilio_not_connected",
            "Connect Twilio first (PUT /v1/integrations/twilio with the account's credentials).",
        )
    return provider.Account(found["account_sid"], found["auth_token"])


def webhooks() -> provider.Webhooks:
    base = (settings().public_base_url or "").rstrip("/")
    return provider.Webhooks(
        sms_url=f"{base}/webhooks/twilio/sms",
        voice_url=f"{base}/webhooks/twilio/voice",
        voice_status_url=f"{base}/webhooks/twilio/voice-status",
    )


def provider_problem(exc: provider.ProviderError) -> Problem:
    if exc.status == 401 or exc.code == "20003":
        return Unprocessable(
            "credentials_rejected", "Twilio refused the org's credentials; update the integration."
        )
    if exc.temporary:
        return Problem(
            "provider_unavailable",
            f"Twilio did not answer ({exc.code}); nothing was changed, try again.",
            status=503,
            headers={"Retry-After": "5"},
        )
    return Unprocessable("provider_refused", f"Twilio refused the request ({exc.code}: {exc.message}).")


def _number(row: dict[str, Any]) -> PhoneNumber:
    return PhoneNumber.model_validate(
        {**row, "capabilities": Capabilities.model_validate(row["capabilities"] or {})}
    )


def _creator(ctx: RequestContext) -> str:
    kind, actor_id = ctx.actor
    return f"{kind}:{actor_id}"


# -- phone numbers -----------------------------------------------------------------------------


def list_numbers(ctx: RequestContext) -> PhoneNumberList:
    return PhoneNumberList(data=[_number(r) for r in store.list_numbers(ctx.db)])


def get_number(ctx: RequestContext, number_id: UUID, *, lock: bool = False) -> dict[str, Any]:
    row = store.get_number(ctx.db, number_id, lock=lock)
    if row is None:
        raise NotFound("phone_number", number_id)
    return row


def attach(ctx: RequestContext, body: PhoneNumberAttach) -> PhoneNumber:
    account = account_of(ctx.db, ctx.org_id)
    try:
        owned = provider.find_number(account, body.phone_number)
        if owned is None:
            raise invalid(
                "phone_number", "The org's Twilio account does not hold this number.", "number_not_in_account"
            )
        row = store.insert_number(
            ctx.db,
            e164=owned.e164,
            provider_sid=owned.sid,
            purchased=False,
            friendly_name=owned.friendly_name,
            capabilities=owned.capabilities,
            created_by=_creator(ctx),
        )
        provider.configure_number(account, owned.sid, webhooks())
    except provider.ProviderError as exc:
        raise provider_problem(exc) from None
    return _created(ctx, row, "phone_number.attach")


def _created(ctx: RequestContext, row: dict[str, Any], action: str) -> PhoneNumber:
    if store.sending_number(ctx.db, None) is None:  # the org's first number is its default
        row = store.update_number(ctx.db, row["id"], {"is_default": True})
    number = _number(row)
    ctx.audit(action, "phone_number", number.id, changes={"phone_number": number.phone_number})
    ctx.response_headers["Location"] = f"/v1/phone-numbers/{number.id}"
    ctx.set_etag(number.version)
    return number


def available(
    ctx: RequestContext, country: str, area_code: int | None, contains: str | None
) -> AvailableNumberList:
    account = account_of(ctx.db, ctx.org_id)
    try:
        found = provider.search_available(account, country, area_code=area_code, contains=contains)
    except provider.ProviderError as exc:
        raise provider_problem(exc) from None
    return AvailableNumberList(
        data=[
            AvailableNumber(
                phone_number=n.e164,
                friendly_name=n.friendly_name,
                locality=n.locality,
                region=n.region,
                country=n.country,
                capabilities=Capabilities.model_validate(n.capabilities),
            )
            for n in found
        ]
    )


def buy(ctx: RequestContext, body: PhoneNumberBuy) -> PhoneNumber:
    account = account_of(ctx.db, ctx.org_id)
    if store.number_of(ctx.db, body.phone_number) is not None:
        raise invalid("phone_number", "The org has this number already.", "number_attached")
    try:
        owned = provider.buy_number(account, body.phone_number, webhooks())
    except provider.ProviderError as exc:
        raise provider_problem(exc) from None
    try:
        row = store.insert_number(
            ctx.db,
            e164=owned.e164,
            provider_sid=owned.sid,
            purchased=True,
            friendly_name=owned.friendly_name,
            capabilities=owned.capabilities,
            created_by=_creator(ctx),
        )
    except Problem:
        provider.release_number(account, owned.sid)  # bought but not ours to keep: give it back
        raise
    return _created(ctx, row, "phone_number.buy")


def update_number(ctx: RequestContext, number_id: UUID, body: PhoneNumberUpdate) -> PhoneNumber:
    row = get_number(ctx, number_id, lock=True)
    ctx.check_if_match(row["version"])
    values = body.model_dump(exclude_unset=True)
    if values.get("is_default") is False and row["is_default"]:
        raise invalid("is_default", "Make another number the default instead.", "default_required")
    if values.get("member_user_id") is not None and not store_member_exists(ctx, values["member_user_id"]):
        raise invalid("member_user_id", "No member with this id in this org.", "reference_not_found")
    if "member_user_id" in values and values["member_user_id"] is None:
        values["forward_to"] = None
    if values.get("forward_to") and not (values.get("member_user_id") or row["member_user_id"]):
        raise invalid(
            "forward_to", "Only a member's number rings a phone; set member_user_id.", "member_required"
        )
    if not values:
        return _number(row)
    updated = store.update_number(ctx.db, number_id, values)
    ctx.audit(
        "phone_number.update", "phone_number", number_id, changes={k: str(v) for k, v in values.items()}
    )
    ctx.set_etag(updated["version"])
    return _number(updated)


def store_member_exists(ctx: RequestContext, user_id: UUID) -> bool:
    from hearth.members import store as members_store

    return members_store.get(ctx.db, user_id) is not None


def release(ctx: RequestContext, number_id: UUID) -> None:
    row = get_number(ctx, number_id, lock=True)
    ctx.check_if_match(row["version"])
    store.delete_number(ctx.db, number_id)
    if row["purchased"]:
        account = account_of(ctx.db, ctx.org_id)
        try:
            provider.release_number(account, row["provider_sid"])
        except provider.ProviderError as exc:
            raise provider_problem(exc) from None
    ctx.audit(
        "phone_number.release",
        "phone_number",
        number_id,
        changes={"phone_number": row["phone_number"], "released_in_twilio": row["purchased"]},
    )


# -- settings ------------------------------------------------------------------------------------


def get_settings(ctx: RequestContext) -> TelephonySettings:
    found = store.get_settings(ctx.db) or DEFAULT_SETTINGS
    ctx.set_etag(found["version"])
    return TelephonySettings.model_validate(found)


def update_settings(ctx: RequestContext, body: TelephonySettingsUpdate) -> TelephonySettings:
    current = store.get_settings(ctx.db) or DEFAULT_SETTINGS
    ctx.check_if_match(current["version"])
    changes = body.model_dump(exclude_unset=True)
    values = {k: current[k] for k in ("create_people", "auto_reply", "help_text")} | changes
    row = store.put_settings(ctx.db, values, _creator(ctx))
    ctx.audit("telephony_settings.update", "telephony_settings", None, changes={"fields": sorted(changes)})
    ctx.set_etag(row["version"])
    return TelephonySettings.model_validate(row)


# -- sending -------------------------------------------------------------------------------------


def recipient(ctx: RequestContext, to: str) -> tuple[str, UUID | None]:
    """The number and person ``to`` names (a person's id: their first phone)."""
    try:
        person_id = UUID(to)
    except ValueError:
        person_id = None
    if person_id is not None:
        ctx.require("people:read")
        person = store.person(ctx.db, person_id)
        if person is None:
            raise invalid("to", "No person with this id in this org.", "reference_not_found")
        if not person["phones"]:
            raise invalid("to", "The person has no phone number.", "no_phone_number")
        return person["phones"][0], person_id
    try:
        number = e164(to)
    except ValueError as exc:
        raise invalid("to", f"A person id or an E.164 phone number ({exc}).", "invalid_recipient") from None
    found = store.person_by_phone(ctx.db, number)
    return number, found["id"] if found else None


def send(ctx: RequestContext, body: SmsSend) -> SmsMessage:
    """Accept an SMS for sending: validated, checked against opt-outs and the plan's monthly SMS
    allowance (402 ``quota_exceeded``), stored ``queued`` with ``sms.queued`` (the send queue is
    fed from it) and counted in the usage ledger (reported to Stripe's SMS meter). The one place
    every outbound SMS passes. A message is counted when it is accepted, so two sends at the last
    unit of the allowance take turns (``usage.check`` locks the month's total)."""
    to, person_id = recipient(ctx, body.to)
    if body.from_ is not None:
        sender = store.number_of(ctx.db, body.from_)
        if sender is None:
            raise invalid("from", "Not one of the org's phone numbers.", "not_an_org_number")
    else:
        sender = store.sending_number(ctx.db, ctx.user_id)
        if sender is None:
            raise Unprocessable(
                "no_sender_number", "The org has no phone number to send from (POST /v1/phone-numbers)."
            )
    if not (sender["capabilities"] or {}).get("sms", True):
        raise invalid("from", "This number cannot send SMS.", "number_cannot_send")
    if to == sender["phone_number"]:
        raise invalid("to", "A number does not text itself.", "invalid_recipient")
    if store.opted_out(ctx.db, to):
        raise Unprocessable("recipient_opted_out", "The recipient opted out of this org's messages (STOP).")
    account_of(ctx.db, ctx.org_id)  # Twilio must be connected to send at all
    usage.check(ctx.db, "sms")
    row = store.insert_outbound(
        ctx.db,
        from_number=sender["phone_number"],
        to_number=to,
        phone_number_id=sender["id"],
        person_id=person_id,
        body=body.body,
        media_urls=list(body.media_urls),
        sent_by=_creator(ctx),
    )
    message = SmsMessage.of(row)
    usage.record(ctx.db, ctx.org_id, "sms", f"sms_message:{message.id}")
    summary = {"to": to, "from": message.from_, "person_id": str(person_id) if person_id else None}
    ctx.audit("sms.send", "sms_message", message.id, changes=summary)
    ctx.emit(
        SMS_QUEUED, "sms_message", message.id, {"object": message.model_dump(mode="json", exclude={"body"})}
    )
    ctx.response_headers["Location"] = f"/v1/messages/sms/{message.id}"
    ctx.set_etag(message.version)
    return message


def get_message(ctx: RequestContext, message_id: UUID) -> SmsMessage:
    row = store.get_message(ctx.db, message_id)
    if row is None:
        raise NotFound("sms_message", message_id)
    ctx.set_etag(row["version"])
    return SmsMessage.of(row)


def conversation(
    ctx: RequestContext, person_id: UUID, *, limit: int, cursor: str | None, sort: str | None = None
) -> Page[ConversationItem]:
    """The person's SMS and calls, oldest first (the list syntax: ``filter[kind]``, ``sort``...)."""
    ctx.require("calls:read")
    if store.person(ctx.db, person_id) is None:
        raise NotFound("person", person_id)
    return store.CONVERSATION_LISTING.fetch(
        ctx,
        ConversationItem,
        limit=limit,
        cursor=cursor,
        sort=sort,
        where=[("r.person_id = %s", [person_id])],
    )
