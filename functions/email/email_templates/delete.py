"""DELETE /v1/email/templates/{template_id}: delete an email template."""

from uuid import UUID

from hearth.email import logic
from hearth.http import Api, RequestContext

api = Api()


@api.delete("/v1/email/templates/{template_id}", permission="email_templates:write", status_code=204)
def delete_email_template(ctx: RequestContext, template_id: UUID) -> None:
    """Delete the template; emails sent with it keep their rendered content."""
    logic.delete_template(ctx, template_id)


handler = api.handler
