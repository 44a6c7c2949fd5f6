"""The inbound webhook kit: one small Lambda function per provider webhook, declared in a few
lines, like a route::

    hook = Hook()

    @hook.post("/webhooks/twilio/sms", provider="twilio", org=lookups.org_by("hearth_org_of_phone", to))
    def inbound_sms(ctx: HookContext) -> HookReply:
        ...  # store, audit, emit: fast

    handler = hook.handler

Every delivery goes through the same steps, in this order, and nothing runs before them:

1. the raw body (base64-decoded when API Gateway says so) and the headers exactly as received,
   and the public URL the provider called (``HEARTH_PUBLIC_BASE_URL``, never the Host header);
2. the signature, by the provider (its own library, or a constant-time HMAC, with its timestamp
   tolerance): a failure answers the provider's rejection status, writes nothing, and logs a
   ``webhook_signature_invalid`` line with the provider and the source IP (never the body or a
   header's value) and counts ``WebhookSignatureInvalid``;
3. the org, by a narrow lookup (``hearth.hooks.lookups``) or the org whose key signed it: unknown
   answers 2xx (so the provider stops retrying), logged and counted, nothing stored; a delivery
   signed with one org's key that names another org's resource is treated the same way;
4. the org's transaction: the delivery's receipt (``hearth.hooks.receipts``) is claimed first, so
   a duplicate answers what the first did and changes nothing;
5. the handler (store, audit, outbox), commit, answer; events are relayed after the commit.

A handler that raises a client problem (:class:`hearth.problems.Problem` below 500) answers it and
keeps nothing (the receipt included: the provider may send it again); anything else answers 500,
so the provider retries. Deadlocks and serialization failures run the delivery again (3 times).
"""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

import psycopg

from hearth import audit, db, gateway, outbox
from hearth import needs as needs_
from hearth.deployment import Throttle
from hearth.hooks import receipts
from hearth.hooks.context import HookContext, HookReply
from hearth.hooks.providers.base import InboundRequest, Provider, SignatureInvalid, Verified
from hearth.hooks.spec import DEFAULT_THROTTLE, HookSpec
from hearth.observability import emit_request_metrics, http_handler, logger
from hearth.problems import Problem
from hearth.settings import settings

#: Who the org of a verified delivery is (``None``: no org of this deployment).
OrgResolver = Callable[[Verified], UUID | None]
Handler = Callable[[HookContext], HookReply | None]

#: The providers a hook may name by name; each module imports its SDK only when it verifies.
PROVIDERS = {
    "twilio": "hearth.hooks.providers.twilio:Twilio",
    "stripe": "hearth.hooks.providers.stripe:Stripe",
    "github": "hearth.hooks.providers.github:GitHub",
}

#: The largest body a provider webhook accepts (larger ones are refused before verifying).
MAX_BODY = 1024 * 1024
#: How many times a delivery whose transaction lost a deadlock or serialization failure runs.
MAX_ATTEMPTS = 3


def provider_named(name: str) -> Provider:
    """The provider ``name`` (see :data:`PROVIDERS`)."""
    try:
        module, _, cls = PROVIDERS[name].partition(":")
    except KeyError:
        raise ValueError(f"unknown provider {name!r}: add it to hearth.hooks.kit.PROVIDERS") from None
    provider: Provider = getattr(importlib.import_module(module), cls)()
    return provider


def signer_org(delivery: Verified) -> UUID | None:
    """The org whose own key signed the delivery (providers with per-org keys)."""
    return delivery.signer_org


class Hook:
    """One provider webhook's Lambda function (see the module docstring)."""

    def __init__(self) -> None:
        self.spec: HookSpec | None = None
        self.provider: Provider | None = None
        self._fn: Handler | None = None
        self._org: OrgResolver = signer_org
        self._ack = HookReply()
        self.handler = http_handler(self._handle)

    def post(
        self,
        path: str,
        *,
        provider: str | Provider,
        org: OrgResolver = signer_org,
        needs: Iterable[needs_.Need] = (),
        throttle: Throttle = DEFAULT_THROTTLE,
        ack: HookReply | None = None,
    ) -> Callable[[Handler], Handler]:
        """Declare this function's webhook. ``provider`` verifies its deliveries (a name from
        :data:`PROVIDERS`, or a provider object); ``org`` finds the org a delivery belongs to
        (default: the org whose key signed it); ``ack`` is the answer when there is nothing
        else to say (unknown org, a handler that returns ``None``). ``needs`` as for routes;
        ``throttle`` limits the route at the gateway (every caller together)."""
        chosen = provider_named(provider) if isinstance(provider, str) else provider
        parts = path.split("/")
        if len(parts) < 3 or parts[1] != "webhooks" or parts[2] != chosen.name:
            raise ValueError(f"a {chosen.name} webhook lives under /webhooks/{chosen.name}/, not {path}")

        def register(fn: Handler) -> Handler:
            if self.spec is not None:
                raise RuntimeError("a Hook serves exactly one webhook (one Lambda function each)")
            self.spec = HookSpec(
                method="POST",
                path=path,
                provider=chosen.name,
                needs=needs_.declared([needs_.APP_DB, needs_.PUBLIC_URL, *needs]),
                throttle=throttle,
            )
            self.provider, self._fn, self._org = chosen, fn, org
            if ack is not None:
                self._ack = ack
            return fn

        return register

    # -- invocation --------------------------------------------------------------------------

    def _handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        spec, provider, fn = self.spec, self.provider, self._fn
        if spec is None or provider is None or fn is None:
            raise RuntimeError("no webhook declared")
        started = time.perf_counter()
        request = inbound_request(event)
        logger.append_keys(route=spec.route_key, provider=spec.provider)
        delivery: Verified | None = None
        org: UUID | None = None
        try:
            reply, outcome, delivery, org = self._serve(spec, provider, fn, request)
        except Exception:
            logger.exception("webhook failed")
            reply, outcome = HookReply(500, "", "text/plain; charset=utf-8"), "failed"
        details: dict[str, Any] = {"status": reply.status, "outcome": outcome, "path": request.path}
        if delivery is not None:
            details |= {"delivery_id": delivery.delivery_id, "event": delivery.event}
        logger.info("webhook", extra=details)
        emit_request_metrics(
            spec.route_key,
            str(org) if org else "none",
            reply.status,
            time.perf_counter() - started,
            counts={_METRICS[outcome]: 1} if outcome in _METRICS else None,
        )
        return {
            "statusCode": reply.status,
            "headers": {"Content-Type": reply.content_type, "X-Request-Id": request.request_id},
            "body": reply.body,
        }

    def _serve(
        self, spec: HookSpec, provider: Provider, fn: Handler, request: InboundRequest
    ) -> tuple[HookReply, str, Verified | None, UUID | None]:
        if len(request.body) > MAX_BODY:
            return HookReply(413, "", "text/plain; charset=utf-8"), "too_large", None, None
        try:
            delivery = provider.verify(request)
        except SignatureInvalid as exc:
            logger.warning(
                "webhook_signature_invalid",
                extra={"provider": spec.provider, "source_ip": request.source_ip, "reason": exc.reason},
            )
            return (
                HookReply(provider.rejection_status, "", "text/plain; charset=utf-8"),
                "signature_invalid",
                None,
                None,
            )
        org = self._org(delivery)
        if org is None:
            logger.info(
                "webhook_org_unknown", extra={"provider": spec.provider, "delivery_id": delivery.delivery_id}
            )
            return self._ack, "org_unknown", delivery, None
        if delivery.signer_org is not None and org != delivery.signer_org:
            logger.warning(
                "webhook_org_mismatch",
                extra={
                    "provider": spec.provider,
                    "delivery_id": delivery.delivery_id,
                    "signer_org": str(delivery.signer_org),
                },
            )
            return self._ack, "org_mismatch", delivery, None
        logger.append_keys(org_id=str(org))
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                reply, outcome = self._deliver(spec, fn, request, delivery, org)
                return reply, outcome, delivery, org
            except psycopg.Error as exc:
                if not db.is_transaction_conflict(exc) or attempt == MAX_ATTEMPTS:
                    raise
                logger.warning("transaction conflict; delivering again", extra={"attempt": attempt})
                db.pause_after_conflict(attempt)
        raise AssertionError("unreachable")

    def _deliver(
        self, spec: HookSpec, fn: Handler, request: InboundRequest, delivery: Verified, org: UUID
    ) -> tuple[HookReply, str]:
        actor = ("system", f"webhook:{spec.provider}")
        meta = audit.RequestMeta(
            request_id=request.request_id, ip=request.source_ip, user_agent=request.header("user-agent")
        )
        tx = db.database("app").begin(str(org), "", audit_context=audit.context(actor, meta))
        try:
            if not receipts.claim(tx.conn, org, spec.provider, delivery.delivery_id, delivery.event):
                first = receipts.first_answer(tx.conn, org, spec.provider, delivery.delivery_id)
                tx.rollback()
                return first or self._ack, "duplicate"
            ctx = HookContext(
                org_id=org, provider=spec.provider, delivery=delivery, request=request, db=tx.conn
            )
            try:
                reply = fn(ctx) or self._ack
            except Problem as problem:
                if problem.status >= 500:
                    raise
                tx.rollback()
                body = json.dumps(problem.document(request.request_id))
                return HookReply(problem.status, body, "application/problem+json"), "refused"
            if reply.status >= 500:
                tx.rollback()
                return reply, "failed"
            receipts.answer(tx.conn, org, spec.provider, delivery.delivery_id, reply)
            tx.commit()
        finally:
            if tx.open:
                tx.rollback()
        if ctx.emitted:
            outbox.after_commit(org, ctx.emitted)
        return reply, "processed"


#: The metric each outcome counts besides the request's own (Requests, errors, latency).
_METRICS = {
    "signature_invalid": "WebhookSignatureInvalid",
    "org_unknown": "WebhookOrgUnknown",
    "org_mismatch": "WebhookOrgMismatch",
    "duplicate": "WebhookDuplicate",
    "processed": "WebhookProcessed",
    "refused": "WebhookRefused",
    "failed": "WebhookFailed",
    "too_large": "WebhookRefused",
}


def public_url(event: dict[str, Any]) -> str:
    """The URL the provider called: the configured public base URL, the route's path (without
    the stage prefix API Gateway puts in ``rawPath`` for a named stage), the raw query string."""
    base = (settings().public_base_url or "").rstrip("/")
    ctx = event.get("requestContext") or {}
    path = str(event.get("rawPath") or (ctx.get("http") or {}).get("path") or "")
    stage = str(ctx.get("stage") or "$default")
    if stage != "$default" and path.startswith(f"/{stage}/"):
        path = path[len(stage) + 1 :]
    query = str(event.get("rawQueryString") or "")
    return f"{base}{path}" + (f"?{query}" if query else "")


def inbound_request(event: dict[str, Any]) -> InboundRequest:
    """The request exactly as the provider sent it (header names lowercased; API Gateway joins
    a repeated header's values with commas, as HTTP allows)."""
    request = gateway.read(event)
    return InboundRequest(
        method=request.method or "POST",
        url=public_url(event),
        path=request.path,
        raw_query=request.raw_query,
        headers=request.headers,
        body=request.body,
        source_ip=request.source_ip,
        request_id=request.request_id,
    )
