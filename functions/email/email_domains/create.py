"""POST /v1/email/domains: add a domain to send email from (an SES identity)."""

from hearth import needs
from hearth.email import logic
from hearth.email.models import EmailDomain, EmailDomainCreate
from hearth.http import Api, RequestContext

api = Api()


@api.post(
    "/v1/email/domains",
    permission="email_domains:write",
    status_code=201,
    refuses=(409, 503),
    needs=[needs.SES_IDENTITIES],
)
def create_email_domain(ctx: RequestContext, body: EmailDomainCreate) -> EmailDomain:
    """Add a sending domain: SES creates its identity with Easy DKIM, and the answer lists the
    CNAME records to publish in the domain's DNS. The domain is `pending` until SES sees them
    (`GET /v1/email/domains/{id}` asks SES again); email is sent only from verified domains.
    A domain belongs to one org (409 `domain_taken`)."""
    return logic.add_domain(ctx, body)


handler = api.handler
