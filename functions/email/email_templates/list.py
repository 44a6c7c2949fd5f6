"""GET /v1/email/templates: the org's email templates."""

from hearth.email import logic
from hearth.email.models import EmailTemplateList
from hearth.http import Api, RequestContext

api = Api()


@api.get("/v1/email/templates", permission="email_templates:read")
def list_email_templates(ctx: RequestContext) -> EmailTemplateList:
    """The org's email templates, oldest first."""
    return logic.list_templates(ctx)


handler = api.handler
