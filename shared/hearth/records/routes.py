"""The standard routes of a record resource, each declared in one line of its route module::

    # functions/crm/companies/get.py
    api = routes.get_record(COMPANIES, doc="A company, with its ETag (send it back as If-Match …).")
    handler = api.handler

    # functions/crm/companies/create.py
    api = routes.create_record(COMPANIES, logic.create, doc="Create a company. …")

Every family builds the same route a hand-written module would: its path from the resource
(``/v1/companies``, ``/v1/companies/{company_id}``), its permission (``companies:read``,
``:create``, ``:update``, ``:delete``), its typed parameters (so Powertools validates them and
documents them in OpenAPI) and its operation id (``list_companies``, ``get_company``, …). Writes
declare ``needs.EVENTS``: they announce what they changed. An area passes its own logic where it
has rules (``create``, ``update``, ``delete`` of a pipeline); the rest is the resource's own.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from hearth import needs
from hearth.http import DEFAULT_LIMIT, Api, Cursor, Limit, Page, Reply, RequestContext
from hearth.http.inputs import drop_null
from hearth.listing import IncludeDeleted, Listing, Search
from hearth.listing.fields import VALUE_FORMS
from hearth.listing.parameters import filter_parameter, filter_schema, sort_pattern
from hearth.records.batching import BatchCreate, BatchResult, BatchUpdate, run_batch
from hearth.records.resource import ListParams, Resource

_P = inspect.Parameter


def param(name: str, annotation: Any, default: Any = _P.empty) -> inspect.Parameter:
    return _P(name, _P.KEYWORD_ONLY, annotation=annotation, default=default)


CONTEXT = param("ctx", RequestContext)
#: The context and the paging parameters every list route takes.
PAGING = (CONTEXT, param("limit", Limit, DEFAULT_LIMIT), param("cursor", Cursor, None))


def route_function(
    name: str, params: list[inspect.Parameter], returns: Any, call: Callable[..., Any], doc: str
) -> Callable[..., Any]:
    """A route function named ``name`` with this signature (what Powertools validates)."""

    def route(**kwargs: Any) -> Any:
        return call(**kwargs)

    route.__name__ = route.__qualname__ = name
    route.__doc__ = doc
    route.__signature__ = inspect.Signature(params, return_annotation=returns)  # type: ignore[attr-defined]
    route.__annotations__ = {p.name: p.annotation for p in params} | {"return": returns}
    return route


def _declare(
    method: str,
    path: str,
    function: Callable[..., Any],
    *,
    permission: str,
    status_code: int = 200,
    writes: bool = False,
    **options: Any,
) -> Api:
    api = Api()
    api.route(
        method,
        path,
        permission=permission,
        status_code=status_code,
        needs=[needs.EVENTS] if writes else [],
        **options,
    )(function)
    return api


def _id(resource: Resource[Any]) -> str:
    return f"{resource.name}_id"


def _item_path(resource: Resource[Any]) -> str:
    return f"{resource.path}/{{{_id(resource)}}}"


def _body_model_at(operation: Callable[..., Any], index: int) -> type[BaseModel]:
    """The pydantic model an area operation takes at parameter ``index`` (its body)."""
    hints = typing.get_type_hints(operation)
    name = list(inspect.signature(operation).parameters)[index]
    model = hints.get(name)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"{operation.__qualname__}: parameter {name} is not a pydantic model")
    return model


# -- reading ------------------------------------------------------------------------------------


def _alias_parameters(listing: Listing) -> list[inspect.Parameter]:
    """The list's plain parameters (``Listing.aliases``), declared so Powertools validates them
    and OpenAPI documents them in the form the engine takes (a time is a date or an ISO 8601
    time, not a number); the engine reads them from the query string."""
    params = []
    for name, alias in listing.aliases.items():
        field = listing.by_name[alias.field]
        form = alias.pattern or (None if alias.translate else VALUE_FORMS.get(field.kind))
        query = Query(
            description=alias.description,
            max_length=alias.max_length,
            json_schema_extra={"pattern": f"^(?:{form})$"} if form else None,
        )
        params.append(param(name, Annotated[str | None, query], None))
    return params


def _sort(listing: Listing) -> Any:
    return Annotated[
        str | None,
        Query(
            max_length=200,
            description="Up to 3 sortable fields, comma-separated, each once; `-` for descending, "
            "e.g. `-amount,name`.",
            json_schema_extra={"pattern": sort_pattern(listing)},
        ),
    ]


def _document_list(api: Api, listing: Listing, name: str) -> Api:
    """The list's ``filter`` parameter in its operation (the engine reads it from the query)."""
    schema = f"{name}Filter"
    return api.document_parameter(filter_parameter(listing, schema), {schema: filter_schema(listing)})


def list_rows(
    path: str,
    listing: Listing,
    model: type[BaseModel],
    *,
    permission: str,
    doc: str,
    operation_id: str,
    scope: Callable[[RequestContext], Sequence[tuple[str, Sequence[Any]]]] | None = None,
) -> Api:
    """``GET <path>``: the list syntax over ``listing`` (and its plain-parameter aliases), one
    page of ``model``; ``scope(ctx)`` adds fixed conditions (e.g. "only what you created")."""

    def call(ctx: RequestContext, limit: int, cursor: str | None, sort: str | None, **rest: Any) -> Page[Any]:
        where = scope(ctx) if scope is not None else ()
        return listing.fetch(ctx, model, limit=limit, cursor=cursor, sort=sort, q=rest.get("q"), where=where)

    params = [*PAGING, *_alias_parameters(listing), param("sort", _sort(listing), None)]
    if listing.search:
        search = Query(
            max_length=200, description=f"Case-insensitive text search over {listing.search_label}."
        )
        params.append(param("q", Annotated[str | None, search], None))
    function = route_function(operation_id, params, Page[model], call, doc)  # type: ignore[valid-type]
    api = _declare("GET", path, function, permission=permission, description=listing.describe())
    return _document_list(api, listing, model.__name__)


def list_records(resource: Resource[Any], *, doc: str) -> Api:
    """``GET /v1/<records>``: the list syntax of the resource's ``Listing``."""

    def call(
        ctx: RequestContext, limit: int, cursor: str | None, sort: str | None, q: str | None, **rest: Any
    ) -> Page[Any]:
        return resource.list(ctx, ListParams(limit, cursor, sort, q, rest["include_deleted"]))

    params = [
        *PAGING,
        param("sort", _sort(resource.listing), None),
        param("q", Search, None),
        param("include_deleted", IncludeDeleted, False),
    ]
    function = route_function(f"list_{resource.table}", params, Page[resource.model], call, doc)  # type: ignore[name-defined]
    api = _declare(
        "GET",
        resource.path,
        function,
        permission=f"{resource.table}:read",
        description=resource.listing.describe(),
    )
    return _document_list(api, resource.listing, resource.model.__name__)


def get_record(resource: Resource[Any], *, doc: str) -> Api:
    """``GET /v1/<records>/{<record>_id}``: one record and its ETag (admins: also a deleted one)."""
    key = _id(resource)

    def call(ctx: RequestContext, include_deleted: bool, **ids: UUID) -> Any:
        return resource.get(ctx, resource.record_id(ctx, ids[key]), include_deleted=include_deleted)

    params = [CONTEXT, param(key, resource.ref_type), param("include_deleted", IncludeDeleted, False)]
    function = route_function(f"get_{resource.name}", params, resource.model, call, doc)
    return _declare("GET", _item_path(resource), function, permission=f"{resource.table}:read")


# -- writing ------------------------------------------------------------------------------------


def create_record(resource: Resource[Any], create: Callable[[RequestContext, Any], Any], *, doc: str) -> Api:
    """``POST /v1/<records>``: the area's ``create(ctx, body)``, 201."""
    body = _body_model_at(create, 1)
    params = [CONTEXT, param("body", body)]
    function = route_function(f"create_{resource.name}", params, resource.model, create, doc)
    return _declare(
        "POST", resource.path, function, permission=f"{resource.table}:create", status_code=201, writes=True
    )


def update_record(resource: Resource[Any], update: Callable[..., Any], *, doc: str) -> Api:
    """``PATCH /v1/<records>/{<record>_id}``: the area's ``update(ctx, id, body)``."""
    key = _id(resource)
    body = _body_model_at(update, 2)

    def call(ctx: RequestContext, body: BaseModel, **ids: UUID) -> Any:
        return update(ctx, resource.record_id(ctx, ids[key]), body)

    params = [CONTEXT, param(key, resource.ref_type), param("body", body)]
    function = route_function(f"update_{resource.name}", params, resource.model, call, doc)
    return _declare(
        "PATCH", _item_path(resource), function, permission=f"{resource.table}:update", writes=True
    )


def delete_record(
    resource: Resource[Any], *, doc: str, delete: Callable[[RequestContext, UUID], Any] | None = None
) -> Api:
    """``DELETE /v1/<records>/{<record>_id}``: soft delete (the area's ``delete`` where it has
    rules), 204."""
    key = _id(resource)
    operation = delete or resource.delete

    def call(ctx: RequestContext, **ids: UUID) -> None:
        operation(ctx, resource.record_id(ctx, ids[key]))

    params = [CONTEXT, param(key, resource.ref_type)]
    function = route_function(f"delete_{resource.name}", params, None, call, doc)
    return _declare(
        "DELETE",
        _item_path(resource),
        function,
        permission=f"{resource.table}:delete",
        status_code=204,
        writes=True,
    )


def restore_record(
    resource: Resource[Any], *, doc: str, restore: Callable[[RequestContext, UUID], Any] | None = None
) -> Api:
    """``POST /v1/<records>/{<record>_id}/restore``: undo the soft delete."""
    key = _id(resource)
    operation = restore or resource.restore

    def call(ctx: RequestContext, **ids: UUID) -> Any:
        return operation(ctx, resource.record_id(ctx, ids[key]))

    params = [CONTEXT, param(key, resource.ref_type)]
    function = route_function(f"restore_{resource.name}", params, resource.model, call, doc)
    return _declare(
        "POST",
        f"{_item_path(resource)}/restore",
        function,
        permission=f"{resource.table}:delete",
        writes=True,
    )


def _matched_on(model: type[BaseModel], field: str) -> type[BaseModel]:
    """``model`` for an upsert matching on ``field``: the field is required (and not null)."""

    def schema(
        cls: type[BaseModel], core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(core_schema)
        target = handler.resolve_ref_schema(json_schema)
        target["required"] = sorted({*target.get("required", []), field})
        drop_null(target["properties"][field])
        return json_schema

    namespace = {"__get_pydantic_json_schema__": classmethod(schema), "__doc__": model.__doc__}
    return type(f"{model.__name__}Upsert", (model,), namespace)


def upsert_record(
    resource: Resource[Any],
    match: str,
    *,
    create: Callable[[RequestContext, Any], Any],
    update: Callable[..., Any],
    doc: str,
) -> Api:
    """``PUT /v1/<records>?match=<field>``: update the live record whose ``match`` field equals
    the body's (case-insensitively; the fields sent are written) or create one: 200 or 201.
    ``update(ctx, id, fields)`` writes the fields sent."""
    body = _matched_on(_body_model_at(create, 1), match)

    def call(ctx: RequestContext, body: BaseModel, match: str) -> Reply:
        return resource.upsert_fields(
            ctx,
            match,
            body,
            create=lambda: create(ctx, body),
            update=lambda record_id, sent: update(ctx, record_id, sent),
        )

    choice = Literal[match]  # type: ignore[valid-type]
    params = [
        CONTEXT,
        param("body", body),
        param(
            "match",
            Annotated[choice, Query(description=f"The field that identifies the {resource.name}.")],
            match,
        ),
    ]
    function = route_function(f"upsert_{resource.name}", params, resource.model, call, doc)
    return _declare(
        "PUT",
        resource.path,
        function,
        permission=f"{resource.table}:update",
        also_returns=(201,),
        writes=True,
    )


def batch_create_records(
    resource: Resource[Any], create: Callable[[RequestContext, Any], Any], *, doc: str
) -> Api:
    """``POST /v1/<records>/batch/create``: the area's ``create`` on up to 100 items, each in
    its own savepoint, with a result per item."""
    item = _body_model_at(create, 1)

    def call(ctx: RequestContext, body: BatchCreate[Any]) -> BatchResult[Any]:
        return run_batch(ctx, body.items, lambda i: create(ctx, i), status=201, model=resource.model)

    params = [CONTEXT, param("body", BatchCreate[item])]  # type: ignore[valid-type]
    returns = BatchResult[resource.model]  # type: ignore[name-defined]
    function = route_function(f"batch_create_{resource.table}", params, returns, call, doc)
    return _declare(
        "POST", f"{resource.path}/batch/create", function, permission=f"{resource.table}:create", writes=True
    )


def batch_update_records(resource: Resource[Any], update: Callable[..., Any], *, doc: str) -> Api:
    """``POST /v1/<records>/batch/update``: the area's ``update(ctx, id, changes, version=…)``
    on up to 100 items, with a result per item (a stale ``version`` fails its item with 412)."""
    changes = _body_model_at(update, 2)

    def call(ctx: RequestContext, body: BatchUpdate[Any]) -> BatchResult[Any]:
        return run_batch(
            ctx,
            body.items,
            lambda i: update(ctx, i.id, i.changes, version=i.version),
            status=200,
            model=resource.model,
        )

    params = [CONTEXT, param("body", BatchUpdate[changes])]  # type: ignore[valid-type]
    returns = BatchResult[resource.model]  # type: ignore[name-defined]
    function = route_function(f"batch_update_{resource.table}", params, returns, call, doc)
    return _declare(
        "POST", f"{resource.path}/batch/update", function, permission=f"{resource.table}:update", writes=True
    )
