"""The inbound webhook kit (``hearth.hooks.kit``): a provider's webhook verified first, its org
found by a narrow lookup, deduplicated on the provider's delivery id in the effect's own
transaction::

    from hearth.hooks import Hook, HookContext, HookReply

    hook = Hook()

    @hook.post("/webhooks/stripe", provider="stripe", org=...)
    def on_event(ctx: HookContext) -> HookReply | None: ...

    handler = hook.handler

Importing this package imports no provider SDK and not the route kit (``hearth.http``): a
webhook function's cold start pays for its own provider only.
"""

from hearth.hooks.context import HookContext, HookReply
from hearth.hooks.kit import Hook, provider_named, signer_org
from hearth.hooks.providers.base import InboundRequest, Provider, SignatureInvalid, SigningKey, Verified
from hearth.hooks.spec import HookSpec

__all__ = [
    "Hook",
    "HookContext",
    "HookReply",
    "HookSpec",
    "InboundRequest",
    "Provider",
    "SignatureInvalid",
    "SigningKey",
    "Verified",
    "provider_named",
    "signer_org",
]
