"""GET /v1/email/templates/{template_id}: one email template."""

from uuid import UUID

from hearth.email import logic
from hearth.email.models import EmailTemplate
from hearth.http import Api, RequestContext

api = Api()


@api.get("/v1/email/templates/{template_id}", permission="email_templates:read")
def get_email_template(ctx: RequestContext, template_id: UUID) -> EmailTemplate:
    """An email template."""
    return logic.get_template(ctx, template_id)


handler = api.handler
