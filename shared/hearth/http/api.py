"""The route kit: one small Lambda function per route, declared in a few lines.

Built on Powertools' ``APIGatewayHttpResolver`` (routing, pydantic validation, OpenAPI). The kit
adds, the same way for every route: the principal from the authorizer context, org selection,
the RBAC check, rate limiting, a tenant transaction, ``Idempotency-Key`` on POST, RFC 9457
errors, request-id correlation, and logs/metrics with the org id (``hearth.http.invocation``)::

    api = Api()

    @api.patch("/v1/orgs/current", permission="orgs:update")
    def update_current_org(ctx: RequestContext, body: OrgUpdate) -> Org:
        return orgs.update_current(ctx, body)

    handler = api.handler

A parameter annotated :class:`RequestContext` receives the context; every other parameter is
validated by Powertools (a pydantic model is the JSON body; ``Annotated[..., Query()]`` a query
parameter; a name in ``{braces}`` in the path a path parameter).

The declaration is also what the function is deployed with: ``hearth template`` reads each route
module's ``api.spec`` (method, path, and ``needs``) to write its template section.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import typing
from collections.abc import Callable, Iterable
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from pydantic import BaseModel

from hearth import needs as needs_
from hearth.deployment import Throttle
from hearth.http import documented, invocation
from hearth.http.responses import documented_responses, security_schemes
from hearth.http.spec import RouteSpec
from hearth.observability import http_handler

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def _powertools_rule(path: str) -> str:
    return path.replace("{", "<").replace("}", ">")


class Api:
    """One route's Lambda function (see the module docstring)."""

    def __init__(self) -> None:
        self.resolver = APIGatewayHttpResolver(enable_validation=True)
        self.spec: RouteSpec | None = None
        #: More of the route's OpenAPI operation: parameters (and the component schemas they use)
        #: that Powertools does not declare, e.g. a list's ``filter`` (``document_parameter``).
        self.parameters: list[dict[str, Any]] = []
        self.schemas: dict[str, Any] = {}
        invocation.register_error_handlers(self.resolver)
        self.handler = http_handler(self._handle)

    # -- declaration -------------------------------------------------------------------------

    def route(
        self,
        method: str,
        path: str,
        *,
        permission: str | None,
        status_code: int = 200,
        tenant: bool = True,
        idempotent: bool | None = None,
        summary: str | None = None,
        tags: list[str] | None = None,
        description: str | None = None,
        reveals_secret: bool = False,
        also_returns: tuple[int, ...] = (),
        refuses: tuple[int, ...] = (),
        needs: Iterable[needs_.Need] = (),
        operation_id: str | None = None,
        throttle: Throttle | None = None,
    ) -> Decorator:
        """Declare this function's route. ``permission=None`` only for routes without a tenant.
        ``description`` is appended to the docstring in the OpenAPI document (e.g. the filter and
        sort fields of a list). ``reveals_secret`` marks a route whose reply carries a secret shown
        once: its ``Idempotency-Key`` replay copy is stored sealed (it needs the secrets key).
        ``also_returns`` names other success statuses the route answers with the same body (an
        upsert's 201), for the OpenAPI document; ``refuses`` other problem statuses it may answer
        (402 when a plan's allowance is used up). ``needs`` names what the function needs from its
        deployment besides the app database (``hearth.needs``); they are checked now, at cold
        start, and ``hearth template`` grants exactly them. ``throttle`` limits an expensive route
        at the gateway (see :meth:`throttled`)."""
        method = method.upper()
        if tenant and permission is None:
            raise ValueError("a tenant route needs a permission")
        implied = [needs_.APP_DB, *([needs_.SECRETS_KEY] if reveals_secret else [])]

        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            if self.spec is not None:
                raise RuntimeError("an Api serves exactly one route (one Lambda function per route)")
            hints = typing.get_type_hints(fn)
            body_models = [
                hint
                for name, hint in hints.items()
                if name != "return" and isinstance(hint, type) and issubclass(hint, BaseModel)
            ]
            spec = RouteSpec(
                method=method,
                path=path,
                permission=permission,
                tenant=tenant,
                idempotent=(method == "POST") if idempotent is None else idempotent,
                status_code=status_code,
                body_model=body_models[0] if body_models else None,
                reveals_secret=reveals_secret,
                also_returns=also_returns,
                refuses=refuses,
                needs=needs_.declared([*implied, *needs]),
                throttle=throttle,
            )
            self.spec = spec
            doc = "\n\n".join(part for part in (inspect.getdoc(fn), description) if part)
            self.resolver.route(
                rule=_powertools_rule(path),
                method=method,
                status_code=status_code,
                summary=summary or (doc.splitlines()[0] if doc else None),
                description=doc or None,
                tags=tags or [path.split("/")[2]],
                operation_id=operation_id or fn.__name__,
                security=[{"bearer": []}],
                responses=documented_responses(spec),
            )(documented.route_function(invocation.bind(fn, spec, self.resolver), spec, self._headers))
            return fn

        return register

    def throttled(self, *, rate: float, burst: int) -> Api:
        """Limit this route at the gateway to ``rate`` requests per second (``burst`` at once),
        for every caller together: for routes whose one request costs the database much (batches,
        whole-chain checks). For a route declared by a family of the kit::

            api = routes.batch_create_records(COMPANIES, logic.create, doc=...).throttled(rate=20, burst=40)
        """
        if self.spec is None:
            raise RuntimeError("declare the route before its throttle")
        self.spec = dataclasses.replace(self.spec, throttle=Throttle(rate=rate, burst=burst))
        return self

    def get(self, path: str, **kwargs: Any) -> Decorator:
        return self.route("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Decorator:
        return self.route("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Decorator:
        return self.route("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Decorator:
        return self.route("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Decorator:
        return self.route("DELETE", path, **kwargs)

    def openapi(self) -> dict[str, Any]:
        """This route's OpenAPI 3.1 document (merged with the others by ``hearth openapi``)."""
        schema = self.resolver.get_openapi_json_schema(
            title="Hearth API", security_schemes=security_schemes()
        )
        document = cast(dict[str, Any], json.loads(schema))
        return documented.complete(document, self.spec) if self.spec is not None else document

    def document_parameter(self, parameter: dict[str, Any], schemas: dict[str, Any] | None = None) -> Api:
        """Document a parameter the route reads itself (from the raw query string); ``hearth
        openapi`` adds it to the operation."""
        self.parameters.append(parameter)
        self.schemas.update(schemas or {})
        return self

    def _headers(self) -> dict[str, str]:
        return dict(self.resolver.current_event.headers or {})

    # -- invocation --------------------------------------------------------------------------

    def _handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        if self.spec is None:
            raise RuntimeError("no route declared")
        return invocation.handle(self.spec, self.resolver, event, context)
