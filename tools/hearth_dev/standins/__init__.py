"""Provider stand-ins: small loopback HTTP servers that answer Twilio, Stripe, GitHub and
Anthropic the way those APIs do, record what they got, call back signed, and fail on request.
``hearth local`` runs them; the tests use them too::

    from hearth_dev.standins import StandIns

    with StandIns() as standins:
        standins.stripe.fail(status=429, times=1)
        ...
"""

from hearth_dev.standins.anthropic import AnthropicStandIn
from hearth_dev.standins.github import GitHubStandIn
from hearth_dev.standins.providers import StandIns
from hearth_dev.standins.server import Answer, Callback, Fault, Recorded, Request, StandIn
from hearth_dev.standins.stripe import StripeStandIn
from hearth_dev.standins.twilio import TwilioStandIn

__all__ = [
    "Answer",
    "AnthropicStandIn",
    "Callback",
    "Fault",
    "GitHubStandIn",
    "Recorded",
    "Request",
    "StandIn",
    "StandIns",
    "StripeStandIn",
    "TwilioStandIn",
]
