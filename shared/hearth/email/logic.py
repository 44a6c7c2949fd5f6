"""Email rules for the API: sending domains, the org's default sender, templates, suppressions,
and accepting an email.

- A domain is added by creating its SES identity (Easy DKIM); its status is SES's, refreshed
  whenever it is read. A domain belongs to one org (409 ``domain_taken``).
- An email is sent from an address on one of the org's *verified* domains (422
  ``domain_not_verified``), by default the org's settings' ``from_address``.
- :func:`send` is the one place every email a member sends passes: it renders the template (422
  ``template_render_failed``: nothing is stored), refuses suppressed recipients (422
  ``recipient_suppressed``), checks the plan's monthly allowance (402 ``quota_exceeded``),
  stores the email ``queued`` with ``email.queued`` (the send queue is fed from it) and counts it
  in the usage ledger.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth.billing import usage
from hearth.email import provider, store
from hearth.email.models import (
    MAX_ATTACHMENT_BYTES,
    DnsRecord,
    Email,
    EmailDomain,
    EmailDomainCreate,
    EmailDomainList,
    EmailSend,
    EmailSettings,
    EmailSettingsUpdate,
    EmailSuppression,
    EmailSuppressionCreate,
    EmailTemplate,
    EmailTemplateCreate,
    EmailTemplateList,
    EmailTemplateUpdate,
    LinkedRecords,
    Rendered,
    TemplatePreview,
    domain_of,
    is_address,
)
from hearth.events.types import EMAIL_QUEUED, EMAIL_SUPPRESSED
from hearth.http import RequestContext
from hearth.observability import logger
from hearth.problems import NotFound, Problem, Unprocessable, field_error, invalid

DEFAULT_SETTINGS: dict[str, Any] = {"from_address": None, "from_name": None, "reply_to": None, "version": 0}


def _creator(ctx: RequestContext) -> str:
    kind, actor_id = ctx.actor
    return f"{kind}:{actor_id}"


def provider_problem(exc: provider.ProviderError) -> Problem:
    if exc.temporary:
        return Problem(
            "provider_unavailable",
            f"SES did not answer ({exc.code}); nothing was changed, try again.",
            status=503,
            headers={"Retry-After": "5"},
        )
    return Unprocessable("provider_refused", f"SES refused the request ({exc.code}: {exc.message}).")


# -- domains ---------------------------------------------------------------------------------------


def _domain(row: dict[str, Any]) -> EmailDomain:
    return EmailDomain.model_validate(
        {**row, "dkim_records": [DnsRecord.model_validate(r) for r in row["dkim_records"] or []]}
    )


def list_domains(ctx: RequestContext) -> EmailDomainList:
    return EmailDomainList(data=[_domain(r) for r in store.list_domains(ctx.db)])


def add_domain(ctx: RequestContext, body: EmailDomainCreate) -> EmailDomain:
    row = store.insert_domain(
        ctx.db, domain=body.domain, status="pending", dkim_records=[], created_by=_creator(ctx)
    )
    try:
        status, records = provider.create_identity(body.domain)
    except provider.ProviderError as exc:
        raise provider_problem(exc) from None
    row = store.update_domain(ctx.db, row["id"], status=status, dkim_records=records)
    domain = _domain(row)
    ctx.audit("email_domain.create", "email_domain", domain.id, changes={"domain": domain.domain})
    ctx.response_headers["Location"] = f"/v1/email/domains/{domain.id}"
    ctx.set_etag(domain.version)
    return domain


def _refresh(ctx: RequestContext, row: dict[str, Any]) -> dict[str, Any]:
    """The domain with SES's status now (the stored one when SES does not answer)."""
    try:
        status, records = provider.identity_status(row["domain"])
    except provider.ProviderError as exc:
        logger.warning("SES identity status unavailable", extra={"code": exc.code})
        return row
    if status != row["status"] or records != (row["dkim_records"] or []) or row["checked_at"] is None:
        return store.update_domain(ctx.db, row["id"], status=status, dkim_records=records)
    return row


def get_domain(ctx: RequestContext, domain_id: UUID) -> EmailDomain:
    row = store.get_domain(ctx.db, domain_id, lock=True)
    if row is None:
        raise NotFound("email_domain", domain_id)
    domain = _domain(_refresh(ctx, row))
    ctx.set_etag(domain.version)
    return domain


def delete_domain(ctx: RequestContext, domain_id: UUID) -> None:
    row = store.get_domain(ctx.db, domain_id, lock=True)
    if row is None:
        raise NotFound("email_domain", domain_id)
    ctx.check_if_match(row["version"])
    store.delete_domain(ctx.db, domain_id)
    try:
        provider.delete_identity(row["domain"])
    except provider.ProviderError as exc:
        raise provider_problem(exc) from None
    ctx.audit("email_domain.delete", "email_domain", domain_id, changes={"domain": row["domain"]})


def verified_domain(ctx: RequestContext, address: str, field: str) -> None:
    """422 ``domain_not_verified`` unless ``address`` is on a domain of the org SES verified
    (a pending domain is asked again first)."""
    row = store.domain_named(ctx.db, domain_of(address))
    if row is not None and row["status"] != "verified":
        row = _refresh(ctx, row)
    if row is None or row["status"] != "verified":
        raise Unprocessable(
            "domain_not_verified",
            f"{domain_of(address)} is not a verified sending domain of the org: add it"
            " (POST /v1/email/domains), publish its DKIM records and wait for SES to verify it.",
            errors=[
                field_error(field, "Not on a verified sending domain of the org.", "domain_not_verified")
            ],
        )


# -- settings ------------------------------------------------------------------------------------


def get_settings(ctx: RequestContext) -> EmailSettings:
    found = store.get_settings(ctx.db) or DEFAULT_SETTINGS
    ctx.set_etag(found["version"])
    return EmailSettings.model_validate(found)


def put_settings(ctx: RequestContext, body: EmailSettingsUpdate) -> EmailSettings:
    current = store.get_settings(ctx.db) or DEFAULT_SETTINGS
    ctx.check_if_match(current["version"])
    values = {k: current[k] for k in ("from_address", "from_name", "reply_to")} | body.model_dump(
        exclude_unset=True
    )
    if values["from_address"] is not None and "from_address" in body.model_fields_set:
        verified_domain(ctx, values["from_address"], "from_address")
    row = store.put_settings(ctx.db, values, _creator(ctx))
    ctx.audit(
        "email_settings.update", "email_settings", None, changes={"fields": sorted(body.model_fields_set)}
    )
    ctx.set_etag(row["version"])
    return EmailSettings.model_validate(row)


# -- templates -------------------------------------------------------------------------------------


def list_templates(ctx: RequestContext) -> EmailTemplateList:
    return EmailTemplateList(data=[EmailTemplate.model_validate(r) for r in store.list_templates(ctx.db)])


def _template_row(ctx: RequestContext, template_id: UUID, *, lock: bool = False) -> dict[str, Any]:
    row = store.get_template(ctx.db, template_id, lock=lock)
    if row is None:
        raise NotFound("email_template", template_id)
    return row


def _check_renders(subject: str, text: str | None, html: str | None) -> None:
    """422 when a template does not even parse (variables are checked when it is rendered)."""
    from hearth.email.render import RenderError, parse

    try:
        parse(subject=subject, text=text, html=html)
    except RenderError as exc:
        raise _render_problem(exc) from None


def create_template(ctx: RequestContext, body: EmailTemplateCreate) -> EmailTemplate:
    _check_renders(body.subject, body.text_body, body.html_body)
    row = store.insert_template(ctx.db, body.model_dump(), _creator(ctx))
    template = EmailTemplate.model_validate(row)
    ctx.audit("email_template.create", "email_template", template.id, changes={"name": template.name})
    ctx.response_headers["Location"] = f"/v1/email/templates/{template.id}"
    ctx.set_etag(template.version)
    return template


def get_template(ctx: RequestContext, template_id: UUID) -> EmailTemplate:
    template = EmailTemplate.model_validate(_template_row(ctx, template_id))
    ctx.set_etag(template.version)
    return template


def update_template(ctx: RequestContext, template_id: UUID, body: EmailTemplateUpdate) -> EmailTemplate:
    row = _template_row(ctx, template_id, lock=True)
    ctx.check_if_match(row["version"])
    values = body.model_dump(exclude_unset=True)
    if not values:
        return EmailTemplate.model_validate(row)
    merged = {**row, **values}
    _check_renders(merged["subject"], merged["text_body"], merged["html_body"])
    template = EmailTemplate.model_validate(store.update_template(ctx.db, template_id, values))
    ctx.audit("email_template.update", "email_template", template_id, changes={"fields": sorted(values)})
    ctx.set_etag(template.version)
    return template


def delete_template(ctx: RequestContext, template_id: UUID) -> None:
    row = _template_row(ctx, template_id, lock=True)
    ctx.check_if_match(row["version"])
    store.delete_template(ctx.db, template_id)
    ctx.audit("email_template.delete", "email_template", template_id, changes={"name": row["name"]})


def _render_problem(exc: Exception) -> Unprocessable:
    part = getattr(exc, "part", "template")
    reason = getattr(exc, "reason", str(exc))
    return Unprocessable(
        "template_render_failed",
        f"The template's {part} did not render: {reason}",
        errors=[field_error(part, str(reason)[:500], "template_render_failed")],
    )


def record_variables(ctx: RequestContext, links: LinkedRecords) -> dict[str, Any]:
    """``person``, ``company`` and ``deal`` of the records named (422 when one is not the org's)."""
    found: dict[str, Any] = {}
    for name, lookup, record_id in (
        ("person", store.person, links.person_id),
        ("company", store.company, links.company_id),
        ("deal", store.deal, links.deal_id),
    ):
        if record_id is None:
            continue
        row = lookup(ctx.db, record_id)
        if row is None:
            raise invalid(f"{name}_id", f"No {name} with this id in this org.", "reference_not_found")
        found[name] = {k: (str(v) if isinstance(v, UUID) else v) for k, v in row.items()}
    return found


def render_template(
    ctx: RequestContext, template: dict[str, Any], links: LinkedRecords, variables: dict[str, Any]
) -> Rendered:
    from hearth.email.render import RenderError, render

    context = {**variables, **record_variables(ctx, links)}
    try:
        out = render(
            subject=template["subject"],
            text=template["text_body"],
            html=template["html_body"],
            variables=context,
        )
    except RenderError as exc:
        raise _render_problem(exc) from None
    return Rendered(subject=out.subject, text_body=out.text, html_body=out.html)


def preview_template(ctx: RequestContext, template_id: UUID, body: TemplatePreview) -> Rendered:
    return render_template(ctx, _template_row(ctx, template_id), body, body.variables)


# -- suppressions ----------------------------------------------------------------------------------


def add_suppression(ctx: RequestContext, body: EmailSuppressionCreate) -> EmailSuppression:
    changed = store.suppress(
        ctx.db,
        body.address,
        reason="manual",
        marketing_only=body.marketing_only,
        created_by=_creator(ctx),
        detail=body.detail,
    )
    row = store.get_suppression(ctx.db, body.address)
    assert row is not None
    if changed:
        ctx.audit(
            "email_suppression.create",
            "email_suppression",
            None,
            changes={"address": body.address, "marketing_only": row["marketing_only"]},
        )
        ctx.emit(
            EMAIL_SUPPRESSED,
            "email_suppression",
            None,
            {"address": body.address, "reason": "manual", "marketing_only": row["marketing_only"]},
        )
    return EmailSuppression.model_validate(row)


def remove_suppression(ctx: RequestContext, address: str, reason: str) -> None:
    if not is_address(address):
        raise invalid("address", "Not a valid email address.", "invalid_email_address", "path")
    row = store.delete_suppression(ctx.db, address)
    if row is None:
        raise NotFound("email_suppression", code="email_suppression_not_found")
    ctx.audit(
        "email_suppression.delete",
        "email_suppression",
        None,
        changes={"address": row["address"], "was": row["reason"], "reason": reason},
    )


# -- sending ---------------------------------------------------------------------------------------


def _recipient(ctx: RequestContext, body: EmailSend) -> tuple[str, UUID | None]:
    """The address and person ``to`` names (a person's id: their email)."""
    try:
        person_id = UUID(body.to)
    except ValueError:
        person_id = None
    if person_id is not None:
        ctx.require("people:read")
        person = store.person(ctx.db, person_id)
        if person is None:
            raise invalid("to", "No person with this id in this org.", "reference_not_found")
        if not person["email"]:
            raise invalid("to", "The person has no email address.", "no_email_address")
        return str(person["email"]), person_id
    if not is_address(body.to):
        raise invalid("to", "A person id or an email address.", "invalid_recipient")
    address = body.to.lower()
    found = store.person_by_email(ctx.db, address) if body.person_id is None else None
    return address, (found["id"] if found else None)


def attachments(ctx: RequestContext, body: EmailSend) -> list[dict[str, Any]]:
    """The attachments ``body`` names, as stored with the email: each an attachment of one of
    the org's inbound emails (422 ``reference_not_found``), at most 10 MB in all (422
    ``attachments_too_large``). Only their metadata is read here; the sender reads the bytes."""
    from hearth.email.inbound import store as inbound_store

    found: list[dict[str, Any]] = []
    for n, ref in enumerate(body.attachments):
        ctx.require("inbound_emails:read")
        row = inbound_store.get(ctx.db, ref.inbound_email_id)
        meta = next((a for a in (row or {}).get("attachments", []) if a.get("index") == ref.index), None)
        if meta is None or not meta.get("key"):
            raise invalid(
                f"attachments[{n}]", "No attachment of the org's inbound emails here.", "reference_not_found"
            )
        found.append(
            {
                "inbound_email_id": str(ref.inbound_email_id),
                "index": ref.index,
                "key": meta["key"],
                "filename": meta.get("filename"),
                "content_type": meta.get("content_type") or "application/octet-stream",
                "size": int(meta.get("size") or 0),
            }
        )
    if sum(a["size"] for a in found) > MAX_ATTACHMENT_BYTES:
        raise invalid("attachments", "The attachments come to more than 10 MB.", "attachments_too_large")
    return found


def send(ctx: RequestContext, body: EmailSend) -> Email:
    """Accept an email for sending (see the module docstring)."""
    to, person_id = _recipient(ctx, body)
    if body.person_id is not None:
        person_id = body.person_id
    if body.category == "marketing" and (body.cc or body.bcc):
        raise invalid(
            "cc",
            "A marketing email goes to one recipient (its unsubscribe link is theirs).",
            "marketing_single_recipient",
        )
    links = LinkedRecords(person_id=person_id, company_id=body.company_id, deal_id=body.deal_id)
    settings_row = store.get_settings(ctx.db) or DEFAULT_SETTINGS
    from_address = body.from_ or settings_row["from_address"]
    if from_address is None:
        raise Unprocessable(
            "no_sender_address", "Give `from`, or set the org's default sender (PUT /v1/email/settings)."
        )
    verified_domain(ctx, from_address, "from")
    recipients = list(dict.fromkeys([to, *body.cc, *body.bcc]))
    blocked = store.suppressed(ctx.db, recipients, body.category)
    if blocked:
        raise Unprocessable(
            "recipient_suppressed",
            "The org does not email "
            + ", ".join(sorted(blocked))
            + " (a bounce, a complaint or an unsubscribe; see /v1/email/suppressions).",
            extensions={"addresses": sorted(blocked)},
        )
    if body.template_id is not None:
        template = store.get_template(ctx.db, body.template_id)
        if template is None:
            raise invalid("template_id", "No template with this id in this org.", "reference_not_found")
        content = render_template(ctx, template, links, body.variables)
    else:
        record_variables(ctx, links)  # the links must be the org's records
        assert body.subject is not None
        content = Rendered(subject=body.subject, text_body=body.text, html_body=body.html)
    attached = attachments(ctx, body)
    usage.check(ctx.db, "email")
    row = store.insert_email(
        ctx.db,
        {
            "category": body.category,
            "from_address": from_address.lower(),
            "to_addresses": [to],
            "cc_addresses": list(body.cc),
            "bcc_addresses": list(body.bcc),
            "reply_to": body.reply_to or settings_row["reply_to"],
            "subject": content.subject,
            "text_body": content.text_body,
            "html_body": content.html_body,
            "template_id": body.template_id,
            "person_id": person_id,
            "company_id": body.company_id,
            "deal_id": body.deal_id,
            "sent_by": _creator(ctx),
            "attachments": attached,
        },
    )
    assert row is not None
    email = Email.model_validate(row)
    usage.record(ctx.db, ctx.org_id, "email", f"email:{email.id}")
    ctx.audit(
        "email.send",
        "email",
        email.id,
        changes={
            "to": to,
            "from": email.from_,
            "category": email.category,
            "person_id": str(person_id or "") or None,
        },
    )
    ctx.emit(
        EMAIL_QUEUED, "email", email.id, {"object": email.model_dump(mode="json", exclude={"text", "html"})}
    )
    ctx.response_headers["Location"] = f"/v1/emails/{email.id}"
    ctx.set_etag(email.version)
    return email


def get_email(ctx: RequestContext, email_id: UUID) -> Email:
    row = store.get_email(ctx.db, email_id)
    if row is None:
        raise NotFound("email", email_id)
    ctx.set_etag(row["version"])
    return Email.model_validate(row)
