"""DELETE /v1/email/suppressions/{address}: email an address again, with a reason."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from hearth.email import logic
from hearth.http import Api, RequestContext

api = Api()


@api.delete("/v1/email/suppressions/{address}", permission="email_suppressions:write", status_code=204)
def delete_email_suppression(
    ctx: RequestContext,
    address: str,
    reason: Annotated[
        str, Query(min_length=3, max_length=500, description="Why the address may be emailed again.")
    ],
) -> None:
    """Lift the suppression of an address (audited with the reason given). An address that
    bounced or complained again is suppressed again."""
    logic.remove_suppression(ctx, address, reason)


handler = api.handler
