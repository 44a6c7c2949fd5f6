"""GET /v1/email/domains/{domain_id}: a sending domain, its status refreshed from SES."""

from uuid import UUID

from hearth import needs
from hearth.email import logic
from hearth.email.models import EmailDomain
from hearth.http import Api, RequestContext

api = Api()


@api.get("/v1/email/domains/{domain_id}", permission="email_domains:read", needs=[needs.SES_IDENTITIES])
def get_email_domain(ctx: RequestContext, domain_id: UUID) -> EmailDomain:
    """A sending domain with SES's verification status now, and its DKIM records."""
    return logic.get_domain(ctx, domain_id)


handler = api.handler
