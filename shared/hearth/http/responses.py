"""How the kit answers: RFC 9457 problems (from a ``Problem``, a validation error or a database
error), results shaped as API Gateway responses, and the problem responses each route documents
in OpenAPI::

    problem_response(NotFound("company", company_id), request_id)   # a Powertools Response
    raw_problem(problem, request_id)                                 # an API Gateway v2 result
    shape(result, spec, headers)                                     # a route's return value
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import psycopg
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import BaseModel

from hearth.http.spec import Reply, RouteSpec
from hearth.problems import (
    PROBLEM_CONTENT_TYPE,
    BadRequest,
    Conflict,
    NotFound,
    Problem,
    Unprocessable,
    field_error,
)

JSON = "application/json"


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
    402: "The plan does not cover this: a monthly allowance is used up (`quota_exceeded`), every seat"
    " is taken (`seat_limit_reached`), or a payment is overdue past its grace period"
    " (`payment_required`).",
    403: "The caller's role does not allow this.",
    404: "No such resource in this org.",
    409: "Conflict (duplicate, last owner, a concurrent update, or the same Idempotency-Key still in"
    " progress).",
    412: "If-Match names a stale version.",
    413: "The request body is too large.",
    415: "The request body is not JSON (send Content-Type: application/json).",
    422: "Invalid fields (see errors[]), or an Idempotency-Key reused with another body.",
    429: "Rate limit reached; see Retry-After.",
    500: "Unexpected error; nothing internal is shown.",
    502: "A provider the route calls (Stripe, GitHub) failed or did not answer as expected"
    " (e.g. `github_unavailable`); try again in a minute.",
    503: "A provider the route calls asks to wait or did not answer (e.g. `github_rate_limited`);"
    " nothing was changed; see Retry-After.",
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


def documented_responses(spec: RouteSpec) -> dict[int, Any]:
    """The OpenAPI responses of a route: its success statuses and the problems it may answer."""
    statuses = [400, 401, 403, 422, 500]
    if "{" in spec.path:
        statuses.append(404)
    if spec.method in ("POST", "PUT", "PATCH", "DELETE"):
        statuses.append(409)
    if spec.method in ("PATCH", "DELETE", "PUT"):
        statuses.append(412)
    if spec.tenant:
        statuses.append(429)
    if spec.body_model is not None:
        statuses.extend((413, 415))
    statuses.extend(spec.refuses)
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


def problem_response(problem: Problem, request_id: str | None) -> Response[Any]:
    return Response(
        status_code=problem.status,
        content_type=PROBLEM_CONTENT_TYPE,
        body=json.dumps(problem.document(request_id)),
        headers=problem.headers,
    )


def raw_problem(problem: Problem, request_id: str) -> dict[str, Any]:
    """A problem as an API Gateway v2 response (for failures before the resolver runs)."""
    return {
        "statusCode": problem.status,
        "headers": {"Content-Type": PROBLEM_CONTENT_TYPE, **problem.headers},
        "body": json.dumps(problem.document(request_id)),
        "isBase64Encoded": False,
    }


def validation_problem(exc: RequestValidationError) -> Problem:
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


def database_problem(exc: psycopg.Error) -> Problem:
    """Integrity errors that slipped past domain checks, as client errors that change nothing."""
    if exc.sqlstate is not None and exc.sqlstate.startswith("40"):
        # Transaction rollback (deadlock, serialization failure): nothing was changed.
        return Conflict(
            "concurrent_update",
            "Another request changed this at the same time; retry.",
            headers={"Retry-After": "1"},
        )
    for kind, make in _DATABASE_PROBLEMS:
        if isinstance(exc, kind):
            return make()
    return Problem()


def dump(body: Any) -> Any:
    if isinstance(body, BaseModel):
        return body.model_dump(mode="json", by_alias=True)
    if isinstance(body, list):
        return [dump(item) for item in body]
    return body


def shape(result: Any, spec: RouteSpec, headers: dict[str, str]) -> Response[Any]:
    """A route's return value as a response: a model (the route's status), ``None`` (204 unless
    the route declares another status) or a :class:`Reply`."""
    if isinstance(result, Reply):
        return Response(
            status_code=result.status,
            content_type=JSON,
            body=dump(result.body),
            headers={**headers, **(result.headers or {})},
        )
    if result is None:
        return Response(status_code=204 if spec.status_code == 200 else spec.status_code, headers=headers)
    return Response(status_code=spec.status_code, content_type=JSON, body=dump(result), headers=headers)
