"""Letting go of a removed org's provider links (``OrgDeletionQueue``'s consumer, fed from
``org.deletion_finalising`` by the event dispatch consumer; the message carries the event's id)::

    process(org_id, event_id)   # {"stripe": "canceled", "twilio": "released 2", "github": "unlinked"}

The event names what the org held (its data: ``stripe_subscription_id``, ``twilio_number_sids``,
``github_installation_id``); the org finaliser removes the org's rows only an hour after it is
published, so its Twilio credentials are still there. Three steps, each done at most once:

- **Stripe**: the subscription is canceled now (``DELETE /v1/subscriptions/{id}``, Hearth's own
  key); one Stripe no longer knows counts as canceled.
- **Twilio**: every number of the event that Hearth bought (``phone_numbers.purchased``; a number
  the org brought stays in its account, as the release route leaves it) is released from the
  org's account with its own credentials; one already gone counts as released.
- **GitHub**: the installation is deleted (``DELETE /app/installations/{id}``, the app's JWT).

Each step's mark is kept in ``org_deletions`` (system role) as soon as it is done, per number
for Twilio; a failing step does not stop the others, and the message is then retried
(``batchItemFailures``): the retry does only what is not marked. Only the org the message names
is read (its tenant transaction), and only when its removal has begun (``org_deletions`` has
it): an event of another org, or of a live one, does nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from hearth import db
from hearth.lifecycle.deletion_finaliser import ORG_DELETION_FINALISING
from hearth.observability import logger


@dataclass(frozen=True, slots=True)
class LinksMessage:
    org_id: UUID
    event_id: UUID

    @classmethod
    def parse(cls, body: str) -> LinksMessage:
        data = json.loads(body)
        return cls(UUID(str(data["org_id"])), UUID(str(data["event_id"])))


class LinksLeft(RuntimeError):
    """A provider step failed; the message is retried and does only what is left."""


def process_record(record: Any) -> None:
    """The consumer's record handler."""
    message = LinksMessage.parse(record.body)
    process(message.org_id, message.event_id)


def _progress(org_id: UUID) -> dict[str, Any] | None:
    with db.system_transaction() as conn:
        return conn.execute(
            "SELECT stripe_canceled_at, twilio_released, github_unlinked_at FROM org_deletions"
            " WHERE id = %s AND finalised_at IS NULL",
            (org_id,),
        ).fetchone()


def _mark(org_id: UUID, column: str, number_sid: str | None = None) -> None:
    statements = {
        "stripe": "UPDATE org_deletions SET stripe_canceled_at = now() WHERE id = %s",
        "github": "UPDATE org_deletions SET github_unlinked_at = now() WHERE id = %s",
        "twilio": "UPDATE org_deletions SET twilio_released = array_append(twilio_released, %s)"
        " WHERE id = %s AND NOT (%s = ANY (twilio_released))",
    }
    params: tuple[Any, ...] = (org_id,) if number_sid is None else (number_sid, org_id, number_sid)
    with db.system_transaction() as conn:
        conn.execute(statements[column], params)


def _read(
    org_id: UUID, event_id: UUID, released: list[str]
) -> tuple[dict[str, Any], list[str], dict[str, str] | None] | None:
    """The event's data, the numbers of it Hearth bought and not yet ``released``, and the org's
    Twilio credentials (when there are such numbers), read in the org's own transaction; ``None``
    without the event."""
    from hearth.integrations.credentials import credentials

    with db.tenant_transaction(org_id) as conn:
        event = conn.execute(
            "SELECT payload FROM domain_events WHERE id = %s AND type = %s",
            (event_id, ORG_DELETION_FINALISING),
        ).fetchone()
        if event is None:
            return None
        data = dict(event["payload"] or {})
        sids = [str(s) for s in data.get("twilio_number_sids") or []]
        bought = [
            row["provider_sid"]
            for row in conn.execute(
                "SELECT provider_sid FROM phone_numbers WHERE purchased AND provider_sid = ANY (%s)"
                " ORDER BY provider_sid",
                (sids,),
            ).fetchall()
            if row["provider_sid"] not in released
        ]
        twilio = credentials(conn, org_id, "twilio") if bought else None
    return data, bought, twilio


def _cancel_stripe(subscription_id: str) -> str:
    from hearth.billing import stripe_api

    return "canceled" if stripe_api.cancel_subscription(subscription_id) else "already gone"


def _release_twilio(org_id: UUID, left: list[str], found: dict[str, str] | None) -> str:
    from hearth.telephony import provider

    if not found or not found.get("account_sid") or not found.get("auth_token"):
        # Without the org's credentials no call can release them: retrying will not help.
        logger.warning("twilio numbers left: the org has no twilio credentials", extra={"numbers": len(left)})
        return "no credentials"
    account = provider.Account(found["account_sid"], found["auth_token"])
    for sid in left:
        provider.release_number(account, sid)
        _mark(org_id, "twilio", sid)
    return f"released {len(left)}"


def _unlink_github(installation_id: int) -> str:
    from hearth.github.app import app

    return "unlinked" if app().uninstall(installation_id) else "already gone"


def process(org_id: UUID, event_id: UUID) -> dict[str, str]:
    """Let go of what the event names that is not marked done yet; each step's outcome. Raises
    :class:`LinksLeft` (after trying every step) when a provider failed."""
    progress = _progress(org_id)
    if progress is None:
        logger.info("no org removal under way: nothing to let go of", extra={"event_id": str(event_id)})
        return {}
    read = _read(org_id, event_id, list(progress["twilio_released"]))
    if read is None:
        logger.info("no such deletion event of the org", extra={"event_id": str(event_id)})
        return {}
    data, bought, twilio = read
    outcome: dict[str, str] = {}
    steps: list[tuple[str, Any]] = []
    subscription = data.get("stripe_subscription_id")
    if subscription and progress["stripe_canceled_at"] is None:
        steps.append(("stripe", lambda: _cancel_stripe(str(subscription))))
    if bought:
        steps.append(("twilio", lambda: _release_twilio(org_id, bought, twilio)))
    installation = data.get("github_installation_id")
    if installation and progress["github_unlinked_at"] is None:
        steps.append(("github", lambda: _unlink_github(int(installation))))
    failed: list[str] = []
    for name, step in steps:
        try:
            outcome[name] = step()
        except Exception as exc:
            logger.warning(
                "provider link not let go", extra={"provider": name, "error_type": type(exc).__name__}
            )
            outcome[name] = "failed"
            failed.append(name)
            continue
        if name != "twilio":
            _mark(org_id, name)
    logger.info("org provider links", extra={"org_id": str(org_id), **outcome})
    if failed:
        raise LinksLeft(f"provider links left for a retry: {', '.join(failed)}")
    return outcome
