"""GET /v1/email/campaigns/{campaign_id}: a campaign and what became of its emails."""

from uuid import UUID

from hearth.email.campaigns import logic
from hearth.email.campaigns.models import EmailCampaign
from hearth.http import Api, RequestContext

api = Api()


@api.get("/v1/email/campaigns/{campaign_id}", permission="emails:read")
def get_campaign(ctx: RequestContext, campaign_id: UUID) -> EmailCampaign:
    """The campaign, with its counts: people reached, suppressed and with no email, and its
    emails by status (queued, sending, sent, delivered, bounced, complained, failed)."""
    return logic.get(ctx, campaign_id)


handler = api.handler
