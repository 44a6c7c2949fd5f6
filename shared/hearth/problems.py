"""RFC 9457 problem details: the one shape of every error Hearth returns.

Domain code raises a :class:`Problem` subclass; the route kit renders it as
``application/problem+json`` with ``type``, ``title``, ``status``, ``detail``, ``code``,
``errors[]`` and ``request_id``::

    raise NotFound("company", company_id)
    raise Conflict("domain_taken", "Another live company already uses this domain.")
"""

from __future__ import annotations

from typing import Any

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:hearth:problem:"

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    428: "Precondition Required",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class Problem(Exception):
    """An error with an HTTP status and a stable machine-readable ``code``."""

    status = 500
    default_code = "internal_error"

    def __init__(
        self,
        code: str | None = None,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        status: int | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        self.code = code or self.default_code
        #: More members of the document (RFC 9457 extensions: a quota's ``limit`` and ``resets_at``).
        self.extensions = extensions or {}
        if status is not None:
            self.status = status
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}
        super().__init__(detail or self.code)

    def document(self, request_id: str | None) -> dict[str, Any]:
        """The problem document (RFC 9457 members plus Hearth's extensions)."""
        doc: dict[str, Any] = {
            "type": PROBLEM_TYPE_PREFIX + self.code,
            "title": _TITLES.get(self.status, "Error"),
            "status": self.status,
            "code": self.code,
        }
        if self.detail:
            doc["detail"] = self.detail
        if self.errors:
            doc["errors"] = self.errors
        for name, value in self.extensions.items():
            doc.setdefault(name, value)
        doc["request_id"] = request_id
        return doc


class BadRequest(Problem):
    status = 400
    default_code = "bad_request"


class Unauthorized(Problem):
    status = 401
    default_code = "unauthenticated"


class PaymentRequired(Problem):
    """402: the org's plan does not cover this (a monthly allowance is used up)."""

    status = 402
    default_code = "quota_exceeded"


class Forbidden(Problem):
    status = 403
    default_code = "forbidden"


class NotFound(Problem):
    """404 for a resource that does not exist *for this tenant* (another tenant's id included)."""

    status = 404
    default_code = "not_found"

    def __init__(self, resource: str = "resource", resource_id: object = None, **kwargs: Any) -> None:
        detail = (
            f"No {resource} with id {resource_id}." if resource_id is not None else f"No such {resource}."
        )
        super().__init__(
            kwargs.pop("code", None) or f"{resource.replace(' ', '_')}_not_found", detail, **kwargs
        )


class Conflict(Problem):
    status = 409
    default_code = "conflict"


class PreconditionFailed(Problem):
    status = 412
    default_code = "precondition_failed"


class Unprocessable(Problem):
    status = 422
    default_code = "validation_failed"


class TooManyRequests(Problem):
    status = 429
    default_code = "rate_limited"


def field_error(field: str, message: str, code: str = "invalid", location: str = "body") -> dict[str, Any]:
    """One entry of ``errors[]``: which field, where, why."""
    pointer = "/" + field.replace(".", "/") if field else ""
    return {"field": field, "in": location, "pointer": pointer, "code": code, "message": message}


def invalid(field: str, message: str, code: str = "invalid", location: str = "body") -> Unprocessable:
    """A 422 naming one invalid field."""
    return Unprocessable(
        "validation_failed",
        "The request has invalid fields.",
        errors=[field_error(field, message, code, location)],
    )
