"""POST /v1/email/templates: create an email template."""

from hearth import needs
from hearth.email import logic
from hearth.email.models import EmailTemplate, EmailTemplateCreate
from hearth.http import Api, RequestContext

api = Api()


@api.post(
    "/v1/email/templates",
    permission="email_templates:write",
    status_code=201,
    refuses=(409,),
    needs=[needs.EMAIL_TEMPLATES],
)
def create_email_template(ctx: RequestContext, body: EmailTemplateCreate) -> EmailTemplate:
    """A Jinja2 template (sandboxed; HTML autoescaped) of a subject and a text and/or HTML body,
    with `person`, `company`, `deal` and the variables a send gives. A template that does not
    parse is refused (422 `template_render_failed`); names are unique in the org (409)."""
    return logic.create_template(ctx, body)


handler = api.handler
