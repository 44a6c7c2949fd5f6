"""POST /webhooks/email/unsubscribe: RFC 8058 one-click unsubscribe from a marketing email; the
signed token in `t` names the org and the address, which is suppressed for marketing email."""

from hearth import needs
from hearth.email import unsubscribe
from hearth.hooks import Hook, HookContext, HookReply

hook = Hook()


@hook.post(
    unsubscribe.PATH,
    provider=unsubscribe.Unsubscribe(),
    needs=[needs.EMAIL_UNSUBSCRIBE_KEY, needs.EVENTS],
    ack=HookReply(200, "You are unsubscribed.", "text/plain; charset=utf-8"),
)
def unsubscribe_from_email(ctx: HookContext) -> HookReply:
    return unsubscribe.apply(ctx)


handler = hook.handler
