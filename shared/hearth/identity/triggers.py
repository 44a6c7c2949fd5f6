"""The user pool's Lambda triggers, one function for all of them (``event["triggerSource"]``),
as the system role (a sign-in is before any tenant). Each answers the event back, as Cognito
expects; raising refuses the sign-in, and Cognito shows the message to the user.

- PreAuthentication: attempts before this one that no post-authentication followed were failed
  sign-ins (``sign_in_failed``); ``lockout_failures`` of them within ``lockout_minutes`` lock
  the account: refused (``sign_in_locked``) until the window has passed since the last failure.
  When a lock begins (its ``sign_in_locked`` is recorded), the account's verified email gets
  the ``account_locked`` email (``hearth.email.system.send_account_email``), after the commit.
- PostAuthentication: the attempt succeeded; ``sign_in``, or ``new_device_sign_in`` when
  Cognito says the device is new.
- PostConfirmation (sign-up confirmed): the Hearth user is created with the verified email
  (``signed_up``). Orgs are created on request (``POST /v1/orgs``), invitations accepted by the
  invited verified email.
- CustomMessage (ForgotPassword): ``password_reset_requested``; the message is Cognito's own.

Never logged: passwords (triggers never see them), codes, the event itself.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from hearth import clock, db
from hearth.auth import store as auth_store
from hearth.identity import security_events
from hearth.observability import logger
from hearth.settings import settings


class LockedOut(Exception):
    """Refuses the sign-in; Cognito shows the message to the user."""


_LOCKED_MESSAGE = (
    "Too many failed sign-ins: this account is locked for {minutes} minutes. If this was not you,"
    " reset your password when the lock ends."
)


def _attributes(event: dict[str, Any]) -> dict[str, str]:
    return dict((event.get("request") or {}).get("userAttributes") or {})


def _user(conn: db.Connection, event: dict[str, Any]) -> UUID | None:
    """The Hearth user of the event's pool user, provisioned on first sight (verified email only)."""
    attributes = _attributes(event)
    subject = attributes.get("sub") or event.get("userName")
    if not subject:
        return None
    email = attributes.get("email") if str(attributes.get("email_verified", "")).lower() == "true" else None
    row = auth_store.sign_in(
        conn, subject=subject, email=email, refresh_email=email is not None, name=None, org_id=None
    )
    return row["user_id"] if row else None


def handle(event: dict[str, Any]) -> dict[str, Any]:
    source = str(event.get("triggerSource") or "")
    kind = source.split("_", 1)[0]
    handler = _HANDLERS.get(kind)
    if handler is None:
        logger.warning("trigger not handled", extra={"trigger_source": source})
        return event
    handler(event, source)
    return event


def _pre_authentication(event: dict[str, Any], source: str) -> None:
    now = clock.now()
    window = timedelta(minutes=settings().lockout_minutes)
    with db.system_transaction() as conn:
        user_id = _user(conn, event)
        if user_id is None:
            return
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s::text, 7016))", (str(user_id),))
        failed = conn.execute(
            "UPDATE sign_in_attempts SET failed = true"
            " WHERE user_id = %s AND succeeded_at IS NULL AND NOT failed RETURNING started_at",
            (user_id,),
        ).fetchall()
        for row in failed:
            security_events.record(conn, user_id, "sign_in_failed", at=row["started_at"])
        recent = conn.execute(
            "SELECT count(*) AS n, max(started_at) AS last FROM sign_in_attempts"
            " WHERE user_id = %s AND failed AND started_at > %s",
            (user_id, now - window),
        ).fetchone() or {"n": 0, "last": None}
        locked = recent["n"] >= settings().lockout_failures
        newly_locked = False
        if locked:
            already = conn.execute(
                "SELECT 1 FROM security_events"
                " WHERE user_id = %s AND kind = 'sign_in_locked' AND occurred_at >= %s",
                (user_id, recent["last"]),
            ).fetchone()
            if already is None:
                security_events.record(
                    conn, user_id, "sign_in_locked", detail={"failures": recent["n"]}, at=now
                )
                newly_locked = True
        else:
            conn.execute("INSERT INTO sign_in_attempts (user_id, started_at) VALUES (%s, %s)", (user_id, now))
    if newly_locked:
        _tell_locked(event, failures=recent["n"], until=recent["last"] + window)
    if locked:
        logger.info("sign-in refused: locked", extra={"user_id": str(user_id)})
        raise LockedOut(_LOCKED_MESSAGE.format(minutes=settings().lockout_minutes))


def _tell_locked(event: dict[str, Any], *, failures: int, until: Any) -> None:
    """The ``account_locked`` email to the account's verified address (none: nothing sent)."""
    from hearth.email.system import send_account_email

    attributes = _attributes(event)
    if str(attributes.get("email_verified", "")).lower() != "true" or not attributes.get("email"):
        return
    send_account_email(
        attributes["email"],
        "account_locked",
        {
            "failures": failures,
            "minutes": settings().lockout_minutes,
            "until": until.strftime("%Y-%m-%d %H:%M"),
        },
    )


def _post_authentication(event: dict[str, Any], source: str) -> None:
    now = clock.now()
    new_device = bool((event.get("request") or {}).get("newDeviceUsed"))
    with db.system_transaction() as conn:
        user_id = _user(conn, event)
        if user_id is None:
            return
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s::text, 7016))", (str(user_id),))
        conn.execute(
            "UPDATE sign_in_attempts SET succeeded_at = %s WHERE id = ("
            " SELECT id FROM sign_in_attempts WHERE user_id = %s AND succeeded_at IS NULL AND NOT failed"
            " ORDER BY started_at DESC LIMIT 1)",
            (now, user_id),
        )
        client = (event.get("callerContext") or {}).get("clientId")
        security_events.record(
            conn,
            user_id,
            "new_device_sign_in" if new_device else "sign_in",
            detail={"client_id": client},
            at=now,
        )


def _post_confirmation(event: dict[str, Any], source: str) -> None:
    if source != "PostConfirmation_ConfirmSignUp":
        return  # ConfirmForgotPassword: the reset was recorded when asked for
    with db.system_transaction() as conn:
        user_id = _user(conn, event)
        if user_id is not None:
            security_events.record(conn, user_id, "signed_up")


def _custom_message(event: dict[str, Any], source: str) -> None:
    if source != "CustomMessage_ForgotPassword":
        return
    with db.system_transaction() as conn:
        user_id = _user(conn, event)
        if user_id is not None:
            security_events.record(conn, user_id, "password_reset_requested")


_HANDLERS = {
    "PreAuthentication": _pre_authentication,
    "PostAuthentication": _post_authentication,
    "PostConfirmation": _post_confirmation,
    "CustomMessage": _custom_message,
}
