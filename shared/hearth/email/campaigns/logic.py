"""Campaign rules for the API: accept a campaign (``POST /v1/email/campaigns``) and show it.

Accepting one is short whatever the audience: the sender must be verified, the template must
render for the first person of the audience (422 ``template_render_failed``), and the plan's
monthly allowance must hold the whole audience (402 ``quota_exceeded``); then one row and one
event (``email_campaign.queued``, which feeds the campaign worker's queue,
:mod:`hearth.email.campaigns.worker`). No email is made here.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.billing import usage
from hearth.email import logic as email_logic
from hearth.email import store as email_store
from hearth.email.campaigns import store
from hearth.email.campaigns.models import CampaignCounts, EmailCampaign, EmailCampaignCreate
from hearth.email.models import EMAIL_STATUSES, LinkedRecords
from hearth.events.types import EMAIL_CAMPAIGN_QUEUED
from hearth.http import RequestContext
from hearth.problems import NotFound, Unprocessable, invalid


def person_variables(row: dict[str, Any]) -> dict[str, Any]:
    """A person as a template sees it (ids as strings)."""
    return {k: (str(v) if isinstance(v, UUID) else v) for k, v in row.items()}


def create(ctx: RequestContext, body: EmailCampaignCreate) -> EmailCampaign:
    ctx.require("people:read")
    settings_row = email_store.get_settings(ctx.db) or email_logic.DEFAULT_SETTINGS
    from_address = body.from_ or settings_row["from_address"]
    if from_address is None:
        raise Unprocessable(
            "no_sender_address", "Give `from`, or set the org's default sender (PUT /v1/email/settings)."
        )
    email_logic.verified_domain(ctx, from_address, "from")
    template = email_store.get_template(ctx.db, body.template_id)
    if template is None:
        raise invalid("template_id", "No template with this id in this org.", "reference_not_found")
    person_ids = list(dict.fromkeys(body.person_ids))
    planned = store.audience_size(ctx.db, person_ids, body.tag)
    if planned == 0:
        raise invalid("person_ids", "The audience names no person of the org.", "empty_audience")
    first = store.next_people(ctx.db, person_ids, body.tag, None, 1)
    email_logic.render_template(
        ctx, template, LinkedRecords(), {**body.variables, "person": person_variables(first[0])}
    )
    usage.check(ctx.db, "email", planned)
    row = store.insert(
        ctx.db,
        {
            "name": body.name,
            "category": body.category,
            "template_id": body.template_id,
            "from_address": from_address.lower(),
            "reply_to": body.reply_to or settings_row["reply_to"],
            "variables": body.variables,
            "person_ids": person_ids,
            "tag": body.tag,
            "planned": planned,
            "created_by": ":".join(str(part) for part in ctx.actor),
        },
    )
    campaign = _campaign(row, {})
    ctx.audit(
        "email_campaign.create",
        "email_campaign",
        campaign.id,
        changes={"name": campaign.name, "planned": planned, "category": campaign.category},
    )
    ctx.emit(EMAIL_CAMPAIGN_QUEUED, "email_campaign", campaign.id, {"planned": planned})
    ctx.response_headers["Location"] = f"/v1/email/campaigns/{campaign.id}"
    ctx.set_etag(campaign.version)
    return campaign


def get(ctx: RequestContext, campaign_id: UUID) -> EmailCampaign:
    row = store.get(ctx.db, campaign_id)
    if row is None:
        raise NotFound("email_campaign", campaign_id)
    campaign = _campaign(row, store.email_counts(ctx.db, campaign_id))
    ctx.set_etag(campaign.version)
    return campaign


def _campaign(row: dict[str, Any], by_status: dict[str, int]) -> EmailCampaign:
    counts = CampaignCounts(
        recipients=row["recipients"],
        suppressed=row["suppressed"],
        no_address=row["no_address"],
        **{status: by_status.get(status, 0) for status in EMAIL_STATUSES},
    )
    return EmailCampaign.model_validate({**row, "from": row["from_address"], "counts": counts})
