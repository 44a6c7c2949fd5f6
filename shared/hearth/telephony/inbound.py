"""Twilio's webhooks for SMS, each handled in its org's transaction by the webhook kit (the
signature verified, the delivery deduplicated, before anything here runs).

Inbound SMS (:func:`receive_sms`): the number it reached (``To``) is the org's; the person is
found by the sender's number (or created, ``properties.source`` sms, when the org's settings say
so); the message is stored ``received`` once per ``MessageSid`` with an ``sms`` interaction on the
person's timeline and ``sms.received``; the answer is TwiML: empty, the org's auto-reply, or the
help text for HELP.

Opt-out keywords (a message that is only the keyword, any case): STOP, STOPALL, UNSUBSCRIBE,
CANCEL, END, QUIT opt the number out of the org's messages (a number with no person too); START,
YES, UNSTOP opt it back in; HELP is answered with the org's help text. Twilio sends its own
confirmation of STOP and START, so Hearth answers those with empty TwiML.

Status callbacks (:func:`message_status`): the message named by ``message_id`` (the sender puts
it in the callback URL) or by ``MessageSid`` moves forward only: a callback older than what is
stored changes nothing. ``delivered`` emits ``sms.delivered``; ``undelivered`` and ``failed``
emit ``sms.failed`` with Twilio's error code (21610: the recipient is opted out as well).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl
from uuid import UUID
from xml.sax.saxutils import escape

from hearth.events.types import SMS_DELIVERED, SMS_FAILED, SMS_OPTED_IN, SMS_OPTED_OUT, SMS_RECEIVED
from hearth.hooks import HookContext, HookReply
from hearth.observability import logger
from hearth.telephony import store
from hearth.telephony.models import SmsMessage
from hearth.telephony.numbers import E164

OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN = frozenset({"START", "YES", "UNSTOP"})
HELP = frozenset({"HELP", "INFO"})
#: Twilio's message statuses as Hearth keeps them (others, e.g. ``receiving``, change nothing).
STATUSES = {
    "accepted": "sending",
    "scheduled": "sending",
    "queued": "sending",
    "sending": "sending",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
}
TWIML_TYPE = "text/xml; charset=utf-8"
EMPTY = HookReply(200, '<?xml version="1.0" encoding="UTF-8"?><Response></Response>', TWIML_TYPE)


def twiml_message(text: str) -> HookReply:
    return HookReply(
        200,
        f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{escape(text)}</Message></Response>',
        TWIML_TYPE,
    )


def keyword(body: str) -> str | None:
    """The compliance keyword a message is, if it is one."""
    word = body.strip().strip(".!").upper()
    return word if word in OPT_OUT | OPT_IN | HELP else None


def _media(payload: dict[str, Any]) -> list[str]:
    try:
        count = min(10, int(payload.get("NumMedia") or 0))
    except ValueError:
        count = 0
    return [str(payload[f"MediaUrl{i}"]) for i in range(count) if payload.get(f"MediaUrl{i}")]


def receive_sms(ctx: HookContext) -> HookReply:
    payload = ctx.payload
    sender, reached, sid = (
        str(payload.get("From", "")),
        str(payload.get("To", "")),
        str(payload.get("MessageSid", "")),
    )
    body = str(payload.get("Body", ""))[:1600]
    number = store.number_of(ctx.db, reached)
    if number is None or not E164.match(sender) or not sid:
        logger.info(
            "inbound SMS not stored",
            extra={"reason": "unknown number or sender", "delivery": ctx.delivery.delivery_id},
        )
        return EMPTY
    word = keyword(body)
    settings = store.get_settings(ctx.db) or {"create_people": True, "auto_reply": None, "help_text": None}
    found = store.person_by_phone(ctx.db, sender)
    person_id: UUID | None = found["id"] if found else None
    if person_id is None and word is None and settings["create_people"]:
        person_id = store.insert_person(ctx.db, sender)
        ctx.audit("person.create", "person", person_id, changes={"source": "sms", "phones": [sender]})
    row = store.insert_inbound(
        ctx.db,
        from_number=sender,
        to_number=reached,
        phone_number_id=number["id"],
        person_id=person_id,
        body=body,
        media_urls=_media(payload),
        provider_sid=sid,
    )
    if row is None:  # the same message under another delivery id (stored already)
        return EMPTY
    message = SmsMessage.of(row)
    if person_id is not None:
        store.insert_interaction(
            ctx.db,
            type="sms",
            direction="inbound",
            person_id=person_id,
            summary=body,
            external_ref=f"twilio:{sid}",
        )
    ctx.audit("sms.receive", "sms_message", message.id, changes={"from": sender, "to": reached})
    ctx.emit(SMS_RECEIVED, "sms_message", message.id, {"object": message.model_dump(mode="json")})
    if word in OPT_OUT or word in OPT_IN:
        out = word in OPT_OUT
        if store.set_opt_out(ctx.db, sender, out, word):
            ctx.audit(
                "sms.opt_out" if out else "sms.opt_in",
                "sms_opt_out",
                None,
                changes={"phone": sender, "keyword": word},
            )
            ctx.emit(
                SMS_OPTED_OUT if out else SMS_OPTED_IN,
                "sms_opt_out",
                None,
                {"phone": sender, "keyword": word, "person_id": str(person_id) if person_id else None},
            )
        return EMPTY
    if word in HELP:
        return twiml_message(settings["help_text"] or _default_help(ctx))
    return twiml_message(settings["auto_reply"]) if settings["auto_reply"] else EMPTY


def _default_help(ctx: HookContext) -> str:
    name = store.org_name(ctx.db) or "this sender"
    return f"Messages from {name}. Reply STOP to unsubscribe, START to subscribe again."


def message_status(ctx: HookContext) -> HookReply:
    payload = ctx.payload
    status = STATUSES.get(str(payload.get("MessageStatus") or payload.get("SmsStatus") or ""))
    sid = str(payload.get("MessageSid") or payload.get("SmsSid") or "")
    if status is None or not sid:
        return HookReply()
    row = _message(ctx, sid)
    if row is None:
        logger.info("status of an unknown message", extra={"delivery": ctx.delivery.delivery_id})
        return HookReply()
    code = str(payload.get("ErrorCode") or "")[:20] or None
    final_error = status in ("failed", "undelivered")
    moved = store.advance(
        ctx.db,
        row["id"],
        status,
        provider_sid=sid,
        error_code=(code or status) if final_error else None,
        error_message=f"Twilio reported the message {status}." if final_error else None,
    )
    if moved is None:
        return HookReply()  # late, repeated, or for another message: nothing moves backward
    data = {"id": str(row["id"]), "to": moved["to_number"], "status": status, "provider_sid": sid}
    if status == "delivered":
        ctx.emit(SMS_DELIVERED, "sms_message", row["id"], data)
    elif final_error:
        ctx.emit(SMS_FAILED, "sms_message", row["id"], {**data, "error": {"code": code or status}})
        if code == "21610" and store.set_opt_out(ctx.db, moved["to_number"], True, "twilio_21610"):
            ctx.emit(
                SMS_OPTED_OUT,
                "sms_opt_out",
                None,
                {"phone": moved["to_number"], "keyword": None, "reason": "provider_unsubscribed"},
            )
    return HookReply()


def _message(ctx: HookContext, sid: str) -> dict[str, Any] | None:
    named = dict(parse_qsl(ctx.request.raw_query)).get("message_id")
    if named:
        try:
            row = store.get_message(ctx.db, UUID(named))
        except ValueError:
            row = None
        if row is not None and row["provider_sid"] in (None, sid):
            return row
        return None
    return store.message_by_sid(ctx.db, sid)
