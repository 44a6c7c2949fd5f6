"""GET /v1/email/domains: the org's sending domains."""

from hearth.email import logic
from hearth.email.models import EmailDomainList
from hearth.http import Api, RequestContext

api = Api()


@api.get("/v1/email/domains", permission="email_domains:read")
def list_email_domains(ctx: RequestContext) -> EmailDomainList:
    """The org's sending domains, oldest first, with the status SES gave when last asked."""
    return logic.list_domains(ctx)


handler = api.handler
