"""POST /webhooks/github/events through Hearth's webhook kit: GitHub's signature (the local
webhook secret `hearth local` sets), the org named by the delivery (`org` in the payload, through
the test lookup `hearth_org_of_test_account`), a receipt per delivery; answers what it stored."""

import json

from hearth.hooks import Hook, HookContext, HookReply, lookups

hook = Hook()


@hook.post(
    "/webhooks/github/events",
    provider="github",
    org=lookups.org_by("hearth_org_of_test_account", lambda d: d.payload.get("org")),
)
def on_event(ctx: HookContext) -> HookReply:
    ctx.audit("github.delivery", "delivery", ctx.delivery.delivery_id, changes={"event": ctx.delivery.event})
    return HookReply(
        200, json.dumps({"event": ctx.delivery.event, "org": str(ctx.org_id)}), "application/json"
    )


handler = hook.handler
