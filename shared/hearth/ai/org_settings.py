"""The org's AI settings: which kinds of personal data are redacted before a prompt leaves (all
of them until an admin says otherwise; the row is absent until the first change). The worker
reads them with ``store.redaction_kinds(conn)``."""

from __future__ import annotations

from typing import Any

from hearth.ai import store
from hearth.ai.models import REDACTION_KINDS, AiSettings, AiSettingsUpdate
from hearth.http import RequestContext


def _ordered(kinds: list[str]) -> list[str]:
    return [k for k in REDACTION_KINDS if k in set(kinds)]


def _model(row: dict[str, Any] | None) -> AiSettings:
    if row is None:
        return AiSettings.model_validate({"redact": list(REDACTION_KINDS), "updated_at": None, "version": 0})
    return AiSettings.model_validate({**row, "redact": _ordered(row["redact"])})


def get(ctx: RequestContext) -> AiSettings:
    out = _model(store.settings_row(ctx.db))
    ctx.set_etag(out.version)
    return out


def update(ctx: RequestContext, body: AiSettingsUpdate) -> AiSettings:
    before = _model(store.settings_row(ctx.db, lock=True))
    ctx.check_if_match(before.version)
    wanted = _ordered(list(body.redact or []))
    if wanted != before.redact:
        store.save_settings(ctx.db, ctx.org_id, redact=wanted, updated_by=ctx.user_id)
        ctx.audit(
            "ai_settings.update",
            "ai_settings",
            ctx.org_id,
            changes={"redact": {"from": before.redact, "to": wanted}},
        )
    return get(ctx)
