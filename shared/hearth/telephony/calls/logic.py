"""Call rules for the API: the org's calls, a call's recording, and click-to-call.

Click-to-call (:func:`place`): Twilio first rings the caller's own phone (the ``forward_to`` of the
member's own number), from that number (or ``from``, one of the org's numbers); when the member
answers, the voice webhook bridges to the person (``step=bridge``). The call is stored ``queued``
with Twilio's sid; Twilio's status callbacks move it on.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.http import RequestContext
from hearth.problems import Conflict, NotFound, Unprocessable, invalid
from hearth.settings import settings
from hearth.telephony import provider, store
from hearth.telephony.calls import recordings
from hearth.telephony.calls import store as calls_store
from hearth.telephony.logic import account_of, provider_problem, recipient
from hearth.telephony.models import Call, CallCreate, RecordingLink


def call_model(row: dict[str, Any]) -> Call:
    return Call.model_validate(row)


def get(ctx: RequestContext, call_id: UUID) -> Call:
    row = calls_store.get(ctx.db, call_id)
    if row is None:
        raise NotFound("call", call_id)
    ctx.set_etag(row["version"])
    return call_model(row)


def recording(ctx: RequestContext, call_id: UUID) -> RecordingLink:
    row = calls_store.get(ctx.db, call_id)
    if row is None:
        raise NotFound("call", call_id)
    if row["recording_status"] is None or row["recording_status"] == "failed":
        raise NotFound("recording", code="recording_not_found")
    if row["recording_status"] == "pending":
        raise Conflict("recording_pending", "The recording is still being copied; try again shortly.")
    ctx.audit("call.recording_read", "call", call_id)
    return RecordingLink(
        url=recordings.presigned(row["recording_key"]), expires_in=settings().recording_url_seconds
    )


def _base() -> str:
    return (settings().public_base_url or "").rstrip("/")


def place(ctx: RequestContext, body: CallCreate) -> Call:
    to, person_id = recipient(ctx, body.to)
    own = store.member_number(ctx.db, ctx.user_id)
    if own is None or not own["forward_to"]:
        raise Unprocessable(
            "no_member_phone",
            "You have no phone to ring first: set forward_to on your own number"
            " (PATCH /v1/phone-numbers/{id}).",
        )
    sender: dict[str, Any] | None = own
    if body.from_ is not None:
        sender = store.number_of(ctx.db, body.from_)
    if sender is None:
        raise invalid("from", "Not one of the org's phone numbers.", "not_an_org_number")
    account = account_of(ctx.db, ctx.org_id)
    row = calls_store.insert(
        ctx.db,
        direction="outbound",
        status="queued",
        from_number=sender["phone_number"],
        to_number=to,
        phone_number_id=sender["id"],
        person_id=person_id,
        member_user_id=ctx.user_id,
        provider_sid=None,
        created_by=f"{ctx.actor[0]}:{ctx.actor[1]}",
    )
    assert row is not None
    try:
        sid = provider.place_call(
            account,
            to=own["forward_to"],
            from_=sender["phone_number"],
            url=f"{_base()}/webhooks/twilio/voice?step=bridge&call_id={row['id']}",
            status_callback=f"{_base()}/webhooks/twilio/voice-status?call_id={row['id']}",
        )
    except provider.ProviderError as exc:
        raise provider_problem(exc) from None
    calls_store.set_sid(ctx.db, row["id"], sid)
    placed = calls_store.get(ctx.db, row["id"])
    assert placed is not None
    ctx.audit("call.place", "call", row["id"], changes={"to": to, "from": sender["phone_number"]})
    ctx.response_headers["Location"] = f"/v1/calls/{row['id']}"
    ctx.set_etag(placed["version"])
    return call_model(placed)
