"""An org's security settings: whether members need a second factor, and a shorter idle limit
for sessions in the org. Read by every member, changed by owners only (with ``If-Match``); the
row is absent until the first change (absent: MFA not required, the platform's limit)."""

from __future__ import annotations

from typing import Any

from hearth.http import RequestContext
from hearth.identity import store
from hearth.identity.models import SecuritySettings, SecuritySettingsUpdate
from hearth.settings import settings


def _model(row: dict[str, Any] | None) -> SecuritySettings:
    platform = settings().session_idle_hours * 60
    if row is None:
        return SecuritySettings(mfa_required=False, session_idle_minutes=platform, updated_at=None, version=0)
    return SecuritySettings(
        mfa_required=row["mfa_required"],
        session_idle_minutes=min(platform, row["session_idle_minutes"] or platform),
        updated_at=row["updated_at"],
        version=row["version"],
    )


def get(ctx: RequestContext) -> SecuritySettings:
    out = _model(store.security_settings(ctx.db))
    ctx.set_etag(out.version)
    return out


def update(ctx: RequestContext, body: SecuritySettingsUpdate) -> SecuritySettings:
    row = store.security_settings(ctx.db, lock=True)
    before = _model(row)
    ctx.check_if_match(before.version)
    sent = body.model_dump(exclude_unset=True)
    mfa_required = sent.get("mfa_required", before.mfa_required)
    idle = (
        sent["session_idle_minutes"]
        if "session_idle_minutes" in sent
        else (row or {}).get("session_idle_minutes")
    )
    stored = {
        "mfa_required": bool(row and row["mfa_required"]),
        "session_idle_minutes": (row or {}).get("session_idle_minutes"),
    }
    wanted = {"mfa_required": mfa_required, "session_idle_minutes": idle}
    if wanted != stored:
        store.save_security_settings(ctx.db, ctx.org_id, **wanted, updated_by=ctx.user_id)
        ctx.audit(
            "security_settings.update",
            "security_settings",
            ctx.org_id,
            changes={k: {"from": stored[k], "to": wanted[k]} for k in wanted if wanted[k] != stored[k]},
        )
    return get(ctx)
