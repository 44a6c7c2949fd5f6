"""The org's view of the retention policy and its overrides (``GET`` and ``PUT
/v1/orgs/current/retention``): every kind with its default and the period the org keeps it; an
admin may keep a kind longer, never shorter than the default (the law's floor), and go back to
the default (``seconds: null``). Changes are audited (``retention.update``)::

    retention_overrides.get(ctx)            # RetentionPolicy
    retention_overrides.update(ctx, body)   # 422 for a kind unknown, fixed, or shortened
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hearth.db import Connection
from hearth.http import RequestContext
from hearth.lifecycle.retention import MAX_OVERRIDE, Method, effective, kinds, policy
from hearth.problems import Unprocessable, field_error


class RetentionKind(BaseModel):
    kind: str
    description: str
    method: Method
    #: Whose data it is: the org's (an override applies) or a user's (the platform's period).
    belongs_to: Literal["org", "user"]
    default_seconds: int
    #: The period this org keeps it (its override when there is one).
    seconds: int
    overridden: bool
    overridable: bool


class RetentionPolicy(BaseModel):
    kinds: list[RetentionKind]


class RetentionOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1, max_length=64)
    #: How long to keep it, in seconds; ``null`` goes back to the default.
    seconds: int | None = Field(ge=1, le=int(MAX_OVERRIDE.total_seconds()))


class RetentionUpdate(BaseModel):
    """Keep kinds of data longer than the platform's default (never shorter), or go back to it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"overrides": [{"kind": "audit", "seconds": 31536000}]}]},
    )

    overrides: list[RetentionOverride] = Field(min_length=1, max_length=50)


def _overrides(conn: Connection, lock: bool = False) -> dict[str, int]:
    query = "SELECT kind, seconds FROM retention_overrides"
    rows = conn.execute(query + " FOR UPDATE" if lock else query).fetchall()
    return {r["kind"]: int(r["seconds"]) for r in rows}


def _view(overrides: dict[str, int]) -> RetentionPolicy:
    out = []
    for kind in kinds():
        own = overrides.get(kind.name) if kind.overridable else None
        out.append(
            RetentionKind(
                kind=kind.name,
                description=kind.description,
                method=kind.method,
                belongs_to="org" if kind.per_org else "user",
                default_seconds=int(kind.period.total_seconds()),
                seconds=int(effective(kind, own).total_seconds()),
                overridden=own is not None and timedelta(seconds=own) > kind.period,
                overridable=kind.overridable and kind.per_org,
            )
        )
    return RetentionPolicy(kinds=out)


def get(ctx: RequestContext) -> RetentionPolicy:
    return _view(_overrides(ctx.db))


def _check(body: RetentionUpdate) -> None:
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(body.overrides):
        kind = policy().get(item.kind)
        where = f"overrides.{i}"
        if kind is None:
            errors.append(
                field_error(f"{where}.kind", f"No kind of data is called {item.kind!r}.", "unknown_kind")
            )
        elif not (kind.overridable and kind.per_org):
            errors.append(
                field_error(f"{where}.kind", f"{item.kind} is kept for a fixed period.", "not_overridable")
            )
        elif item.seconds is not None and timedelta(seconds=item.seconds) < kind.period:
            errors.append(
                field_error(
                    f"{where}.seconds",
                    f"{item.kind} is kept at least {int(kind.period.total_seconds())} seconds: an org may"
                    " keep data longer, never shorter.",
                    "retention_too_short",
                )
            )
        if item.kind in seen:
            errors.append(field_error(f"{where}.kind", f"{item.kind} is named twice.", "duplicate"))
        seen.add(item.kind)
    if errors:
        raise Unprocessable("validation_failed", "The retention overrides are not valid.", errors=errors)


def update(ctx: RequestContext, body: RetentionUpdate) -> RetentionPolicy:
    _check(body)
    before = _overrides(ctx.db, lock=True)
    changes: dict[str, Any] = {}
    for item in body.overrides:
        old = before.get(item.kind)
        if item.seconds == old:
            continue
        if item.seconds is None:
            ctx.db.execute("DELETE FROM retention_overrides WHERE kind = %s", (item.kind,))
        else:
            ctx.db.execute(
                "INSERT INTO retention_overrides (org_id, kind, seconds) VALUES (%s, %s, %s)"
                " ON CONFLICT (org_id, kind) DO UPDATE SET seconds = EXCLUDED.seconds, updated_at = now()",
                (ctx.org_id, item.kind, item.seconds),
            )
        changes[item.kind] = {"from": old, "to": item.seconds}
    if changes:
        ctx.audit("retention.update", "retention", ctx.org_id, changes=changes)
    return _view(_overrides(ctx.db))
