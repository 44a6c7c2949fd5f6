"""The caller's own account: profile and MFA state, sign-in sessions, signing out. Users only
(an API key has no sessions and no second factor). Org security settings: see ``org_security``."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from hearth import clock
from hearth.auth import cognito
from hearth.auth import sessions as auth_sessions
from hearth.http import Caller
from hearth.http.pagination import Page, decode_typed_cursor, paginate
from hearth.identity import store
from hearth.identity.models import Me, Mfa, Session, SignedOut
from hearth.observability import logger
from hearth.problems import Forbidden, NotFound
from hearth.settings import settings


def _user(caller: Caller) -> UUID:
    principal = caller.principal
    if principal.kind != "user" or principal.user_id is None:
        raise Forbidden("users_only", "Only a signed-in user has an account here; API keys do not.")
    return principal.user_id


def _subject(caller: Caller) -> str | None:
    """The user pool's name of the caller: its ``sub`` (the pool signs in by email and names each
    user by its ``sub``)."""
    with store.user_transaction(_user(caller)) as conn:
        row = conn.execute("SELECT idp_subject FROM users WHERE id = %s", (_user(caller),)).fetchone()
    return row["idp_subject"] if row else None


def me(caller: Caller) -> Me:
    """The caller, with MFA state read from the user pool now (and kept for the authorizer)."""
    user_id = _user(caller)
    state = None
    if settings().cognito_user_pool_id:
        subject = _subject(caller)
        try:
            state = cognito.user_state(subject) if subject else None
        except cognito.UserNotFound:
            state = None
    with store.user_transaction(user_id) as conn:
        if state is not None:
            auth_sessions.set_mfa(conn, user_id, state.mfa)
        row = store.me(conn, user_id)
    if row is None:
        raise NotFound("user", user_id)
    mfa = None
    if settings().cognito_user_pool_id:
        mfa = Mfa(
            enabled=bool(row["mfa_methods"]),
            methods=row["mfa_methods"],
            preferred=state.preferred_mfa if state else None,
            checked_at=row["mfa_checked_at"],
        )
    return Me(id=row["id"], email=row["email"], name=row["name"], mfa=mfa)


def _session(row: dict[str, Any], current: UUID | None) -> Session:
    return Session.model_validate({**row, "current": row["id"] == current})


def sessions(caller: Caller, limit: int, cursor: str | None) -> Page[Session]:
    user_id = _user(caller)
    after = None
    if cursor:
        created_at, session_id = decode_typed_cursor(cursor, (datetime, UUID))
        after = (created_at, session_id)
    with store.user_transaction(user_id) as conn:
        rows = store.sessions(conn, user_id, limit + 1, after)
    page, next_cursor = paginate(rows, limit, ("created_at", "id"))
    current = caller.principal.session_id
    return Page[Session](data=[_session(r, current) for r in page], next_cursor=next_cursor)


def sign_out(caller: Caller, session_id: UUID) -> None:
    """End one of the caller's sessions: every access token of that sign-in is refused from now
    (within the gateway's 30-second cache of the authorizer's answer). Ending one already ended
    is a no-op; another user's session is not found."""
    user_id = _user(caller)
    with store.user_transaction(user_id) as conn:
        row = store.end_session(conn, user_id, session_id, "signed_out", clock.now())
        if row is not None and row["ended_now"]:
            auth_sessions.record_event(
                conn, user_id, "session_ended", {"reason": "signed_out", "session_id": str(session_id)}
            )
    if row is None:
        raise NotFound("session", session_id)


def sign_out_everywhere(caller: Caller) -> SignedOut:
    """End every session of the caller and revoke all their refresh tokens in the user pool
    (AdminUserGlobalSignOut), so no sign-in can be refreshed or used again."""
    user_id = _user(caller)
    if settings().cognito_user_pool_id:
        subject = _subject(caller)
        if subject:
            cognito.sign_out_everywhere(subject)
    with store.user_transaction(user_id) as conn:
        ended = store.end_all(conn, user_id, "signed_out_everywhere", clock.now())
        if ended:
            auth_sessions.record_event(
                conn, user_id, "session_ended", {"reason": "signed_out_everywhere", "sessions": ended}
            )
    logger.info("signed out everywhere", extra={"sessions_ended": ended})
    return SignedOut(ended=ended)
