"""The route kit: declare a route, get auth, tenancy, validation, errors and observability."""

from hearth.http.api import Api
from hearth.http.context import Caller, RequestContext, RequestInfo
from hearth.http.pagination import DEFAULT_LIMIT, MAX_LIMIT, Cursor, Limit, Page
from hearth.http.spec import Reply, RouteSpec

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "Api",
    "Caller",
    "Cursor",
    "Limit",
    "Page",
    "Reply",
    "RequestContext",
    "RequestInfo",
    "RouteSpec",
]
