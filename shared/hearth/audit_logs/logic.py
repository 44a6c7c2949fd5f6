"""The audit log's chain check (its list is ``store.LISTING``)."""

from __future__ import annotations

from hearth import audit
from hearth.audit_logs.models import ChainVerification
from hearth.http import RequestContext


def verify(ctx: RequestContext) -> ChainVerification:
    report = audit.verify_chain(ctx.db)
    return ChainVerification(
        valid=report.valid,
        rows_checked=report.rows_checked,
        first_invalid_seq=report.first_invalid_seq,
        reason=report.reason,
    )
