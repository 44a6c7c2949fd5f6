"""POST /v1/interactions: create an interaction."""

from hearth.crm.interactions import logic
from hearth.crm.interactions.models import Interaction, InteractionCreate
from hearth.http import Api, RequestContext

api = Api()


@api.post("/v1/interactions", permission="interactions:create", status_code=201)
def create_interaction(ctx: RequestContext, body: InteractionCreate) -> Interaction:
    """Record an interaction with a person, company and/or deal (409 for a known external_ref)."""
    return logic.create(ctx, body)


handler = api.handler
