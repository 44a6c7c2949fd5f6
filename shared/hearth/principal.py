"""Who is calling: the principal the authorizer puts in the request context.

The authorizer returns it as flat string values (API Gateway's authorizer context holds only
scalars); route functions read it back with :func:`Principal.from_context`::

    principal = Principal.from_context(event["requestContext"]["authorizer"]["lambda"])
    principal.actor   # ("user", "0b9…") or ("api_key", "5c1…")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from hearth import rbac

Kind = Literal["user", "api_key"]


@dataclass(frozen=True, slots=True)
class Principal:
    kind: Kind
    user_id: UUID | None  # the user, or for an API key the user who created it
    api_key_id: UUID | None
    org_id: UUID | None  # None: a user token that named no org (only org creation accepts it)
    role: rbac.Role | None
    rate_limit: int
    requested_org: str = ""  # the X-Hearth-Org header the authorizer saw ("" when absent)
    org_claim: str = ""  # the token's org_id claim ("" when absent)
    #: When this credential stops being accepted (Unix time): the token's ``exp``, or the API
    #: key's expiry; ``None`` for a key that does not expire. Nothing it creates may outlive it.
    expires_at: int | None = None
    #: A user signed in through the user pool: whether a second factor is enrolled (None when not
    #: known: API keys, other identity providers). ``mfa_missing``: the org requires one and the
    #: user has none, so the route kit refuses tenant routes with 403 ``mfa_required``.
    mfa_enrolled: bool | None = None
    mfa_missing: bool = False
    #: The user pool sign-in session this request belongs to (``user_sessions.id``), if any.
    session_id: UUID | None = None
    #: The org is deleted (in its grace period): only an owner, signed in, gets a principal, and
    #: the route kit serves it the org's restoration and nothing else (``hearth.lifecycle``).
    org_deleted: bool = False

    @property
    def actor(self) -> tuple[Kind, str]:
        """``(actor_type, actor_id)`` for audit rows and domain events."""
        if self.kind == "api_key":
            return "api_key", str(self.api_key_id)
        return "user", str(self.user_id)

    @property
    def credential(self) -> str:
        """A stable identifier of the credential (rate limits, idempotency keys)."""
        return f"key:{self.api_key_id}" if self.kind == "api_key" else f"user:{self.user_id}"

    def to_context(self) -> dict[str, str | int]:
        """The authorizer context (flat scalars)."""
        role = self.role.value if self.role else ""
        return {
            "kind": self.kind,
            "user_id": str(self.user_id or ""),
            "api_key_id": str(self.api_key_id or ""),
            "org_id": str(self.org_id or ""),
            "role": role,
            "permissions": ",".join(rbac.permissions(role, credential=self.kind)) if role else "",
            "rate_limit": self.rate_limit,
            "requested_org": self.requested_org,
            "org_claim": self.org_claim,
            "expires_at": "" if self.expires_at is None else self.expires_at,
            "mfa_enrolled": "" if self.mfa_enrolled is None else str(self.mfa_enrolled).lower(),
            "mfa_missing": "true" if self.mfa_missing else "",
            "session_id": str(self.session_id or ""),
            "org_deleted": "true" if self.org_deleted else "",
        }

    @classmethod
    def from_context(cls, ctx: dict[str, Any]) -> Principal:
        """Parse the authorizer context; raises ``ValueError`` when it is not a principal."""

        def uuid_or_none(key: str) -> UUID | None:
            value = ctx.get(key) or ""
            return UUID(str(value)) if value else None

        kind = ctx.get("kind")
        if kind not in ("user", "api_key"):
            raise ValueError("authorizer context carries no principal")
        role = ctx.get("role") or None
        return cls(
            kind=kind,
            user_id=uuid_or_none("user_id"),
            api_key_id=uuid_or_none("api_key_id"),
            org_id=uuid_or_none("org_id"),
            role=rbac.Role(role) if role else None,
            rate_limit=int(ctx.get("rate_limit") or 0),
            requested_org=str(ctx.get("requested_org") or ""),
            org_claim=str(ctx.get("org_claim") or ""),
            expires_at=int(ctx["expires_at"]) if ctx.get("expires_at") not in (None, "") else None,
            mfa_enrolled=None if ctx.get("mfa_enrolled") in (None, "") else ctx["mfa_enrolled"] == "true",
            mfa_missing=ctx.get("mfa_missing") == "true",
            session_id=uuid_or_none("session_id"),
            org_deleted=ctx.get("org_deleted") == "true",
        )
