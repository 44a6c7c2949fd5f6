"""GET /v1/email/inbound-messages/{email_id}/attachments/{index}: a short-lived link to an attachment."""

from uuid import UUID

from hearth import needs
from hearth.email.inbound import logic
from hearth.email.inbound.models import AttachmentLink
from hearth.http import Api, RequestContext

api = Api()


@api.get(
    "/v1/email/inbound-messages/{email_id}/attachments/{index}",
    permission="inbound_emails:read",
    needs=[needs.INBOUND_EMAIL_READ],
)
def get_inbound_email_attachment(ctx: RequestContext, email_id: UUID, index: int) -> AttachmentLink:
    """A presigned URL of the attachment's bytes, valid a few minutes; 404
    `attachment_not_found` when the message has no attachment at this index."""
    return logic.attachment(ctx, email_id, index)


handler = api.handler
