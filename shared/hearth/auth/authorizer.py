"""The authorizer's decision: who is calling, in which org, with which role.

Accepts ``Authorization: Bearer <token>`` where the token is an identity-provider JWT or an API
key (``hk_…``). A user picks the org per request (the token's ``org_id`` claim or the
``X-Hearth-Org`` header) and must be a member of it; an API key belongs to one org, and acts
with the lower of its own role and its creator's current role. A user's email is stored only
when the identity provider marks it verified, refreshed at every sign-in, and held by one
identity at a time (the one it was last verified for); invitations match it::

    principal = authorize({"authorization": "Bearer hk_…"})
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import psycopg

from hearth import db, plans, rbac
from hearth.auth import api_keys, cognito, org_header, sessions, store, tokens
from hearth.principal import Principal
from hearth.settings import settings


class Denied(Exception):
    """The request is not authorized; ``reason`` is logged, never shown."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_configuration() -> None:
    """Fail at cold start when credentials cannot be checked."""
    tokens.check_configuration()
    settings().require("api_key_pepper", "api_key_pepper_parameter")


def authorize(headers: dict[str, str], *, source_ip: str | None = None) -> Principal:
    """Resolve the principal from the request headers (lowercased names) or raise :class:`Denied`.
    ``source_ip`` is recorded with a new sign-in session."""
    scheme, _, credential = (headers.get("authorization") or "").strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise Denied("missing_credentials")
    try:
        requested_org = org_header.requested_org(headers)
    except org_header.MalformedOrgHeader as exc:
        raise Denied("malformed_org_header") from exc
    if api_keys.looks_like_key(credential):
        return _api_key_principal(credential, requested_org)
    return _user_principal(credential, requested_org, headers, source_ip)


def _api_key_principal(secret: str, requested_org: str) -> Principal:
    if not api_keys.well_formed(secret):
        raise Denied("malformed_api_key")
    with db.system_transaction() as conn:
        row = store.api_key_by_hash(conn, api_keys.digest(secret))
    if row is None:
        raise Denied("unknown_api_key")
    if row["revoked_at"] is not None:
        raise Denied("api_key_revoked")
    if row["expired"]:
        raise Denied("api_key_expired")
    if row["creator_role"] is None:
        raise Denied("api_key_creator_not_a_member")
    if requested_org and requested_org != str(row["org_id"]):
        raise Denied("api_key_wrong_org")
    if row["org_deleted_at"] is not None:
        raise Denied("org_deleted")
    return Principal(
        kind="api_key",
        user_id=row["created_by"],
        api_key_id=row["id"],
        org_id=row["org_id"],
        role=rbac.lesser(row["role"], row["creator_role"]),
        rate_limit=plans.requests_per_minute(row["plan"]),
        requested_org=requested_org,
        expires_at=int(row["expires_at"].timestamp()) if row["expires_at"] is not None else None,
    )


def _user_principal(
    token: str, requested_org: str, headers: dict[str, str], source_ip: str | None
) -> Principal:
    try:
        claims = tokens.verify(token)
    except tokens.TokenError as exc:
        raise Denied(exc.reason) from exc
    org = requested_org
    if claims.org_id:
        try:
            claim_org = str(UUID(claims.org_id))
        except ValueError as exc:
            raise Denied("malformed_org_claim") from exc
        if org and org != claim_org:
            raise Denied("org_header_contradicts_token")
        org = claim_org

    def session(conn: db.Connection, row: dict[str, Any]) -> sessions.Verdict:
        assert claims.session_id is not None
        return sessions.check(
            conn,
            user_id=row["user_id"],
            session_id=claims.session_id,
            client_id=claims.client_id,
            org_id=org or None,
            ip=source_ip,
            user_agent=headers.get("user-agent"),
        )

    # One transaction: the user, and (a user pool sign-in) its session, judged and touched.
    row, verdict = _signed_in(
        claims,
        org,
        email=claims.verified_email,
        refresh_email=claims.email is not None,
        then=session if claims.session_id else None,
    )
    if row.get("user_deleted_at") is not None:
        raise Denied("user_deleted")
    if verdict is not None:
        if verdict.refused:
            raise Denied(verdict.refused)
        if verdict.stale_profile:
            verdict = _refresh_profile(claims, org, row["user_id"], verdict)
    if org and row["role"] is None:
        raise Denied("not_a_member")
    # A deleted org (in its grace period) is reached by its owners only, to restore it.
    org_deleted = bool(org and row["org_deleted_at"] is not None)
    if org_deleted and row["role"] != rbac.Role.OWNER:
        raise Denied("org_deleted")
    return Principal(
        kind="user",
        user_id=row["user_id"],
        api_key_id=None,
        org_id=UUID(org) if org else None,
        role=rbac.Role(row["role"]) if row["role"] else None,
        rate_limit=plans.requests_per_minute(row["plan"] or plans.FREE),
        requested_org=requested_org,
        org_claim=org if claims.org_id else "",
        expires_at=claims.expires_at,
        mfa_enrolled=verdict.mfa_enrolled if verdict else None,
        mfa_missing=bool(org and verdict and verdict.mfa_required and not verdict.mfa_enrolled),
        session_id=verdict.session if verdict else None,
        org_deleted=org_deleted,
    )


def _signed_in(
    claims: tokens.Claims,
    org: str,
    *,
    email: str | None,
    refresh_email: bool,
    then: Callable[[db.Connection, dict[str, Any]], sessions.Verdict] | None = None,
) -> tuple[dict[str, Any], sessions.Verdict | None]:
    """The user's row (provisioned, email kept current) and what ``then`` made of it in the same
    transaction (committed even when it refuses: an idle session is ended for good)."""
    for _attempt in range(3):  # a concurrent sign-in of the same user or address: try again
        try:
            with db.system_transaction() as conn:
                row = store.sign_in(
                    conn,
                    subject=claims.subject,
                    email=email,
                    refresh_email=refresh_email,
                    name=claims.name,
                    org_id=org or None,
                )
                verdict = then(conn, row) if then is not None and row is not None else None
        except psycopg.errors.UniqueViolation:
            continue
        if row is not None:
            return row, verdict
    raise Denied("user_not_provisioned")


def _refresh_profile(
    claims: tokens.Claims, org: str, user_id: UUID, verdict: sessions.Verdict
) -> sessions.Verdict:
    """A new sign-in: read the user's verified email and second factors from the user pool (an
    access token carries neither) and keep them. A failure refuses the request; the next one
    tries again (the profile stays stale until read)."""
    try:
        state = cognito.user_state(claims.username or claims.subject)
    except cognito.UserNotFound as exc:
        raise Denied("user_not_in_pool") from exc
    except Exception as exc:  # the pool unreachable: refuse rather than guess MFA
        raise Denied("user_pool_unavailable") from exc
    if not state.enabled:
        raise Denied("user_disabled")
    _signed_in(claims, org, email=state.email if state.email_verified else None, refresh_email=True)
    with db.system_transaction() as conn:
        sessions.set_mfa(conn, user_id, state.mfa)
    return sessions.Verdict(verdict.session, None, False, bool(state.mfa), verdict.mfa_required)
