"""One request through a route's function, in this order: the principal and its org (400/401/
403), the RBAC check, the rate-limit count together with the opening of the tenant transaction
(one round trip), Powertools routing and validation, the route body (with ``Idempotency-Key``),
then commit — or rollback for anything that did not answer below 500 — and the after-commit
relay of the events it emitted. Every answer carries ``X-Request-Id``; every request logs one
line and one EMF record with the route and the org::

    response = invocation.handle(spec, resolver, event, lambda_context)
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
import json
import threading
import time
import typing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl
from uuid import UUID

import psycopg
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from hearth import audit, db, gateway, needs, outbox, rbac
from hearth.auth import membership, mfa, org_header, standing
from hearth.http import idempotency, intake, ratelimit
from hearth.http.context import Caller, RequestContext, RequestInfo
from hearth.http.responses import (
    JSON,
    database_problem,
    problem_response,
    raw_problem,
    shape,
    validation_problem,
)
from hearth.http.spec import RouteSpec
from hearth.observability import emit_request_metrics, logger
from hearth.principal import Principal
from hearth.problems import BadRequest, Forbidden, NotFound, Problem, Unauthorized


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
    #: The route failed on a deadlock or serialization failure: nothing it did was kept.
    conflict: bool = False
    emitted: list[UUID] = field(default_factory=list)
    #: The rate-limit windows, once the count's answer is in (the RateLimit headers).
    rate: ratelimit.RateState | None = None
    #: Why the route's prelude refuses the request (429, or a revoked credential on a write).
    refusal: Problem | None = None
    #: The org is behind on payment, within its grace period (a write's warning header).
    payment_warning: str | None = None


#: How many times the kit runs a tenant route whose transaction lost a deadlock or a
#: serialization failure before answering 409 ``concurrent_update``.
MAX_ATTEMPTS = 3


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


def current_request_id() -> str | None:
    current = _current.get(None)
    return current.request.request_id if current else None


def register_error_handlers(resolver: APIGatewayHttpResolver) -> None:
    """Every failure inside Powertools' resolution answers a problem document."""

    @resolver.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def _invalid(exc: RequestValidationError) -> Response[Any]:
        return problem_response(validation_problem(exc), current_request_id())

    @resolver.exception_handler(RequestUnsupportedContentType)  # type: ignore[untyped-decorator]
    def _unsupported(exc: RequestUnsupportedContentType) -> Response[Any]:
        return problem_response(intake.unsupported_media_type(), current_request_id())

    @resolver.exception_handler(Problem)  # type: ignore[untyped-decorator]
    def _problem(exc: Problem) -> Response[Any]:
        return problem_response(exc, current_request_id())

    @resolver.exception_handler(psycopg.Error)  # type: ignore[untyped-decorator]
    def _database(exc: psycopg.Error) -> Response[Any]:
        problem = database_problem(exc)
        if problem.status >= 500:
            logger.exception("database error")
        return problem_response(problem, current_request_id())

    @resolver.exception_handler(Exception)  # type: ignore[untyped-decorator]
    def _unexpected(exc: Exception) -> Response[Any]:
        logger.exception("unhandled error")
        return problem_response(
            Problem("internal_error", "Something went wrong on our side."), current_request_id()
        )

    @resolver.not_found
    def _no_route(exc: Exception) -> Response[Any]:
        return problem_response(NotFound("route", code="route_not_found"), current_request_id())


def request_info(event: dict[str, Any]) -> RequestInfo:
    request = gateway.read(event)  # a body that is not UTF-8 is kept as sent (the intake refuses it)
    return RequestInfo(
        request_id=request.request_id,
        method=request.method,
        path=request.path,
        headers=request.headers,
        source_ip=request.source_ip,
        user_agent=request.user_agent,
        body=request.body,
        query=tuple(parse_qsl(request.raw_query, keep_blank_values=True)),
    )


def handle(
    spec: RouteSpec, resolver: APIGatewayHttpResolver, event: dict[str, Any], context: Any
) -> dict[str, Any]:
    """Serve one API Gateway (payload 2.0) event with the route ``spec`` declares."""
    started = time.perf_counter()
    request = request_info(event)
    logger.append_keys(route=spec.route_key)
    extra_headers: dict[str, str] = {"X-Request-Id": request.request_id}
    invocation: _Invocation | None = None
    refused_rate: ratelimit.RateState | None = None
    try:
        invocation = _authorize(spec, event, request)
        extra_headers.update(_count_and_open(spec, invocation))
        _check_input(event, request)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            token = _current.set(invocation)
            try:
                with _POWERTOOLS_LOCK:
                    response = resolver.resolve(event, context)
            finally:
                _current.reset(token)
            if invocation.tx is not None:
                response = _finish(invocation.tx, invocation, response)
            if not invocation.conflict or attempt == MAX_ATTEMPTS:
                break
            _forget_attempt(invocation, attempt)
            extra_headers.update(_count_and_open(spec, invocation))
    except Problem as problem:
        response = raw_problem(problem, request.request_id)
        if invocation is None:
            refused_rate = _count_refused(event)
    except psycopg.Error as exc:
        logger.exception("database error before the route ran")
        response = raw_problem(database_problem(exc), request.request_id)
    finally:
        if invocation is not None and invocation.tx is not None and invocation.tx.open:
            invocation.tx.rollback()
    if invocation is not None and invocation.refusal is not None:
        # The prelude refuses what it would have refused before the route ran.
        response = raw_problem(invocation.refusal, request.request_id)
    extra_headers.update(_standing_headers(invocation, refused_rate))
    headers = response.setdefault("headers", {})
    for name, value in extra_headers.items():
        headers.setdefault(name, value)
    status = int(response.get("statusCode", 500))
    org = str(invocation.org_id) if invocation and invocation.org_id else "none"
    emit_request_metrics(spec.route_key, org, status, time.perf_counter() - started)
    logger.info("request", extra={"status": status, "method": request.method, "path": request.path})
    return response


def _standing_headers(invocation: _Invocation | None, refused: ratelimit.RateState | None) -> dict[str, str]:
    """The RateLimit headers (once the count is known) and the payment warning (if any)."""
    rate = invocation.rate if invocation is not None else refused
    headers = rate.headers() if rate is not None else {}
    if invocation is not None and invocation.payment_warning:
        headers[standing.PAYMENT_WARNING_HEADER] = invocation.payment_warning
    return headers


def _authorize(spec: RouteSpec, event: dict[str, Any], request: RequestInfo) -> _Invocation:
    """Who is calling, in which org, with which scope of the route's permission (401/400/403)."""
    principal = _principal(event)
    org_id, role, deleted = (
        _select_org(principal, request) if spec.tenant else (principal.org_id, principal.role, False)
    )
    if spec.tenant and (org_id is None or role is None):
        raise BadRequest(
            "org_required", "Name the org with the X-Hearth-Org header or an org_id token claim."
        )
    if org_id is not None:
        logger.append_keys(org_id=str(org_id))
    if spec.tenant:
        mfa.refuse_without_mfa(principal, org_id)
        if deleted:
            _refuse_deleted_org(spec, principal)
    scope: rbac.Scope | None = None
    if spec.permission is not None:
        scope = rbac.scope(role, spec.permission, credential=principal.kind)
        if scope is None:
            raise Forbidden(
                "permission_denied", rbac.refusal(role, spec.permission, credential=principal.kind)
            )
    return _Invocation(request, principal, org_id, role, scope)


def _count_and_open(spec: RouteSpec, invocation: _Invocation) -> dict[str, str]:
    """Count the request, per credential and per user across orgs. A tenant route's count (and,
    for a write, the credential's standing: ``hearth.auth.standing``) is the prelude of its
    deferred transaction, sent with the route's first statements in one round trip; the answer
    is checked before the route sees any result (:func:`_prelude_heard`). Returns the RateLimit
    headers when already known (they are added to every answer once they are)."""
    org_id, principal = invocation.org_id, invocation.principal
    if not spec.tenant:
        invocation.rate = ratelimit.hit(
            org_id, principal.user_id, principal.credential, principal.rate_limit, enforce=False
        )
        invocation.refusal = invocation.rate.problem()
        if invocation.refusal is not None:
            raise invocation.refusal
        return invocation.rate.headers()
    write = spec.method not in _READS
    more = (standing.statement(principal),) if write else ()
    tx = db.database("app").begin(
        str(org_id),
        str(principal.user_id or ""),
        prelude=ratelimit.prelude(org_id, principal.user_id, principal.credential, more=more),
        audit_context=audit.context(principal.actor, invocation.request.meta),
        defer=True,
        read_only=not write,
    )
    tx.on_prelude = functools.partial(_prelude_heard, spec, invocation)
    invocation.tx = tx
    return {}


#: Methods whose routes only read: their transaction commits with its first round trip (the
#: count goes last in it), and they keep the authorizer cache's window for revocation (writes
#: re-check the credential).
_READS = frozenset({"GET", "HEAD"})


def _prelude_heard(
    spec: RouteSpec, invocation: _Invocation, rows: Sequence[dict[str, Any] | None], enforce: bool
) -> None:
    """The prelude's answer: the rate-limit windows, and for a write the credential's standing.
    Raises the refusal (if any) when ``enforce`` (before the route sees a result, or commits)."""
    principal = invocation.principal
    invocation.rate = ratelimit.RateState.of(rows[0] if rows else None, principal.rate_limit)
    refusal: Problem | None = None
    if len(rows) > 1:
        try:
            _check_standing(spec, invocation, rows[1])
        except Problem as problem:
            refusal = problem
    invocation.refusal = refusal or invocation.rate.problem()
    if enforce and invocation.refusal is not None:
        raise invocation.refusal


#: Routes a write of which is served to an org behind on payment (so that it can pay).
_BILLING_ROUTES = "/v1/billing"


def _check_standing(spec: RouteSpec, invocation: _Invocation, row: dict[str, Any] | None) -> None:
    """401/403 when the credential lost what the (cached) principal says it holds."""
    principal = invocation.principal
    role = standing.current_role(principal, row)
    if row is not None and row.get("org_deleted_at") is not None:
        _refuse_deleted_org(spec, principal, role)
    if not spec.path.startswith(_BILLING_ROUTES):
        invocation.payment_warning = standing.payment_standing(row)
    if spec.permission is None:
        return
    scope = rbac.scope(role, spec.permission, credential=principal.kind)
    if scope is None:
        raise Forbidden("permission_denied", rbac.refusal(role, spec.permission, credential=principal.kind))
    if scope != invocation.scope and scope == "own":
        raise Forbidden(
            "role_changed",
            f"Your role in this org is now {role}; this request was refused. Send it again in a minute.",
        )


def _count_refused(event: dict[str, Any]) -> ratelimit.RateState | None:
    """Count a request refused before it reached the count (400/403), per user, for its headers."""
    try:
        principal = _principal(event)
    except Unauthorized:
        return None
    try:
        return ratelimit.hit(
            None, principal.user_id, principal.credential, principal.rate_limit, enforce=False
        )
    except psycopg.Error:
        logger.exception("could not count a refused request")
        return None


def _check_input(event: dict[str, Any], request: RequestInfo) -> None:
    """413/415/400/422 for a body or parameter no route can take (``hearth.http.intake``)."""
    intake.check_parameters(request.query, "query")
    intake.check_parameters((event.get("pathParameters") or {}).items(), "path")
    intake.check(request.headers.get("content-type"), request.body)
    headers = event.get("headers")
    if isinstance(headers, dict):
        # The body is JSON: say so the way Powertools compares it (case-sensitively).
        for name in [k for k in headers if str(k).lower() == "content-type"]:
            headers[name] = intake.JSON_MEDIA_TYPE


def _forget_attempt(invocation: _Invocation, attempt: int) -> None:
    """After a route's transaction lost a deadlock or a serialization failure (rolled back, in
    the route or at commit), so that it runs again in a new one (each attempt counts against
    the rate limit). Safe because the kit owns the transaction and a route hands nothing on
    (events, replies) before its commit."""
    logger.warning("transaction conflict; running the route again", extra={"attempt": attempt})
    db.pause_after_conflict(attempt)
    invocation.tx = None
    invocation.ran = invocation.failed = invocation.conflict = False
    invocation.emitted = []


def _finish(tx: db.Transaction, invocation: _Invocation, response: dict[str, Any]) -> dict[str, Any]:
    """End the route's transaction: commit what a route that ran and answered below 500 did,
    then hand its events to the outbox relay; roll back everything else."""
    if not invocation.ran or invocation.failed or int(response.get("statusCode", 500)) >= 500:
        tx.rollback()
        return response
    try:
        tx.commit()
    except Problem as problem:  # the prelude refused it (the transaction is still open)
        tx.rollback()
        return raw_problem(problem, invocation.request.request_id)
    except psycopg.Error as exc:
        invocation.conflict = db.is_transaction_conflict(exc)
        if invocation.conflict:
            logger.warning("commit lost a transaction conflict")
        elif isinstance(exc, db.PreludeFailed):
            logger.exception("the rate-limit count and credential check failed")
        else:
            logger.exception("commit failed")
        return raw_problem(database_problem(exc), invocation.request.request_id)
    if invocation.emitted and invocation.org_id is not None:
        outbox.after_commit(invocation.org_id, invocation.emitted)
    return response


def _principal(event: dict[str, Any]) -> Principal:
    lambda_ctx = ((event.get("requestContext") or {}).get("authorizer") or {}).get("lambda") or {}
    try:
        return Principal.from_context(lambda_ctx)
    except (ValueError, TypeError) as exc:
        raise Unauthorized(
            "unauthenticated", "Send a valid API key or token as a Bearer credential."
        ) from exc


def _select_org(principal: Principal, request: RequestInfo) -> tuple[UUID | None, rbac.Role | None, bool]:
    """The org and role of this request, and whether the org is deleted.

    The gateway caches authorizer results by the Authorization header alone, so a cached
    principal may have been resolved for another ``X-Hearth-Org`` than this request names. When
    they differ, membership is checked here, for the org this request names.
    """
    try:
        header = org_header.requested_org(request.headers)
    except org_header.MalformedOrgHeader as exc:
        raise BadRequest("malformed_org_header", "X-Hearth-Org must be an org id (a UUID).") from exc
    if principal.kind == "api_key":
        if header and header != str(principal.org_id):
            raise Forbidden("wrong_org", "This API key belongs to another org.")
        return principal.org_id, principal.role, principal.org_deleted
    if principal.org_claim and header and header != principal.org_claim:
        raise Forbidden("wrong_org", "The token is scoped to another org.")
    if header == principal.requested_org:
        return principal.org_id, principal.role, principal.org_deleted
    if not header:
        # A cached result for a request that named an org; this one names none.
        if principal.org_claim:
            return principal.org_id, principal.role, principal.org_deleted
        return None, None, False
    role, deleted = membership.standing_in(header, principal.user_id)
    if role is None:
        raise Forbidden("not_a_member", "You are not a member of this org.")
    return UUID(header), role, deleted


#: What a deleted org (in its grace period) still serves, to its owners signed in.
_DELETED_ORG_ROUTES = frozenset({"POST /v1/orgs/current/restore"})


def _refuse_deleted_org(spec: RouteSpec, principal: Principal, role: str | None = None) -> None:
    """A deleted org serves its owners' signed-in sessions its restoration and nothing else: 401
    ``org_deleted`` for an API key, 403 for a user (the authorizer refuses them first; this
    judges a cached principal, and the standing re-read of a write)."""
    if principal.kind == "api_key":
        raise Unauthorized("org_deleted", "This API key's org was deleted.")
    owner = (role or (principal.role.value if principal.role else None)) == rbac.Role.OWNER
    if not owner or spec.route_key not in _DELETED_ORG_ROUTES:
        raise Forbidden(
            "org_deleted",
            "This org was deleted. Its owners may restore it (POST /v1/orgs/current/restore) during"
            " its grace period; nothing else is served.",
        )


def bind(fn: Callable[..., Any], spec: RouteSpec, resolver: APIGatewayHttpResolver) -> Callable[..., Any]:
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
            return shape(call(caller, kwargs), spec, caller.response_headers)
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
            emits=spec.has(needs.EVENTS),
        )
        try:
            return _run_in_transaction(ctx, kwargs)
        except BaseException as exc:
            inv.failed = True
            inv.conflict = db.is_transaction_conflict(exc)
            raise
        finally:
            inv.ran = True
            inv.emitted = ctx.emitted

    def _run_in_transaction(ctx: RequestContext, kwargs: dict[str, Any]) -> Response[Any]:
        request = ctx.request
        key = request.headers.get(idempotency.HEADER) if spec.idempotent else None
        if key is None:
            return shape(call(ctx, kwargs), spec, ctx.response_headers)
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
        response = shape(call(ctx, kwargs), spec, ctx.response_headers)
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
