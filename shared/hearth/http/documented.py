"""What a route's OpenAPI operation says besides its models — and the kit holding the route to it.

* **Headers.** ``X-Hearth-Org`` (tenant routes), ``Idempotency-Key`` (tenant POST routes) and
  ``If-Match`` (tenant PATCH, PUT and DELETE routes, and restores) are documented parameters,
  with the grammar the kit checks; a route checks the format of every header it documents, even
  one its logic does not read, so a malformed value is refused wherever the document names it.
* **Gateway answers.** API Gateway answers 401 and 403 itself (``{"message": …}`` as
  ``application/json``) on every secured route; the document says so next to the problems.
* **Query parameters** are strings or absent: the ``null`` pydantic offers for an optional
  parameter is not something a query string can carry, so it is not documented.
* **Bodies** are validated strictly (``hearth.http.inputs.strict_body``).

``route_function(bound, spec)`` wraps the function Powertools calls; ``complete(document, spec)``
finishes the operation Powertools generated.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel

from hearth.http import idempotency
from hearth.http.inputs import strict_annotation
from hearth.http.spec import RouteSpec
from hearth.problems import BadRequest

UUID_PATTERN = "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
#: ``X-Hearth-Org``: an org id, or empty (the same as not sending it).
ORG_PATTERN = "^(?:[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})?$"
#: ``If-Match``: ``*`` or one ETag of this API (``"3"``; weak ``W/"3"`` and bare ``3`` are taken).
IF_MATCH_PATTERN = '^(?:\\*|(?:W/)?"[0-9]{1,18}"|[0-9]{1,18})$'
#: ``Idempotency-Key``: 1 to 255 visible ASCII characters (spaces inside).
KEY_PATTERN = "^[!-~](?:[ -~]*[!-~])?$"
#: What HTTP trims around a header value.
_OWS = " \t"


def reads_if_match(spec: RouteSpec) -> bool:
    return spec.tenant and (spec.method in ("PATCH", "PUT", "DELETE") or spec.path.endswith("/restore"))


def takes_idempotency_key(spec: RouteSpec) -> bool:
    return spec.tenant and spec.idempotent


def header_parameters(spec: RouteSpec) -> list[dict[str, Any]]:
    """The OpenAPI header parameters of a route."""
    params: list[dict[str, Any]] = []
    if spec.tenant:
        params.append(
            {
                "name": "X-Hearth-Org",
                "in": "header",
                "required": False,
                "description": "The org to act in, by id (a user's token; an API key acts in its own "
                "org). Required unless the token carries an `org_id` claim; empty is the same as absent.",
                "schema": {"type": "string", "pattern": ORG_PATTERN},
            }
        )
    if takes_idempotency_key(spec):
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Make the request safe to retry: the same key and body within 24 hours "
                "replay the first answer; the same key with another body is a 422.",
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": idempotency.MAX_KEY_LENGTH,
                    "pattern": KEY_PATTERN,
                },
            }
        )
    if reads_if_match(spec):
        params.append(
            {
                "name": "If-Match",
                "in": "header",
                "required": False,
                "description": 'The ETag of the version you read (like `"3"`), or `*`: 412 when the '
                "resource has changed since.",
                "schema": {"type": "string", "pattern": IF_MATCH_PATTERN},
            }
        )
    return params


def check_headers(spec: RouteSpec, headers: Mapping[str, str]) -> None:
    """400 for a documented header in a form the document does not allow (``X-Hearth-Org`` is
    checked before the route runs, with the principal)."""
    lowered = {k.lower(): v.strip(_OWS) for k, v in headers.items()}
    if_match = lowered.get("if-match")
    if reads_if_match(spec) and if_match is not None and not re.search(IF_MATCH_PATTERN, if_match):
        raise BadRequest("invalid_if_match", 'If-Match must be an ETag returned by this API, like "3".')
    key = lowered.get(idempotency.HEADER)
    if (
        takes_idempotency_key(spec)
        and key is not None
        and (len(key) > idempotency.MAX_KEY_LENGTH or not re.search(KEY_PATTERN, key))
    ):
        raise BadRequest(
            "invalid_idempotency_key",
            f"Idempotency-Key must be 1 to {idempotency.MAX_KEY_LENGTH} visible ASCII characters.",
        )


def route_function(
    bound: Callable[..., Any], spec: RouteSpec, headers: Callable[[], Mapping[str, str]]
) -> Callable[..., Any]:
    """``bound`` as Powertools should call it: its body validated strictly, the documented
    headers checked first (``headers()`` are the request's)."""
    signature = inspect.signature(bound)
    params = [
        p.replace(annotation=strict_annotation(p.annotation, Body()))
        if isinstance(p.annotation, type) and issubclass(p.annotation, BaseModel)
        else p
        for p in signature.parameters.values()
    ]

    @functools.wraps(bound)
    def checked(**kwargs: Any) -> Any:
        check_headers(spec, headers())
        return bound(**kwargs)

    checked.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    checked.__annotations__ = {
        **getattr(bound, "__annotations__", {}),
        **{p.name: p.annotation for p in params},
    }
    return checked


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    branches = [b for b in schema.get("anyOf", ()) if b != {"type": "null"}]
    if "anyOf" not in schema or len(branches) == len(schema["anyOf"]):
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    if rest.get("default", ...) is None:
        del rest["default"]
    return {**branches[0], **rest} if len(branches) == 1 else {**rest, "anyOf": branches}


#: What API Gateway itself answers when a request has no credentials (401) or the authorizer
#: refuses them (403), before any function runs.
GATEWAY_MESSAGE = {
    "type": "object",
    "properties": {"message": {"type": "string"}},
    "required": ["message"],
    "description": "API Gateway's own answer: no credentials (401), or credentials refused (403).",
}


def add_parameters(
    document: dict[str, Any],
    spec: RouteSpec,
    parameters: Sequence[dict[str, Any]],
    schemas: Mapping[str, Any],
) -> dict[str, Any]:
    """Add the ``parameters`` a route reads itself (and the component ``schemas`` they refer to)
    to its operation in a finished document (JSON Schema beyond what Powertools' models take)."""
    if not parameters:
        return document
    document.setdefault("components", {}).setdefault("schemas", {}).update(schemas)
    operation = document["paths"][spec.path][spec.method.lower()]
    operation.setdefault("parameters", []).extend(parameters)
    return document


def complete(document: dict[str, Any], spec: RouteSpec) -> dict[str, Any]:
    """Finish the route's operation in the document Powertools generated (see the module doc)."""
    for methods in document.get("paths", {}).values():
        for operation in methods.values():
            for status in ("401", "403"):
                response = operation.get("responses", {}).get(status)
                if response is not None and operation.get("security"):
                    response.setdefault("content", {})["application/json"] = {"schema": GATEWAY_MESSAGE}
            params = operation.get("parameters", [])
            for param in params:
                if param.get("in") in ("query", "header", "path") and "schema" in param:
                    param["schema"] = _without_null(param["schema"])
            names = {(p["in"], p["name"].lower()) for p in params}
            params.extend(p for p in header_parameters(spec) if (p["in"], p["name"].lower()) not in names)
            if params:
                operation["parameters"] = params
    return document
