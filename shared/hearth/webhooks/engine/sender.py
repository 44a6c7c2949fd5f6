"""The sender: one delivery message -> at most one signed HTTP attempt, logged, then the next step.

1. Claim (tenant transaction): the delivery is leased only when the message's attempt is the one
   due — a repeated or stale message finds nothing to do. A main-lane message for an endpoint that
   has started failing (or is slow) is not sent: the delivery is held for the dispatcher, which
   releases it to the retry lane (fairness: a dead endpoint does not hold back the main lane).
2. Send (no transaction open): the URL is checked again and the connection goes to the checked
   address; Standard Webhooks headers, signed with the current secret and, during a rotation,
   the previous one.
3. Record (tenant transaction): the attempt row, the delivery's next step (success; a retry on
   the schedule, queued with a delay when the wait fits in SQS's 15 minutes, else held for the
   dispatcher; or failure), the endpoint's health; a 410 disables the endpoint, 5 days of
   failures only too, and an exhausted delivery records ``webhook.delivery_exhausted`` and goes
   to the dead-letter queue.

A batch is claimed with one statement per org, sent concurrently, and recorded with one
statement per org when the attempts change nothing else (the common case)::

    outcomes = sender.handle_batch([DeliveryMessage(org_id, delivery_id, attempt=1, lane="main")])
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from hearth import clock, db, outbox, queues, standard_webhooks
from hearth.observability import logger
from hearth.settings import settings
from hearth.webhooks.deliveries.models import WebhookDelivery
from hearth.webhooks.engine import schedule, secrets, ssrf, transport
from hearth.webhooks.engine.messages import DeliveryMessage
from hearth.webhooks.store import deliveries as store
from hearth.webhooks.store import endpoints as endpoints_store

Outcome = Literal[
    "succeeded", "retrying", "failed", "exhausted", "duplicate", "in_progress", "held", "cancelled", "unknown"
]

#: A message may arrive this much before its attempt is due (delays are whole seconds).
EARLY_SLACK = timedelta(seconds=2)
LEASE_MARGIN = timedelta(seconds=30)
FAILING_DISABLES_AFTER = timedelta(days=5)
EXHAUSTED = "webhook.delivery_exhausted"
ENDPOINT_DISABLED = "webhook_endpoint.disabled"
SYSTEM: tuple[str, str | None] = ("system", None)


@dataclass(frozen=True)
class SenderConfig:
    timeout: float
    slow: float
    retry_queue_url: str | None
    dead_letter_queue_url: str | None
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def from_settings(cls) -> SenderConfig:
        cfg = settings()
        return cls(
            timeout=cfg.webhook_timeout_seconds,
            slow=cfg.webhook_slow_seconds,
            retry_queue_url=cfg.webhook_retry_queue_url,
            dead_letter_queue_url=cfg.webhook_dead_letter_queue_url,
        )


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


#: The fields every delivery's ``data`` carries besides the event's own data; an event's data
#: never replaces them.
ENVELOPE = ("event_id", "org_id", "resource_type", "resource_id", "actor_type", "actor_id")


def body_of(row: dict[str, Any]) -> bytes:
    """The Standard Webhooks body: ``{"type", "timestamp", "data"}``, where ``data`` is the
    event's data as ``GET /v1/events/{id}`` shows it (a record event's ``object`` and, on
    updates, ``changed_fields`` and ``previous_attributes``) with the :data:`ENVELOPE` fields."""
    data: dict[str, Any] = {
        "event_id": str(row["event_id"]),
        "org_id": str(row["org_id"]),
        "resource_type": row["resource_type"],
        "resource_id": row["resource_id"],
        "actor_type": row["actor_type"],
        "actor_id": row["actor_id"],
    }
    for key, value in (row["payload"] or {}).items():
        data.setdefault(key, value)
    document = {"type": row["event_type"], "timestamp": _iso(row["occurred_at"]), "data": data}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def signing_secrets(row: dict[str, Any], now: datetime) -> list[str]:
    """The current secret, and the previous one while its rotation window lasts."""
    org, endpoint = row["org_id"], row["endpoint_id"]
    found = [secrets.unseal(org, endpoint, row["secret_ciphertext"])]
    expires = row["previous_secret_expires_at"]
    if row["previous_secret_ciphertext"] is not None and expires is not None and expires > now:
        found.append(secrets.unseal(org, endpoint, row["previous_secret_ciphertext"]))
    return found


Checked = ssrf.Destination | ssrf.InvalidUrl | ssrf.BlockedDestination


def check_destination(url: str) -> Checked:
    """The URL checked again (resolved now, every address public or allowed) or why not."""
    try:
        return ssrf.check(url)
    except (ssrf.InvalidUrl, ssrf.BlockedDestination) as exc:
        return exc


def attempt(
    row: dict[str, Any],
    config: SenderConfig,
    now: datetime,
    destination: Checked | None = None,
    keys: list[str] | Exception | None = None,
) -> transport.Result:
    """Sign and POST to the checked destination (the connection pinned to the checked address).
    ``keys``: the row's signing secrets, if already opened (or why they could not be)."""
    if destination is None:
        destination = check_destination(row["url"])
    if not isinstance(destination, ssrf.Destination):
        return transport.Result(None, None, 0, error=f"destination not allowed: {destination}")
    if keys is None:
        keys = signing_secrets(row, now)
    if isinstance(keys, Exception):
        raise keys
    body = body_of(row)
    headers = standard_webhooks.sign_headers(str(row["event_id"]), int(time.time()), body, keys)
    return transport.post(destination, body, headers, timeout=config.timeout)


@dataclass(frozen=True)
class _Next:
    status: Literal["succeeded", "pending", "failed"]
    wait: timedelta | None = None
    exhausted: bool = False
    gone: bool = False


def next_step(row: dict[str, Any], result: transport.Result, now: datetime, rng: random.Random) -> _Next:
    """What follows an attempt: success, a retry after a wait, or the end."""
    if result.ok:
        return _Next("succeeded")
    if result.status == 410:
        return _Next("failed", gone=True)
    if row["pending_trigger"] == "manual":
        return _Next("failed")
    number = row["attempts"] + 1
    wait = schedule.next_wait(number, rng)
    if wait is None:
        return _Next("failed", exhausted=True)
    if result.status in (429, 503):
        wait = schedule.honour_retry_after(wait, schedule.parse_retry_after(result.retry_after, now))
    return _Next("pending", wait=wait)


Result = Outcome | Exception


def handle(message: DeliveryMessage, config: SenderConfig | None = None) -> Outcome:
    """One message (see :func:`handle_batch`); raises what the batch would report."""
    [outcome] = handle_batch([message], config)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def handle_batch(
    messages: list[DeliveryMessage], config: SenderConfig | None = None, *, concurrency: int = 10
) -> list[Result]:
    """A batch of delivery messages: claimed together (one statement per org), sent at the same
    time on a thread pool, recorded together. Returns an outcome per message, or the exception
    that kept it from being processed (reported to SQS as a batch item failure)."""
    config = config or SenderConfig.from_settings()
    now = clock.now()
    lease_until = now + timedelta(seconds=config.timeout) + LEASE_MARGIN
    results: list[Result | None] = [None] * len(messages)
    claimed: dict[int, dict[str, Any]] = {}
    for org_id, indexes in _by_org(messages).items():
        try:
            rows = store.claim(
                org_id,
                [(messages[i].delivery_id, messages[i].attempt - 1, messages[i].lane) for i in indexes],
                now=now,
                due_by=now + EARLY_SLACK,
                lease_until=lease_until,
            )
        except Exception as exc:
            for i in indexes:
                results[i] = exc
            continue
        for i in indexes:
            row = rows.pop(messages[i].delivery_id, None)  # a delivery twice in one batch: once
            if row is not None:
                claimed[i] = row
    for i, message in enumerate(messages):
        if results[i] is None and i not in claimed:
            results[i] = _guard(lambda m=message: _settle_unclaimed(m, now))

    order = list(claimed)
    sent = _send(order, claimed, config, now, concurrency)
    done_at = clock.now()
    finished: dict[int, tuple[transport.Result, _Next]] = {}
    for i, outcome in zip(order, sent, strict=True):
        if isinstance(outcome, Exception):
            results[i] = outcome  # the lease runs out and the attempt is taken over
        else:
            finished[i] = (outcome, next_step(claimed[i], outcome, done_at, config.rng))
    for i, recorded in _record(messages, claimed, finished, config, now, done_at).items():
        results[i] = recorded
    return [r if r is not None else "unknown" for r in results]


def _send(
    order: list[int],
    claimed: dict[int, dict[str, Any]],
    config: SenderConfig,
    now: datetime,
    concurrency: int,
) -> list[transport.Result | Exception]:
    """The claimed attempts, sent at the same time. Each URL of the batch is resolved and checked
    once, as the batch is sent (every connection goes to an address of that check), and each
    endpoint's secrets are opened once: a batch is mostly one endpoint's."""
    destinations = {url: check_destination(url) for url in {row["url"] for row in claimed.values()}}
    keys: dict[tuple[Any, ...], list[str] | Exception] = {}
    for row in claimed.values():
        key = _secrets_key(row)
        if key not in keys:
            try:
                keys[key] = signing_secrets(row, now)
            except Exception as exc:  # that endpoint's attempts fail; the others go ahead
                keys[key] = exc

    def send(row: dict[str, Any]) -> transport.Result:
        return attempt(row, config, now, destinations[row["url"]], keys[_secrets_key(row)])

    return _concurrently([lambda row=claimed[i]: send(row) for i in order], concurrency)


def _secrets_key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (
        row["org_id"],
        row["endpoint_id"],
        row["secret_ciphertext"],
        row["previous_secret_ciphertext"],
        row["previous_secret_expires_at"],
    )


def _by_org(messages: list[DeliveryMessage]) -> dict[UUID, list[int]]:
    groups: dict[UUID, list[int]] = {}
    for i, message in enumerate(messages):
        groups.setdefault(message.org_id, []).append(i)
    return groups


def _guard(fn: Any) -> Result:
    try:
        result: Outcome = fn()
        return result
    except Exception as exc:
        return exc


def _concurrently(tasks: list[Any], concurrency: int) -> list[Any]:
    if len(tasks) <= 1 or concurrency <= 1:
        return [_guard(t) for t in tasks]
    from hearth.batch import thread_pool

    return list(thread_pool(concurrency).map(_guard, tasks))


def _settle_unclaimed(message: DeliveryMessage, now: datetime) -> Outcome:
    with db.tenant_transaction(message.org_id) as conn:
        return _not_claimed(conn, message, now)


def _record(
    messages: list[DeliveryMessage],
    claimed: dict[int, dict[str, Any]],
    finished: dict[int, tuple[transport.Result, _Next]],
    config: SenderConfig,
    now: datetime,
    done_at: datetime,
) -> dict[int, Result]:
    """Write the attempts: those that change nothing else together (one statement per org), the
    others one by one with their health, disable rules and events."""
    outcomes: dict[int, Result] = {}
    plain: dict[UUID, list[int]] = {}
    for i, (result, _) in finished.items():
        row = claimed[i]
        slow = result.duration_ms >= config.slow * 1000
        if result.ok and not slow and row["degraded_at"] is None and row["failing_since"] is None:
            plain.setdefault(messages[i].org_id, []).append(i)
        else:
            outcomes[i] = _guard(
                lambda i=i, slow=slow: _record_one(
                    messages[i], claimed[i], *finished[i], slow, config, now, done_at
                )
            )
    for org_id, indexes in plain.items():
        try:
            statuses = store.record_alone(
                org_id,
                [
                    _attempt_record(messages[i], claimed[i], *finished[i], config, now, done_at)[0]
                    for i in indexes
                ],
            )
        except Exception as exc:
            for i in indexes:
                outcomes[i] = exc
            continue
        for i in indexes:
            outcomes[i] = (
                _log(claimed[i], finished[i][0], "succeeded")
                if claimed[i]["id"] in statuses
                else "in_progress"
            )
    return outcomes


def _attempt_record(
    message: DeliveryMessage,
    row: dict[str, Any],
    result: transport.Result,
    step: _Next,
    config: SenderConfig,
    now: datetime,
    done_at: datetime,
) -> tuple[store.AttemptRecord, bool]:
    """The record of an attempt, and whether its retry goes on the queue (a wait SQS can delay)."""
    queue_it = (
        step.wait is not None and step.wait <= schedule.MAX_QUEUE_DELAY and bool(config.retry_queue_url)
    )
    return (
        store.AttemptRecord(
            delivery_id=row["id"],
            prior_attempts=row["attempts"],
            lease_until=row["lease_until"],
            status=step.status,
            next_attempt_at=done_at + step.wait if step.wait is not None else None,
            enqueued_at=done_at if queue_it else None,
            lane="retry" if step.status == "pending" else message.lane,
            attempted_at=now,
            trigger=row["pending_trigger"],
            url=row["url"],
            status_code=result.status,
            response_body=result.body_head,
            duration_ms=result.duration_ms,
            error=result.error,
        ),
        queue_it,
    )


def _record_one(
    message: DeliveryMessage,
    row: dict[str, Any],
    result: transport.Result,
    step: _Next,
    slow: bool,
    config: SenderConfig,
    now: datetime,
    done_at: datetime,
) -> Outcome:
    record, queue_it = _attempt_record(message, row, result, step, config, now, done_at)
    emitted: list[UUID] = []
    with db.tenant_transaction(message.org_id) as conn:
        recorded = store.record(conn, [record]).get(row["id"])
        if recorded is not None:
            if recorded != step.status:  # ended (endpoint disabled) while the attempt was under way
                step, queue_it = _Next("failed"), False
            emitted = _after_attempt(conn, row, result, step, slow, done_at)
    if recorded is None:
        logger.warning("lease lost before the attempt was recorded", extra={"delivery_id": str(row["id"])})
        return "in_progress"
    if emitted:
        outbox.after_commit(message.org_id, emitted)
    if queue_it and step.wait is not None and config.retry_queue_url:
        retry = DeliveryMessage(message.org_id, row["id"], row["attempts"] + 2, "retry")
        if not queues.send(config.retry_queue_url, [retry], delay=step.wait):
            with db.tenant_transaction(message.org_id) as conn:
                store.clear_enqueued(conn, row["id"])  # the dispatcher releases it instead
    if step.exhausted and config.dead_letter_queue_url:
        queues.send(config.dead_letter_queue_url, [message])
    if step.status == "succeeded":
        outcome: Outcome = "succeeded"
    elif step.status == "pending":
        outcome = "retrying"
    else:
        outcome = "exhausted" if step.exhausted else "failed"
    return _log(row, result, outcome)


def _log(row: dict[str, Any], result: transport.Result, outcome: Outcome) -> Outcome:
    logger.info(
        "webhook attempt",
        extra={
            "delivery_id": str(row["id"]),
            "attempt": row["attempts"] + 1,
            "status_code": result.status,
            "duration_ms": result.duration_ms,
            "outcome": outcome,
        },
    )
    return outcome


def _after_attempt(
    conn: db.Connection,
    row: dict[str, Any],
    result: transport.Result,
    step: _Next,
    slow: bool,
    now: datetime,
) -> list[UUID]:
    """The endpoint's health and disable rules, and the exhausted event (in the record's
    transaction); returns the events emitted."""
    emitted = _endpoint_health(conn, row, result, step, slow, now)
    delivery = store.get(conn, row["id"]) if step.exhausted and row["event_type"] != EXHAUSTED else None
    if delivery is not None:
        # Like a record's event: the delivery as GET /v1/webhook-deliveries/{id} shows it.
        emitted.append(
            outbox.emit(
                conn,
                org_id=row["org_id"],
                actor=SYSTEM,
                type=EXHAUSTED,
                resource_type="webhook_delivery",
                resource_id=row["id"],
                data={"object": WebhookDelivery(**delivery).model_dump(mode="json")},
            )
        )
    return emitted


def _endpoint_health(
    conn: db.Connection,
    row: dict[str, Any],
    result: transport.Result,
    step: _Next,
    slow: bool,
    now: datetime,
) -> list[UUID]:
    health = endpoints_store.record_health(conn, row["endpoint_id"], ok=result.ok, slow=slow, now=now)
    reason: str | None = None
    if step.gone:
        reason = "gone"
    elif (
        not result.ok
        and health is not None
        and health["failing_since"] is not None
        and health["failing_since"] <= now - FAILING_DISABLES_AFTER
    ):
        reason = "failing"
    if reason is None or not endpoints_store.disable(conn, row["endpoint_id"], reason, now):
        return []
    store.cancel_pending_of_endpoint(conn, row["endpoint_id"], f"endpoint disabled ({reason})")
    return [
        outbox.emit(
            conn,
            org_id=row["org_id"],
            actor=SYSTEM,
            type=ENDPOINT_DISABLED,
            resource_type="webhook_endpoint",
            resource_id=row["endpoint_id"],
            data={
                "endpoint_id": str(row["endpoint_id"]),
                "url": row["url"],
                "reason": reason,
                "last_status_code": result.status,
            },
        )
    ]


def _not_claimed(conn: db.Connection, message: DeliveryMessage, now: datetime) -> Outcome:
    """The message's attempt is not to be made now: say why, and repair what needs it."""
    state = store.state(conn, message.delivery_id)
    if state is None:
        return "unknown"
    if state["status"] != "pending" or state["attempts"] != message.attempt - 1:
        return "duplicate"
    if state["lease_until"] is not None and state["lease_until"] >= now:
        return "in_progress"
    if state["deleted_at"] is not None or not state["enabled"]:
        store.cancel(
            conn, message.delivery_id, "endpoint deleted" if state["deleted_at"] else "endpoint disabled"
        )
        return "cancelled"
    # Failing or slow endpoint (held for the retry lane), or a message early for its attempt:
    # the dispatcher releases it when it is due.
    store.hold(conn, message.delivery_id, "retry" if state["degraded_at"] is not None else message.lane)
    return "held"
