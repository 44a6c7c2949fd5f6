"""POST /v1/email/templates/{template_id}/preview: render a template without sending it."""

from uuid import UUID

from hearth import needs
from hearth.email import logic
from hearth.email.models import Rendered, TemplatePreview
from hearth.http import Api, RequestContext

api = Api()


@api.post(
    "/v1/email/templates/{template_id}/preview",
    permission="email_templates:read",
    idempotent=False,
    needs=[needs.EMAIL_TEMPLATES],
)
def preview_email_template(ctx: RequestContext, template_id: UUID, body: TemplatePreview) -> Rendered:
    """The subject and bodies as a send with these records and variables would store them
    (422 `template_render_failed` when it would be refused). Nothing is stored or sent."""
    return logic.preview_template(ctx, template_id, body)


handler = api.handler
