"""A credential's standing as the database holds it now, for writes.

API Gateway caches the authorizer's answer for up to 30 s, so a key revoked or a member removed
a moment ago may still arrive with a principal. Before a write is kept, the route kit re-reads
the key and the membership in the route's first round trip (one statement in the prelude, beside
the rate-limit count; ``hearth.http.ratelimit``) and refuses when they are gone. Reads keep the
cache's window. The same statement reads the org's payment standing: a subscription past_due (or
unpaid) for longer than the grace period (``HEARTH_BILLING_GRACE_DAYS``) refuses writes with 402
``payment_required`` (the route kit lets billing's own routes through, and every read)::

    prelude = ratelimit.prelude(org, user, credential, more=(statement(principal),))
    role = current_role(principal, row)   # raises 401/403
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hearth import clock, rbac
from hearth.principal import Principal
from hearth.problems import Forbidden, PaymentRequired, Unauthorized
from hearth.settings import settings

#: The header a write of an org in its payment grace period is answered with.
PAYMENT_WARNING_HEADER = "Hearth-Billing-Warning"

# Runs in the org's tenant transaction (row-level security shows its members and keys only).
_SQL = """
SELECT (SELECT role FROM org_members WHERE user_id = %(user)s::uuid) AS member_role,
       (SELECT role FROM api_keys
        WHERE id = %(key)s::uuid AND revoked_at IS NULL
          AND (expires_at IS NULL OR expires_at > now())) AS key_role,
       (SELECT past_due_since FROM billing_accounts WHERE status IN ('past_due', 'unpaid')) AS past_due_since,
       (SELECT deleted_at FROM orgs) AS org_deleted_at
"""


def statement(principal: Principal) -> tuple[str, dict[str, Any]]:
    """The statement that reads the standing of ``principal`` in the transaction's org."""
    return _SQL, {
        "user": str(principal.user_id) if principal.user_id else None,
        "key": str(principal.api_key_id) if principal.api_key_id else None,
    }


def current_role(principal: Principal, row: dict[str, Any] | None) -> rbac.Role:
    """The role ``principal`` holds now (for a key, the lesser of its own and its creator's);
    401 for a key that was revoked, expired or lost its creator, 403 for a user who left."""
    member = row["member_role"] if row else None
    if principal.kind == "api_key":
        key = row["key_role"] if row else None
        if key is None or member is None:
            raise Unauthorized(
                "api_key_revoked",
                "This API key is no longer valid: it was revoked, it expired, or its creator left the org.",
            )
        return rbac.lesser(key, member)
    if member is None:
        raise Forbidden("not_a_member", "You are not a member of this org.")
    return rbac.Role(member)


def payment_standing(row: dict[str, Any] | None) -> str | None:
    """For an org behind on payment: the warning header's value while its grace period lasts;
    402 ``payment_required`` once it has ended. ``None`` for an org in good standing."""
    since = row.get("past_due_since") if row else None
    if not isinstance(since, datetime):
        return None
    ends = since + timedelta(days=settings().billing_grace_days)
    stamp = ends.isoformat().replace("+00:00", "Z")
    if clock.now() >= ends:
        raise PaymentRequired(
            "payment_required",
            "The org's last payment failed and its grace period has ended: changes are refused"
            " until the invoice is paid (reads and billing keep working; see GET /v1/billing).",
            extensions={"grace_ended_at": stamp},
        )
    return f'past_due; grace_ends_at="{stamp}"'
