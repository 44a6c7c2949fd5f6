"""PATCH /v1/email/inbound: choose the inbound address's name, or rotate the BCC logging address."""

from hearth import needs
from hearth.email.inbound import logic
from hearth.email.inbound.models import InboundAddress, InboundAddressUpdate
from hearth.http import Api, RequestContext

api = Api()


@api.patch("/v1/email/inbound", permission="email_inbound_address:update", needs=[needs.EMAIL_INBOUND_DOMAIN])
def update_inbound_email_address(ctx: RequestContext, body: InboundAddressUpdate) -> InboundAddress:
    """A new `slug` (409 `inbound_address_taken` when another org has it) and/or
    `rotate_bcc_address: true`; the old address stops receiving at once."""
    return logic.update_address(ctx, body)


handler = api.handler
