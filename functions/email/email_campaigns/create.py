"""POST /v1/email/campaigns: send one template to many people (expanded in the background)."""

from hearth import needs
from hearth.email.campaigns import logic
from hearth.email.campaigns.models import EmailCampaign, EmailCampaignCreate
from hearth.http import Api, RequestContext

api = Api()


@api.post(
    "/v1/email/campaigns",
    permission="emails:send",
    status_code=202,
    refuses=(402,),
    needs=[needs.EVENTS, needs.SES_IDENTITIES, needs.EMAIL_TEMPLATES],
)
def create_campaign(ctx: RequestContext, body: EmailCampaignCreate) -> EmailCampaign:
    """Send the template `template_id` to the people `person_ids` names and/or every person
    tagged `tag`, each once at their email (`marketing` unless `category` says otherwise: each
    email carries its recipient's one-click unsubscribe link). The answer is the campaign,
    `queued`; the campaign worker makes one email per person (suppressed addresses and people
    with no email are skipped and counted) and each is sent as `POST /v1/emails` sends one.
    The template must render for the audience's first person (422 `template_render_failed`),
    the sender must be verified (422 `domain_not_verified`), and the month's allowance must
    hold the whole audience (402 `quota_exceeded`). Send an Idempotency-Key to make retries
    safe. Needs `people:read` too."""
    return logic.create(ctx, body)


handler = api.handler
