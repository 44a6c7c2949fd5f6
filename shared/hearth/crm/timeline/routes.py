"""The timeline route of a CRM record (companies, people, deals), declared in one line::

api = timeline_route(COMPANIES, doc="Everything about the company, newest first: …")
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Query

from hearth.crm.timeline import logic
from hearth.crm.timeline.models import ITEM_TYPES, TimelineItem
from hearth.http import Api, Page, RequestContext
from hearth.records.resource import Resource
from hearth.records.routes import PAGING, param, route_function

_TYPE = "(?:" + "|".join(ITEM_TYPES) + ")"
Types = Annotated[
    str | None,
    Query(
        description="Comma-separated: interaction, note, task, field_change (empty: all).",
        json_schema_extra={"pattern": f"^$|^(?:\\s*,)*\\s*{_TYPE}\\s*(?:,\\s*(?:{_TYPE}\\s*)?)*$"},
    ),
]


def timeline_route(resource: Resource[Any], *, doc: str) -> Api:
    """``GET /v1/<records>/{<record>_id}/timeline``: interactions, linked notes and tasks, and
    field changes of the record, newest first."""
    key = f"{resource.name}_id"

    def call(ctx: RequestContext, limit: int, cursor: str | None, types: str | None, **ids: UUID) -> Any:
        return logic.timeline(ctx, resource, key, ids[key], limit=limit, cursor=cursor, types=types)

    context, *paging = PAGING
    params = [context, param(key, UUID), *paging, param("types", Types, None)]
    function = route_function(f"{resource.name}_timeline", params, Page[TimelineItem], call, doc)
    api = Api()
    api.get(f"{resource.path}/{{{key}}}/timeline", permission=f"{resource.table}:read")(function)
    return api
