"""Audit log reads (admins and owners) and the chain check."""

from __future__ import annotations

from hearth import audit
from hearth.audit_logs import store
from hearth.audit_logs.models import AuditFilter, AuditLog, ChainVerification
from hearth.http import Page, RequestContext
from hearth.http.pagination import decode_cursor, paginate


def list_logs(ctx: RequestContext, filters: AuditFilter, limit: int, cursor: str | None) -> Page[AuditLog]:
    before = decode_cursor(cursor, 1)[0] if cursor else None
    if before is not None and not isinstance(before, int):
        before = None
    rows, next_cursor = paginate(store.page(ctx.db, filters, limit, before), limit, ("seq",))
    return Page[AuditLog](data=[AuditLog(**r) for r in rows], next_cursor=next_cursor)


def verify(ctx: RequestContext) -> ChainVerification:
    report = audit.verify_chain(ctx.db)
    return ChainVerification(
        valid=report.valid,
        rows_checked=report.rows_checked,
        first_invalid_seq=report.first_invalid_seq,
        reason=report.reason,
    )
