"""Twilio's voice webhooks, each in its org's transaction (verified and deduplicated by the kit).

``/webhooks/twilio/voice`` (:func:`answer_call`) answers with TwiML:

- a call to one of the org's numbers (``Direction`` inbound): the call is stored ``ringing`` once
  per CallSid, and the member's phone is rung — the number's own member (``forward_to``), else the
  member of the org's default number — for 20 seconds; then (``step=dialed``) a call nobody took
  goes to voicemail: a greeting and ``<Record>``, whose recording Twilio reports to
  ``/webhooks/twilio/recording``.
- a click-to-call (``step=bridge``): the member answered; the person is dialled, with the org's
  number as caller id.

``/webhooks/twilio/voice-status`` (:func:`call_status`) moves a call forward only, with its
duration; a call that ends adds a ``call`` interaction to the person's timeline and emits
``call.completed``. ``/webhooks/twilio/recording`` (:func:`recording`) notes the recording Twilio
holds and emits ``call.recording_available`` (the recording copier's queue is fed from it) and, for
a voicemail, ``voicemail.received``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl
from uuid import UUID
from xml.sax.saxutils import quoteattr

from hearth.events.types import CALL_COMPLETED, CALL_RECORDING_AVAILABLE, VOICEMAIL_RECEIVED
from hearth.hooks import HookContext, HookReply
from hearth.observability import logger
from hearth.settings import settings
from hearth.telephony import store
from hearth.telephony.calls import store as calls_store
from hearth.telephony.numbers import E164

TWIML_TYPE = "text/xml; charset=utf-8"
RING_SECONDS = 20
VOICEMAIL_SECONDS = 120
GREETING = "Nobody can take your call right now. Please leave a message after the tone."
FINAL = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
STATUSES = frozenset({"queued", "ringing", "in-progress", *FINAL})


def org_number(payload: dict[str, Any]) -> str | None:
    """The org's number a voice webhook is about: the number called (inbound), or the number
    calling (a call Hearth placed)."""
    return payload.get("To") if payload.get("Direction", "inbound") == "inbound" else payload.get("From")


def twiml(body: str) -> HookReply:
    return HookReply(200, f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>', TWIML_TYPE)


def _url(path: str, **query: str) -> str:
    base = (settings().public_base_url or "").rstrip("/")
    return f"{base}{path}?" + "&".join(f"{k}={v}" for k, v in query.items())


def _query(ctx: HookContext) -> dict[str, str]:
    return dict(parse_qsl(ctx.request.raw_query))


def _call_id(ctx: HookContext) -> UUID | None:
    try:
        return UUID(_query(ctx)["call_id"])
    except (KeyError, ValueError):
        return None


def voicemail(call_id: UUID) -> HookReply:
    record = (
        f'<Record maxLength={quoteattr(str(VOICEMAIL_SECONDS))} playBeep="true"'
        f" action={quoteattr(_url('/webhooks/twilio/voice', step='recorded', call_id=str(call_id)))}"
        f" recordingStatusCallback={quoteattr(_url('/webhooks/twilio/recording', call_id=str(call_id)))}"
        ' recordingStatusCallbackMethod="POST" recordingStatusCallbackEvent="completed"/>'
    )
    return twiml(f"<Say>{GREETING}</Say>{record}<Hangup/>")


def answer_call(ctx: HookContext) -> HookReply:
    step = _query(ctx).get("step", "")
    if step == "dialed":
        return _after_dial(ctx)
    if step == "bridge":
        return _bridge(ctx)
    if step == "recorded":
        return twiml("<Hangup/>")
    return _incoming(ctx)


def _incoming(ctx: HookContext) -> HookReply:
    payload = ctx.payload
    caller, reached, sid = (
        str(payload.get("From", "")),
        str(payload.get("To", "")),
        str(payload.get("CallSid", "")),
    )
    number = store.number_of(ctx.db, reached)
    if number is None or not sid:
        return twiml("<Reject/>")
    found = store.person_by_phone(ctx.db, caller) if E164.match(caller) else None
    ring = number if number["forward_to"] else store.sending_number(ctx.db, None)
    row = calls_store.insert(
        ctx.db,
        direction="inbound",
        status="ringing",
        from_number=caller if E164.match(caller) else reached,
        to_number=reached,
        phone_number_id=number["id"],
        person_id=found["id"] if found else None,
        member_user_id=ring["member_user_id"] if ring and ring["forward_to"] else None,
        provider_sid=sid,
        created_by=None,
    ) or calls_store.by_sid(ctx.db, sid)
    assert row is not None
    if ring is None or not ring["forward_to"]:
        calls_store.mark_voicemail(ctx.db, row["id"])
        return voicemail(row["id"])
    dial = (
        f"<Dial timeout={quoteattr(str(RING_SECONDS))}"
        f" action={quoteattr(_url('/webhooks/twilio/voice', step='dialed', call_id=str(row['id'])))}>"
        f"<Number>{ring['forward_to']}</Number></Dial>"
    )
    return twiml(dial)


def _after_dial(ctx: HookContext) -> HookReply:
    call_id = _call_id(ctx)
    row = calls_store.get(ctx.db, call_id) if call_id else None
    if row is None or row["provider_sid"] != ctx.payload.get("CallSid"):
        return twiml("<Hangup/>")
    if ctx.payload.get("DialCallStatus") in ("completed", "answered"):
        return twiml("<Hangup/>")
    calls_store.mark_voicemail(ctx.db, row["id"])
    return voicemail(row["id"])


def _bridge(ctx: HookContext) -> HookReply:
    call_id = _call_id(ctx)
    row = calls_store.get(ctx.db, call_id) if call_id else None
    if (
        row is None
        or row["direction"] != "outbound"
        or row["provider_sid"] not in (None, ctx.payload.get("CallSid"))
    ):
        return twiml("<Hangup/>")
    return twiml(f"<Dial callerId={quoteattr(row['from'])}><Number>{row['to']}</Number></Dial>")


def _call_of(ctx: HookContext) -> dict[str, Any] | None:
    sid = str(ctx.payload.get("CallSid", ""))
    call_id = _call_id(ctx)
    if call_id is not None:
        row = calls_store.get(ctx.db, call_id)
        if row is None or row["provider_sid"] not in (None, sid):
            return None
        if row["provider_sid"] is None and sid:
            calls_store.set_sid(ctx.db, row["id"], sid)
        return row
    return calls_store.by_sid(ctx.db, sid) if sid else None


def call_status(ctx: HookContext) -> HookReply:
    status = str(ctx.payload.get("CallStatus", ""))
    row = _call_of(ctx)
    if row is None or status not in STATUSES:
        return HookReply()
    try:
        duration = int(ctx.payload.get("CallDuration") or 0) if status in FINAL else None
    except ValueError:
        duration = None
    moved = calls_store.advance(ctx.db, row["id"], status, duration)
    if moved is None or status not in FINAL:
        return HookReply()
    if moved["person_id"] is not None:
        store.insert_interaction(
            ctx.db,
            type="call",
            direction=moved["direction"],
            person_id=moved["person_id"],
            summary=f"Call {status}, {moved['duration_seconds'] or 0} s"
            + (" (voicemail)" if moved["voicemail"] else ""),
            external_ref=f"twilio:{moved['provider_sid']}",
        )
    ctx.emit(
        CALL_COMPLETED,
        "call",
        moved["id"],
        {
            "id": str(moved["id"]),
            "direction": moved["direction"],
            "status": status,
            "duration_seconds": moved["duration_seconds"],
            "person_id": str(moved["person_id"]) if moved["person_id"] else None,
            "voicemail": moved["voicemail"],
        },
    )
    return HookReply()


def recording(ctx: HookContext) -> HookReply:
    payload = ctx.payload
    sid = str(payload.get("RecordingSid", ""))
    if payload.get("RecordingStatus", "completed") != "completed" or not sid.startswith("RE"):
        return HookReply()
    row = _call_of(ctx)
    if row is None:
        logger.info("recording of an unknown call", extra={"delivery": ctx.delivery.delivery_id})
        return HookReply()
    try:
        seconds = int(payload.get("RecordingDuration") or 0)
    except ValueError:
        seconds = None
    if not calls_store.recording_available(ctx.db, row["id"], sid, seconds):
        return HookReply()
    data = {
        "id": str(row["id"]),
        "person_id": str(row["person_id"]) if row["person_id"] else None,
        "seconds": seconds,
    }
    ctx.emit(CALL_RECORDING_AVAILABLE, "call", row["id"], data)
    if row["voicemail"]:
        ctx.emit(VOICEMAIL_RECEIVED, "call", row["id"], {**data, "from": row["from"]})
    return HookReply()
