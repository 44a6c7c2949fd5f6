"""Webhook endpoint rules: admins and owners manage them; the URL must be https (outside local
development) and reach only public addresses, checked on every save; the signing secret is shown
on create and rotate only and kept encrypted; a rotation keeps the previous secret valid, and
signed with, for 24 hours.

The list is declared here, not in the store: the delivery engine uses the store and should not
load the list engine at cold start.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from hearth import audit, clock, standard_webhooks
from hearth.billing import access
from hearth.http import RequestContext
from hearth.listing import Field, Listing
from hearth.problems import Conflict, NotFound, PreconditionFailed, invalid
from hearth.webhooks.endpoints.models import (
    RecoverAccepted,
    SecretRotated,
    WebhookEndpoint,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointUpdate,
)
from hearth.webhooks.engine import secrets, ssrf
from hearth.webhooks.store import deliveries as deliveries_store
from hearth.webhooks.store import endpoints as store

ROTATION_OVERLAP = timedelta(hours=24)

#: ``GET /v1/webhook-endpoints``: oldest first; deleted endpoints never show.
LISTING = Listing(
    select=store.LIST_SELECT,
    fields=(
        Field("id", "uuid", nullable=False),
        Field("url", "text", sortable=True, nullable=False),
        Field("description", "text", sortable=True),
        Field("event_types", "tags", nullable=False),
        Field("enabled", "bool", nullable=False),
        Field("disabled_reason", "choice", choices=("manual", "gone", "failing")),
        Field("disabled_at", "datetime", sortable=True),
        Field("created_at", "datetime", sortable=True, nullable=False),
        Field("updated_at", "datetime", sortable=True, nullable=False),
    ),
    search=("r.url", "r.description"),
    default_sort="created_at",
    search_label="URLs and descriptions",
)


def _check_url(url: str) -> str:
    try:
        ssrf.check(url)
    except ssrf.InvalidUrl as exc:
        raise invalid("url", f"The URL {exc}.", "invalid_url") from None
    except ssrf.BlockedDestination as exc:
        raise invalid("url", f"Webhooks may only go to public addresses: {exc}.", "url_not_allowed") from None
    return url


def _get(ctx: RequestContext, endpoint_id: UUID, *, lock: bool = False) -> dict[str, Any]:
    row = store.get(ctx.db, endpoint_id, lock=lock)
    if row is None:
        raise NotFound("webhook endpoint", endpoint_id, code="webhook_endpoint_not_found")
    return row


def get(ctx: RequestContext, endpoint_id: UUID) -> WebhookEndpoint:
    row = _get(ctx, endpoint_id)
    ctx.set_etag(row["version"])
    return WebhookEndpoint(**row)


def create(ctx: RequestContext, body: WebhookEndpointCreate) -> WebhookEndpointCreated:
    url = _check_url(body.url)
    if store.count_live(ctx.db) >= store.MAX_PER_ORG:
        raise Conflict(
            "too_many_webhook_endpoints", f"An org may have at most {store.MAX_PER_ORG} endpoints."
        )
    access.check_webhook_endpoint(ctx.db)
    endpoint_id = uuid4()
    secret = standard_webhooks.new_secret()
    row = store.insert(
        ctx.db,
        endpoint_id=endpoint_id,
        url=url,
        description=body.description,
        event_types=body.event_types,
        enabled=body.enabled,
        secret_ciphertext=secrets.seal(ctx.org_id, endpoint_id, secret),
        created_by=f"{ctx.actor[0]}:{ctx.actor[1]}",
    )
    ctx.audit(
        "webhook_endpoint.create",
        "webhook_endpoint",
        endpoint_id,
        changes={
            "url": url,
            "description": body.description,
            "event_types": row["event_types"],
            "enabled": body.enabled,
        },
    )
    ctx.response_headers["Location"] = f"/v1/webhook-endpoints/{endpoint_id}"
    ctx.set_etag(row["version"])
    return WebhookEndpointCreated(**row, secret=secret)


def update(ctx: RequestContext, endpoint_id: UUID, body: WebhookEndpointUpdate) -> WebhookEndpoint:
    row = _get(ctx, endpoint_id, lock=True)
    ctx.check_if_match(row["version"])
    given = body.model_dump(exclude_unset=True)
    for name, value in given.items():
        if value is None and name != "description":
            raise invalid(
                name, "must not be null (leave it out to keep the current value)", "null_not_allowed"
            )
    changes: dict[str, Any] = {k: v for k, v in given.items() if row[k] != v}
    if "url" in changes:
        _check_url(changes["url"])
    if "enabled" in changes:
        now = clock.now()
        changes["disabled_reason"] = None if changes["enabled"] else "manual"
        changes["disabled_at"] = None if changes["enabled"] else now
    if changes.get("enabled") or "url" in changes:
        # A fresh start: no failure streak carried over to a re-enabled or moved endpoint.
        changes.update(failing_since=None, degraded_at=None)
    if not changes:
        ctx.set_etag(row["version"])
        return WebhookEndpoint(**row)
    updated = store.update(ctx.db, endpoint_id, row["version"], changes)
    if updated is None:
        raise PreconditionFailed("stale_version", "The endpoint changed while this request ran; retry.")
    shown = {k: updated[k] for k in given if k in changes}
    ctx.audit(
        "webhook_endpoint.update",
        "webhook_endpoint",
        endpoint_id,
        changes=audit.diff({k: row[k] for k in shown}, shown),
    )
    ctx.set_etag(updated["version"])
    return WebhookEndpoint(**updated)


def delete(ctx: RequestContext, endpoint_id: UUID) -> None:
    row = _get(ctx, endpoint_id, lock=True)
    ctx.check_if_match(row["version"])
    store.soft_delete(ctx.db, endpoint_id)
    ctx.audit("webhook_endpoint.delete", "webhook_endpoint", endpoint_id, changes={"url": row["url"]})


def rotate_secret(ctx: RequestContext, endpoint_id: UUID) -> SecretRotated:
    _get(ctx, endpoint_id, lock=True)
    now = clock.now()
    secret = standard_webhooks.new_secret()
    row = store.rotate_secret(
        ctx.db, endpoint_id, secrets.seal(ctx.org_id, endpoint_id, secret), now, now + ROTATION_OVERLAP
    )
    assert row is not None
    ctx.audit(
        "webhook_endpoint.rotate_secret",
        "webhook_endpoint",
        endpoint_id,
        changes={"previous_secret_expires_at": row["previous_secret_expires_at"].isoformat()},
    )
    ctx.set_etag(row["version"])
    return SecretRotated(
        id=endpoint_id,
        secret=secret,
        secret_rotated_at=row["secret_rotated_at"],
        previous_secret_expires_at=row["previous_secret_expires_at"],
    )


def recover(ctx: RequestContext, endpoint_id: UUID, since: Any, until: Any) -> RecoverAccepted:
    """Schedule every failed delivery of the endpoint since ``since`` for one more (manual)
    attempt; the dispatcher releases them fairly within a minute."""
    row = _get(ctx, endpoint_id, lock=True)
    if until is not None and until <= since:
        raise invalid("until", "must be after since", location="query")
    if not row["enabled"]:
        raise Conflict("webhook_endpoint_disabled", "Enable the endpoint before recovering its deliveries.")
    count = deliveries_store.reschedule_failed(ctx.db, endpoint_id, since, until, clock.now())
    ctx.audit(
        "webhook_endpoint.recover",
        "webhook_endpoint",
        endpoint_id,
        changes={"since": since.isoformat(), "until": until and until.isoformat(), "deliveries": count},
    )
    return RecoverAccepted(endpoint_id=endpoint_id, since=since, until=until, deliveries=count)
