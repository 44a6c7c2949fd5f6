"""API key rules: a key's role never exceeds its creator's, and it never outlives the credential
that created it (the signed-in user's token; API keys cannot create keys at all, see
``hearth.rbac``); members see and revoke their own keys; the secret is shown once and only its
keyed hash is stored."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from hearth import rbac
from hearth.api_keys import store
from hearth.api_keys.models import ApiKeyCreate, ApiKeyCreated
from hearth.auth import api_keys as secrets
from hearth.http import RequestContext
from hearth.problems import Forbidden, NotFound, Unauthorized, invalid


def visible_keys(ctx: RequestContext) -> list[tuple[str, list[object]]]:
    """The list's fixed condition: an "own" scope (members) sees only the keys it created."""
    return [("r.created_by = %s", [ctx.user_id])] if ctx.scope == "own" else []


def expiry(ctx: RequestContext, wanted: datetime | None) -> datetime | None:
    """The new key's expiry: ``wanted``, at most the creating credential's own (its default).

    A key made in a session ends with that session's token; one made by a key (should a role
    ever allow it), no later than that key. So a stolen short-lived credential cannot be turned
    into a lasting one."""
    limit = ctx.principal.expires_at
    if limit is None:
        if ctx.principal.kind == "user":  # every token has an expiry; a context without one is stale
            raise Unauthorized("session_expiry_unknown", "Sign in again to create an API key.")
        return wanted
    ceiling = datetime.fromtimestamp(limit, UTC)
    if ceiling <= datetime.now(UTC):  # a token accepted within the clock-skew leeway
        raise Unauthorized("credential_expired", "Your credential has expired; sign in again.")
    if wanted is None:
        return ceiling
    if wanted > ceiling:
        raise invalid(
            "expires_at",
            f"Must not be later than {ceiling.isoformat()}, when the credential creating the key expires.",
            "after_credential_expiry",
        )
    return wanted


def create(ctx: RequestContext, body: ApiKeyCreate) -> ApiKeyCreated:
    if not rbac.at_most(body.role, ctx.role):
        raise Forbidden("role_above_yours", f"A key cannot have a role above yours ({ctx.role}).")
    assert ctx.user_id is not None
    expires_at = expiry(ctx, body.expires_at)
    secret, prefix = secrets.generate()
    row = store.insert(
        ctx.db,
        name=body.name,
        prefix=prefix,
        key_hash=secrets.digest(secret),
        role=body.role,
        created_by=ctx.user_id,
        expires_at=expires_at,
    )
    ctx.audit(
        "api_key.create",
        "api_key",
        row["id"],
        changes={
            "name": body.name,
            "role": body.role.value,
            "expires_at": row["expires_at"] and row["expires_at"].isoformat(),
        },
    )
    ctx.response_headers["Location"] = f"/v1/api-keys/{row['id']}"
    return ApiKeyCreated(**row, secret=secret)


def revoke(ctx: RequestContext, key_id: UUID) -> None:
    row = store.get(ctx.db, key_id)
    if row is None or not ctx.owns(row["created_by"]):
        # Another member's key is as invisible to a member as another org's key.
        raise NotFound("api_key", key_id)
    if row["revoked_at"] is None:
        store.revoke(ctx.db, key_id)
        ctx.audit("api_key.revoke", "api_key", key_id, changes={"name": row["name"]})
