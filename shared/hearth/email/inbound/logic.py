"""Inbound email's routes: the org's addresses (read, change the slug, rotate the BCC address),
a received message, and a short-lived link to one of its attachments. The consumer's side is
``hearth.email.inbound.receiver``."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.email.inbound import bucket, store
from hearth.email.inbound.models import (
    RESERVED_SLUGS,
    AttachmentLink,
    InboundAddress,
    InboundAddressUpdate,
    InboundEmail,
)
from hearth.http import RequestContext
from hearth.problems import NotFound, invalid
from hearth.settings import settings


def _address(row: dict[str, Any]) -> InboundAddress:
    domain = settings().email_inbound_domain or None
    return InboundAddress(
        enabled=domain is not None,
        slug=row["slug"],
        domain=domain,
        address=f"{row['slug']}@{domain}" if domain else None,
        bcc_address=f"{row['slug']}+bcc-{row['bcc_token']}@{domain}" if domain else None,
        updated_at=row["updated_at"],
        version=row["version"],
    )


def get_address(ctx: RequestContext) -> InboundAddress:
    row = store.address(ctx.db)
    if row is None:  # every org has one (made with the org); a missing row is not this caller's
        raise NotFound("inbound email address", code="inbound_address_not_found")
    ctx.set_etag(row["version"])
    return _address(row)


def update_address(ctx: RequestContext, body: InboundAddressUpdate) -> InboundAddress:
    current = store.address(ctx.db)
    if current is None:
        raise NotFound("inbound email address", code="inbound_address_not_found")
    ctx.check_if_match(current["version"])
    if body.slug is not None and body.slug in RESERVED_SLUGS:
        raise invalid("slug", "This name is reserved for the mail system.", "reserved_slug")
    kind, actor_id = ctx.actor
    row = store.update_address(
        ctx.db, slug=body.slug, rotate_bcc=bool(body.rotate_bcc_address), updated_by=f"{kind}:{actor_id}"
    )
    assert row is not None
    ctx.audit(
        "email_inbound_address.update",
        "email_inbound_address",
        None,
        changes={"slug": row["slug"], "bcc_rotated": bool(body.rotate_bcc_address)},
    )
    ctx.set_etag(row["version"])
    return _address(row)


def get_message(ctx: RequestContext, email_id: UUID) -> InboundEmail:
    row = store.get(ctx.db, email_id)
    if row is None:
        raise NotFound("inbound email", email_id)
    return InboundEmail.model_validate(row)


def attachment(ctx: RequestContext, email_id: UUID, index: int) -> AttachmentLink:
    row = store.get(ctx.db, email_id)
    if row is None:
        raise NotFound("inbound email", email_id)
    found = next((a for a in row["attachments"] if a.get("index") == index), None)
    if found is None or not found.get("key"):
        raise NotFound("attachment", index, code="attachment_not_found")
    ctx.audit("email.attachment_read", "inbound_email", email_id, changes={"index": index})
    return AttachmentLink(
        url=bucket.presigned(found["key"]),
        expires_in=settings().inbound_email_url_seconds,
        filename=found.get("filename"),
        content_type=found.get("content_type") or "application/octet-stream",
        size=int(found.get("size") or 0),
    )
