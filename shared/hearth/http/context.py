"""What a route's logic gets: who is calling, in which org, with which scope, and the open
tenant transaction. It knows nothing of API Gateway::

    def update_current(ctx: RequestContext, body: OrgUpdate) -> Org:
        ctx.check_if_match(current_version)
        ctx.audit("org.update", "org", ctx.org_id, changes=...)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from hearth import audit, rbac
from hearth.db import Connection
from hearth.observability import logger
from hearth.outbox.effects import TransactionEffects
from hearth.principal import Principal
from hearth.problems import BadRequest, Forbidden, PreconditionFailed
from hearth.settings import settings


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """The HTTP facts of one request (lowercased header names)."""

    request_id: str
    method: str
    path: str
    headers: dict[str, str]
    source_ip: str | None
    user_agent: str | None
    body: bytes
    #: The query string as (name, value) pairs, in order, repeated names kept (list filters).
    query: tuple[tuple[str, str], ...] = ()

    @property
    def meta(self) -> audit.RequestMeta:
        return audit.RequestMeta(request_id=self.request_id, ip=self.source_ip, user_agent=self.user_agent)


@dataclass
class Caller:
    """The context of a route that runs outside any tenant (org creation): who is calling.
    No transaction is opened for it."""

    principal: Principal
    request: RequestInfo
    response_headers: dict[str, str] = field(default_factory=dict)


def etag(version: int) -> str:
    return f'"{version}"'


def stale(current_version: int) -> PreconditionFailed:
    """412: the record is no longer at the version the client named (its current ETag attached)."""
    return PreconditionFailed(
        "stale_version",
        f"The resource changed (now at version {current_version}); fetch it and retry.",
        headers={"ETag": etag(current_version)},
    )


@dataclass
class RequestContext(TransactionEffects):
    principal: Principal
    org_id: UUID
    role: rbac.Role
    scope: rbac.Scope
    db: Connection
    request: RequestInfo
    response_headers: dict[str, str] = field(default_factory=dict)
    emitted: list[UUID] = field(default_factory=list)
    #: Whether the route declared ``needs.EVENTS`` (it is deployed with the dispatch queue).
    emits: bool = True

    @property
    def actor(self) -> tuple[str, str]:
        return self.principal.actor

    @property
    def request_id(self) -> str:
        return self.request.request_id

    @property
    def user_id(self) -> UUID | None:
        """The user behind the request (for an API key, the user who created it)."""
        return self.principal.user_id

    def can(self, permission: str) -> rbac.Scope | None:
        return rbac.scope(self.role, permission, credential=self.principal.kind)

    def require(self, permission: str) -> rbac.Scope:
        """The scope of ``permission``, or 403."""
        scope = self.can(permission)
        if scope is None:
            raise Forbidden(
                "permission_denied", rbac.refusal(self.role, permission, credential=self.principal.kind)
            )
        return scope

    def owns(self, owner_id: UUID | str | None) -> bool:
        """True when the route's scope covers a record owned/created by ``owner_id``."""
        return self.scope == "all" or (owner_id is not None and str(owner_id) == str(self.user_id))

    def emit(
        self,
        type: str,
        resource_type: str,
        resource_id: object = None,
        data: dict[str, Any] | None = None,
    ) -> UUID:
        """Write a domain event into the outbox in this transaction (published after commit).

        A route that emits must declare ``needs.EVENTS``, or its relay would have no queue to
        publish to: locally and in tests that is an error; deployed, the sweep still publishes
        the event within a minute, so it is logged instead of failing the request."""
        if not self.emits:
            message = f"{self.request.method} {self.request.path} emits {type} without needs.EVENTS"
            if settings().stage in ("local", "test"):
                raise RuntimeError(message)
            logger.error(message)
        return super().emit(type, resource_type, resource_id, data)

    def set_etag(self, version: int) -> None:
        self.response_headers["ETag"] = etag(version)

    def if_match(self) -> int | None:
        """The version named by ``If-Match`` (``None`` when absent or ``*``)."""
        raw = self.request.headers.get("if-match", "").strip()
        if not raw or raw == "*":
            return None
        value = raw.removeprefix("W/").strip('"')
        if not value.isdigit():
            raise BadRequest("invalid_if_match", 'If-Match must be an ETag returned by this API, like "3".')
        return int(value)

    def check_if_match(self, current_version: int) -> None:
        """412 when ``If-Match`` names another version than the current one."""
        wanted = self.if_match()
        if wanted is not None and wanted != current_version:
            raise stale(current_version)
