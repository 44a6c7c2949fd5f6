"""The audit log's chain check (its list is ``store.LISTING``): every link recomputed, and the
chain compared with its anchors outside the database (``anchors``)."""

from __future__ import annotations

from hearth import audit
from hearth.audit_logs import anchors
from hearth.audit_logs.models import AnchorCheck, ChainVerification
from hearth.http import RequestContext

_ONLY_ITSELF = "; the chain was checked against itself only."


def verify(ctx: RequestContext) -> ChainVerification:
    try:
        found: list[audit.Anchor] | None = anchors.of_org(ctx.org_id)
        unavailable = ""
    except anchors.AnchorsUnavailable as exc:
        found, unavailable = None, str(exc)
    report = audit.verify_chain(ctx.db, found or ())
    return ChainVerification(
        valid=report.valid,
        rows_checked=report.rows_checked,
        first_invalid_seq=report.first_invalid_seq,
        reason=report.reason,
        anchor=_anchor_check(report, found, unavailable),
    )


def _anchor_check(
    report: audit.ChainReport, found: list[audit.Anchor] | None, unavailable: str
) -> AnchorCheck:
    checked = len(report.matched)
    latest = report.matched[-1] if report.matched else None
    place = {
        "anchors_checked": checked,
        "latest_seq": latest.seq if latest else None,
        "latest_anchored_at": latest.anchored_at if latest else None,
    }
    if found is None:
        status = "not_configured" if not anchors.configured() else "unavailable"
        return AnchorCheck(
            status=status, detail=unavailable[:1].upper() + unavailable[1:] + _ONLY_ITSELF, **place
        )
    if report.contradicted is not None:
        return AnchorCheck(status="mismatch", detail=report.reason or "", **place)
    if not found:
        return AnchorCheck(
            status="missing",
            detail="No anchor of this chain yet (heads are anchored hourly)" + _ONLY_ITSELF,
            **place,
        )
    # Anchors of rows purged after their retention (before the checkpoint) are not compared.
    found = [a for a in found if a.seq >= report.purged_through]
    if checked < len(found):
        return AnchorCheck(
            status="not_reached",
            detail=(
                f"The chain broke before {len(found) - checked} of its {len(found)} anchors could be"
                " compared."
            ),
            **place,
        )
    assert latest is not None
    since = report.rows_checked - latest.seq
    return AnchorCheck(
        status="matched",
        detail=(
            f"The chain holds all {checked} anchors; rows 1 to {latest.seq} are as they were anchored"
            + (f", the {since} rows since are not anchored yet." if since else ".")
        ),
        rows_after_anchor=since,
        **place,
    )
