"""DELETE /v1/email/domains/{domain_id}: stop sending from a domain (its SES identity is deleted)."""

from uuid import UUID

from hearth import needs
from hearth.email import logic
from hearth.http import Api, RequestContext

api = Api()


@api.delete(
    "/v1/email/domains/{domain_id}",
    permission="email_domains:write",
    status_code=204,
    refuses=(503,),
    needs=[needs.SES_IDENTITIES],
)
def delete_email_domain(ctx: RequestContext, domain_id: UUID) -> None:
    """Remove the domain and its SES identity: email from it is refused from now on (422
    `domain_not_verified`). Emails already sent are kept."""
    logic.delete_domain(ctx, domain_id)


handler = api.handler
