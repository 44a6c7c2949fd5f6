"""PATCH /v1/email/templates/{template_id}: change an email template."""

from uuid import UUID

from hearth import needs
from hearth.email import logic
from hearth.email.models import EmailTemplate, EmailTemplateUpdate
from hearth.http import Api, RequestContext

api = Api()


@api.patch(
    "/v1/email/templates/{template_id}",
    permission="email_templates:write",
    refuses=(409,),
    needs=[needs.EMAIL_TEMPLATES],
)
def update_email_template(ctx: RequestContext, template_id: UUID, body: EmailTemplateUpdate) -> EmailTemplate:
    """Change the fields sent (`null` clears a body; one body stays). Emails already sent keep
    what they were rendered with."""
    return logic.update_template(ctx, template_id, body)


handler = api.handler
