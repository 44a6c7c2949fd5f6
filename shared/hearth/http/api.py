"""The route kit: one small Lambda function per route, declared in a few lines.

Built on Powertools' ``APIGatewayHttpResolver`` (routing, pydantic validation, OpenAPI). The kit
adds, the same way for every route: the principal from the authorizer context, org selection,
the RBAC check, rate limiting, a tenant transaction, ``Idempotency-Key`` on POST, RFC 9457
errors, request-id correlation, and logs/metrics with the org id::

    api = Api()

    @api.patch("/v1/orgs/current", permission="orgs:update")
    def update_current_org(ctx: RequestContext, body: OrgUpdate) -> Org:
        return orgs.update_current(ctx, body)

    handler = api.handler

A parameter annotated :class:`RequestContext` receives the context; every other parameter is
validated by Powertools (a pydantic model is the JSON body; ``Annotated[..., Query()]`` a query
parameter; a name in ``{braces}`` in the path a path parameter).
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import functools
import inspect
import json
import threading
import time
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import parse_qsl
from uuid import UUID

import psycopg
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from pydantic import BaseModel

from hearth import db, outbox, rbac
from hearth.http import idempotency, ratelimit
from hearth.http.context import Caller, RequestContext, RequestInfo
from hearth.observability import NAMESPACE, SERVICE, logger, tracer
from hearth.principal import Principal
from hearth.problems import (
    PROBLEM_CONTENT_TYPE,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    Unauthorized,
    Unprocessable,
    field_error,
)

JSON = "application/json"
ORG_HEADER = "x-hearth-org"


@dataclass(frozen=True, slots=True)
class RouteSpec:
    method: str
    path: str  # as in template.yaml: /v1/members/{user_id}
    permission: str | None
    tenant: bool
    idempotent: bool
    status_code: int
    body_model: type[BaseModel] | None = None
    reveals_secret: bool = False
    also_returns: tuple[int, ...] = ()

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True, slots=True)
class Reply:
    """A route result with an explicit status and headers (e.g. upsert: 200 or 201)."""

    body: Any
    status: int = 200
    headers: dict[str, str] | None = None


class ProblemDetails(BaseModel):
    """RFC 9457 problem details, as every error of this API is shaped."""

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None
    errors: list[dict[str, Any]] | None = None
    request_id: str | None = None


_PROBLEM_DESCRIPTIONS = {
    400: "Malformed request (body, header or cursor).",
    401: "No valid credentials.",
    403: "The caller's role does not allow this.",
    404: "No such resource in this org.",
    409: "Conflict (duplicate, last owner, or the same Idempotency-Key still in progress).",
    412: "If-Match names a stale version.",
    422: "Invalid fields (see errors[]), or an Idempotency-Key reused with another body.",
    429: "Rate limit reached; see Retry-After.",
    500: "Unexpected error; nothing internal is shown.",
}


def security_schemes() -> dict[str, Any]:
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    return {
        "bearer": HTTPBearer(
            bearerFormat="JWT or API key",
            description="An identity-provider JWT (name the org with X-Hearth-Org or an org_id claim) "
            "or an API key `hk_…`.",
        )
    }


def _problem_responses(spec: RouteSpec) -> dict[int, Any]:
    statuses = [400, 401, 403, 422, 500]
    if "{" in spec.path:
        statuses.append(404)
    if spec.method in ("POST", "PUT", "PATCH", "DELETE"):
        statuses.append(409)
    if spec.method in ("PATCH", "DELETE", "PUT"):
        statuses.append(412)
    if spec.tenant:
        statuses.append(429)
    responses: dict[int, Any] = {
        spec.status_code: {"description": "No content.", "content": {}}
        if spec.status_code == 204
        else {"description": "Success."}
    }
    for status in spec.also_returns:
        responses[status] = {"description": "Created." if status == 201 else "Success."}
    for status in sorted(statuses):
        responses[status] = {
            "description": _PROBLEM_DESCRIPTIONS[status],
            "content": {PROBLEM_CONTENT_TYPE: {"model": ProblemDetails}},
        }
    return responses


@dataclass(slots=True)
class _Invocation:
    request: RequestInfo
    principal: Principal
    org_id: UUID | None
    role: rbac.Role | None
    scope: rbac.Scope | None
    tx: db.Transaction | None = None
    ran: bool = False
    failed: bool = False
    emitted: list[UUID] = field(default_factory=list)


_current: contextvars.ContextVar[_Invocation] = contextvars.ContextVar("hearth_invocation")

#: Powertools keeps the event being resolved on the router *class* (Lambda runs one invocation
#: per environment at a time). The local stack and the tests run invocations on threads in one
#: process, so Powertools' own work (routing, validation, response building) is serialised by
#: this lock; a route releases it while its body (the tenant transaction) runs, so route bodies
#: still run concurrently.
_POWERTOOLS_LOCK = threading.RLock()


@contextlib.contextmanager
def _outside_powertools(resolver: APIGatewayHttpResolver) -> Iterator[None]:
    """Let other threads resolve while this route's body runs; restore this request's
    Powertools state before handing back to Powertools."""
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

    event, lambda_context = BaseRouter.current_event, BaseRouter.lambda_context
    context = dict(resolver.context)
    _POWERTOOLS_LOCK.release()
    try:
        yield
    finally:
        _POWERTOOLS_LOCK.acquire()
        BaseRouter.current_event, BaseRouter.lambda_context = event, lambda_context
        resolver.context.clear()
        resolver.context.update(context)


def _powertools_rule(path: str) -> str:
    return path.replace("{", "<").replace("}", ">")


def _dump(body: Any) -> Any:
    if isinstance(body, BaseModel):
        return body.model_dump(mode="json", by_alias=True)
    if isinstance(body, list):
        return [_dump(item) for item in body]
    return body


def problem_response(problem: Problem, request_id: str | None) -> Response[Any]:
    return Response(
        status_code=problem.status,
        content_type=PROBLEM_CONTENT_TYPE,
        body=json.dumps(problem.document(request_id)),
        headers=problem.headers,
    )


def _validation_problem(exc: RequestValidationError) -> Problem:
    errors = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        where = loc[0] if loc else "body"
        if err.get("type") == "json_invalid":
            return BadRequest("malformed_json", "The request body is not valid JSON.")
        name = ".".join(loc[1:])
        errors.append(
            field_error(name, str(err.get("msg", "invalid")), str(err.get("type", "invalid")), where)
        )
    return Unprocessable("validation_failed", "The request has invalid fields.", errors=errors)


_DATABASE_PROBLEMS: list[tuple[type[psycopg.Error], Callable[[], Problem]]] = [
    (
        psycopg.errors.UniqueViolation,
        lambda: Conflict("already_exists", "A record with these unique fields already exists."),
    ),
    (
        psycopg.errors.ForeignKeyViolation,
        lambda: Unprocessable("reference_not_found", "A referenced record does not exist in this org."),
    ),
    (
        psycopg.errors.CheckViolation,
        lambda: Unprocessable("constraint_violated", "A field value is not allowed."),
    ),
    (
        psycopg.errors.NotNullViolation,
        lambda: Unprocessable("constraint_violated", "A required field is missing."),
    ),
    (psycopg.errors.InsufficientPrivilege, NotFound),
    (
        psycopg.errors.TransactionRollback,  # deadlock or serialization failure: nothing was changed
        lambda: Conflict("concurrent_update", "Another request changed this at the same time; retry."),
    ),
    (
        psycopg.errors.QueryCanceled,
        lambda: Problem(
            "query_timeout", "The request took too long.", status=503, headers={"Retry-After": "1"}
        ),
    ),
    (
        psycopg.OperationalError,
        lambda: Problem(
            "database_unavailable", "The database is unavailable.", status=503, headers={"Retry-After": "1"}
        ),
    ),
]


def _database_problem(exc: psycopg.Error) -> Problem:
    """Integrity errors that slipped past domain checks, as client errors that change nothing."""
    for kind, make in _DATABASE_PROBLEMS:
        if isinstance(exc, kind):
            return make()
    return Problem()


def _request_info(event: dict[str, Any]) -> RequestInfo:
    ctx = event.get("requestContext") or {}
    http = ctx.get("http") or {}
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    raw = event.get("body") or ""
    body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode()
    query = tuple(parse_qsl(str(event.get("rawQueryString") or ""), keep_blank_values=True))
    return RequestInfo(
        request_id=str(ctx.get("requestId") or ""),
        method=str(http.get("method") or ""),
        path=str(event.get("rawPath") or http.get("path") or ""),
        headers=headers,
        source_ip=http.get("sourceIp"),
        user_agent=http.get("userAgent") or headers.get("user-agent"),
        body=body,
        query=query,
    )


class Api:
    """One route's Lambda function (see the module docstring)."""

    def __init__(self) -> None:
        self.resolver = APIGatewayHttpResolver(enable_validation=True)
        self.spec: RouteSpec | None = None
        self._register_error_handlers()
        handler: Callable[[dict[str, Any], Any], dict[str, Any]] = self._handle
        traced = tracer()
        if traced is not None:
            handler = traced.capture_lambda_handler(handler)
        self.handler = logger.inject_lambda_context(
            correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True
        )(handler)

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
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare this function's route. ``permission=None`` only for routes without a tenant.
        ``description`` is appended to the docstring in the OpenAPI document (e.g. the filter and
        sort fields of a list). ``reveals_secret`` marks a route whose reply carries a secret shown
        once: its ``Idempotency-Key`` replay copy is stored sealed (needs the secrets KMS key).
        ``also_returns`` names other success statuses the route answers with the same body (an
        upsert's 201), for the OpenAPI document."""
        method = method.upper()
        if tenant and permission is None:
            raise ValueError("a tenant route needs a permission")

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
                operation_id=fn.__name__,
                security=[{"bearer": []}],
                responses=_problem_responses(spec),
            )(_bind(fn, spec, self.resolver))
            return fn

        return register

    def get(self, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route("DELETE", path, **kwargs)

    def openapi(self) -> dict[str, Any]:
        """This route's OpenAPI 3.1 document (merged with the others by ``hearth openapi``)."""
        schema = self.resolver.get_openapi_json_schema(
            title="Hearth API", security_schemes=security_schemes()
        )
        return cast(dict[str, Any], json.loads(schema))

    # -- invocation --------------------------------------------------------------------------

    def _register_error_handlers(self) -> None:
        resolver = self.resolver

        @resolver.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
        def _invalid(exc: RequestValidationError) -> Response[Any]:
            return problem_response(_validation_problem(exc), _request_id())

        @resolver.exception_handler(Problem)  # type: ignore[untyped-decorator]
        def _problem(exc: Problem) -> Response[Any]:
            return problem_response(exc, _request_id())

        @resolver.exception_handler(psycopg.Error)  # type: ignore[untyped-decorator]
        def _database(exc: psycopg.Error) -> Response[Any]:
            problem = _database_problem(exc)
            if problem.status >= 500:
                logger.exception("database error")
            return problem_response(problem, _request_id())

        @resolver.exception_handler(Exception)  # type: ignore[untyped-decorator]
        def _unexpected(exc: Exception) -> Response[Any]:
            logger.exception("unhandled error")
            return problem_response(
                Problem("internal_error", "Something went wrong on our side."), _request_id()
            )

        @resolver.not_found
        def _no_route(exc: Exception) -> Response[Any]:
            return problem_response(NotFound("route", code="route_not_found"), _request_id())

    def _handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        spec = self.spec
        if spec is None:
            raise RuntimeError("no route declared")
        started = time.perf_counter()
        request = _request_info(event)
        logger.append_keys(route=spec.route_key)
        extra_headers: dict[str, str] = {"X-Request-Id": request.request_id}
        invocation: _Invocation | None = None
        try:
            invocation = _authorize(spec, event, request)
            extra_headers.update(_count_and_open(spec, invocation))
            token = _current.set(invocation)
            try:
                with _POWERTOOLS_LOCK:
                    response = self.resolver.resolve(event, context)
            finally:
                _current.reset(token)
            if invocation.tx is not None:
                response = _finish(invocation.tx, invocation, response)
        except Problem as problem:
            response = _raw_problem(problem, request.request_id)
        except psycopg.Error as exc:
            logger.exception("database error before the route ran")
            response = _raw_problem(_database_problem(exc), request.request_id)
        finally:
            if invocation is not None and invocation.tx is not None and invocation.tx.open:
                invocation.tx.rollback()
        headers = response.setdefault("headers", {})
        for name, value in extra_headers.items():
            headers.setdefault(name, value)
        status = int(response.get("statusCode", 500))
        org = str(invocation.org_id) if invocation and invocation.org_id else "none"
        _emit_metrics(spec.route_key, org, status, time.perf_counter() - started)
        logger.info("request", extra={"status": status, "method": request.method, "path": request.path})
        return response


def _authorize(spec: RouteSpec, event: dict[str, Any], request: RequestInfo) -> _Invocation:
    """Who is calling, in which org, with which scope of the route's permission (401/400/403)."""
    principal = _principal(event)
    org_id, role = _select_org(principal, request) if spec.tenant else (principal.org_id, principal.role)
    if spec.tenant and (org_id is None or role is None):
        raise BadRequest(
            "org_required", "Name the org with the X-Hearth-Org header or an org_id token claim."
        )
    if org_id is not None:
        logger.append_keys(org_id=str(org_id))
    scope: rbac.Scope | None = None
    if spec.permission is not None:
        scope = rbac.scope(role, spec.permission)
        if scope is None:
            raise Forbidden("permission_denied", f"Your role ({role}) does not allow {spec.permission}.")
    return _Invocation(request, principal, org_id, role, scope)


def _count_and_open(spec: RouteSpec, invocation: _Invocation) -> dict[str, str]:
    """Count the request against the rate limit (429 when spent) and, for a tenant route, open
    its transaction in the same round trip. Returns the RateLimit headers."""
    org_id, principal = invocation.org_id, invocation.principal
    if org_id is None:
        return {}
    if not spec.tenant:
        return ratelimit.hit(org_id, principal.credential, principal.rate_limit).headers()
    invocation.tx = db.database("app").begin(
        str(org_id), str(principal.user_id or ""), prelude=ratelimit.prelude(org_id, principal.credential)
    )
    return ratelimit.check(invocation.tx.prelude_row, principal.rate_limit).headers()


def _finish(tx: db.Transaction, invocation: _Invocation, response: dict[str, Any]) -> dict[str, Any]:
    """End the route's transaction: commit what a route that ran and answered below 500 did,
    then hand its events to the outbox relay; roll back everything else."""
    if not invocation.ran or invocation.failed or int(response.get("statusCode", 500)) >= 500:
        tx.rollback()
        return response
    try:
        tx.commit()
    except psycopg.Error as exc:
        logger.exception("commit failed")
        return _raw_problem(_database_problem(exc), invocation.request.request_id)
    if invocation.emitted and invocation.org_id is not None:
        outbox.after_commit(invocation.org_id, invocation.emitted)
    return response


def _emit_metrics(route: str, org: str, status: int, seconds: float) -> None:
    """One EMF record per request, with route and org as dimensions (no state shared between
    invocations, so concurrent invocations in one process cannot mix)."""
    metrics = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    metrics.add_dimension(name="route", value=route)
    metrics.add_dimension(name="org_id", value=org)
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=int(status >= 500))
    metrics.add_metric(name="ClientErrors", unit=MetricUnit.Count, value=int(400 <= status < 500))
    metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=seconds * 1000)
    metrics.flush_metrics()


def _raw_problem(problem: Problem, request_id: str) -> dict[str, Any]:
    """A problem as an API Gateway v2 response (for failures before the resolver runs)."""
    return {
        "statusCode": problem.status,
        "headers": {"Content-Type": PROBLEM_CONTENT_TYPE, **problem.headers},
        "body": json.dumps(problem.document(request_id)),
        "isBase64Encoded": False,
    }


def _request_id() -> str | None:
    current = _current.get(None)
    return current.request.request_id if current else None


def _principal(event: dict[str, Any]) -> Principal:
    lambda_ctx = ((event.get("requestContext") or {}).get("authorizer") or {}).get("lambda") or {}
    try:
        return Principal.from_context(lambda_ctx)
    except (ValueError, TypeError) as exc:
        raise Unauthorized(
            "unauthenticated", "Send a valid API key or token as a Bearer credential."
        ) from exc


def _select_org(principal: Principal, request: RequestInfo) -> tuple[UUID | None, rbac.Role | None]:
    """The org and role of this request.

    The gateway caches authorizer results by the Authorization header alone, so a cached
    principal may have been resolved for another ``X-Hearth-Org`` than this request names. When
    they differ, membership is checked here, for the org this request names.
    """
    header = request.headers.get(ORG_HEADER, "").strip()
    if header:
        try:
            header = str(UUID(header))
        except ValueError as exc:
            raise BadRequest("malformed_org_header", "X-Hearth-Org must be an org id (a UUID).") from exc
    if principal.kind == "api_key":
        if header and header != str(principal.org_id):
            raise Forbidden("wrong_org", "This API key belongs to another org.")
        return principal.org_id, principal.role
    if principal.org_claim and header and header != principal.org_claim:
        raise Forbidden("wrong_org", "The token is scoped to another org.")
    if header == principal.requested_org:
        return principal.org_id, principal.role
    if not header:
        # A cached result for a request that named an org; this one names none.
        return (principal.org_id, principal.role) if principal.org_claim else (None, None)
    from hearth.members import store as members_store

    with db.tenant_transaction(header, user_id=principal.user_id) as conn:
        role = members_store.role_of(conn, principal.user_id)
    if role is None:
        raise Forbidden("not_a_member", "You are not a member of this org.")
    return UUID(header), role


def _bind(fn: Callable[..., Any], spec: RouteSpec, resolver: APIGatewayHttpResolver) -> Callable[..., Any]:
    """The function Powertools calls: ``fn`` without its context parameter, run in a tenant
    transaction, with idempotency and response shaping around it."""
    hints = typing.get_type_hints(fn, include_extras=True)
    signature = inspect.signature(fn)
    ctx_names = [name for name in signature.parameters if hints.get(name) in (RequestContext, Caller)]
    params = [
        p.replace(annotation=hints.get(name, p.annotation))
        for name, p in signature.parameters.items()
        if name not in ctx_names
    ]
    ctx_name = ctx_names[0] if ctx_names else None

    def call(ctx: RequestContext | Caller, kwargs: dict[str, Any]) -> Any:
        if ctx_name is not None:
            kwargs = {ctx_name: ctx, **kwargs}
        return fn(**kwargs)

    @functools.wraps(fn)
    def bound(**kwargs: Any) -> Response[Any]:
        with _outside_powertools(resolver):
            return run(**kwargs)

    def run(**kwargs: Any) -> Response[Any]:
        inv = _current.get()
        if not spec.tenant:
            caller = Caller(principal=inv.principal, request=inv.request)
            return _shape(call(caller, kwargs), spec, caller.response_headers)
        assert inv.org_id is not None
        assert inv.role is not None
        assert inv.scope is not None
        assert inv.tx is not None
        ctx = RequestContext(
            principal=inv.principal,
            org_id=inv.org_id,
            role=inv.role,
            scope=inv.scope,
            db=inv.tx.conn,
            request=inv.request,
        )
        try:
            return _run_in_transaction(ctx, kwargs)
        except BaseException:
            inv.failed = True
            raise
        finally:
            inv.ran = True
            inv.emitted = ctx.emitted

    def _run_in_transaction(ctx: RequestContext, kwargs: dict[str, Any]) -> Response[Any]:
        request = ctx.request
        key = request.headers.get(idempotency.HEADER) if spec.idempotent else None
        if key is None:
            return _shape(call(ctx, kwargs), spec, ctx.response_headers)
        key = idempotency.check_key(key)
        digest = idempotency.request_hash(request.method, request.path, request.body)
        org, credential = str(ctx.org_id), ctx.principal.credential
        stored = idempotency.begin(ctx.db, org, credential, key, digest)
        if stored is not None:
            return Response(
                status_code=stored.status,
                content_type=JSON,
                body=None if stored.body is None else json.loads(stored.body),
                headers={**stored.headers, idempotency.REPLAYED_HEADER: "true"},
            )
        response = _shape(call(ctx, kwargs), spec, ctx.response_headers)
        idempotency.save(
            ctx.db,
            org,
            credential,
            key,
            digest,
            response.status_code,
            {k: str(v) for k, v in (response.headers or {}).items()},
            response.body,
            sealed=spec.reveals_secret,
        )
        return response

    bound.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=params, return_annotation=hints.get("return", inspect.Signature.empty)
    )
    bound.__annotations__ = {k: v for k, v in hints.items() if k not in ctx_names}
    return bound


def _shape(result: Any, spec: RouteSpec, headers: dict[str, str]) -> Response[Any]:
    if isinstance(result, Reply):
        return Response(
            status_code=result.status,
            content_type=JSON,
            body=_dump(result.body),
            headers={**headers, **(result.headers or {})},
        )
    if result is None:
        return Response(status_code=204 if spec.status_code == 200 else spec.status_code, headers=headers)
    return Response(status_code=spec.status_code, content_type=JSON, body=_dump(result), headers=headers)
