"""``hearth simulate <provider> <event>``: a correctly signed inbound webhook sent to a running
local stack (or any URL), like ``stripe trigger``; it prints the status and body of the answer::

    hearth simulate stripe event --type customer.updated --data '{"object": {"id": "cus_1"}}'
    hearth simulate github event --event push --payload push.json
    hearth simulate twilio request --path /webhooks/twilio/sms --param From=+15551234567 --param Body=hi
    hearth simulate ses bounce --email-id 5e2d…   # an SES event on the local EmailEventsQueue

Requests are signed with the providers' own libraries (twilio's ``RequestValidator``, stripe's
``WebhookSignature``; GitHub's documented HMAC), with the local secrets ``hearth local`` gives the
functions (or ``--secret`` / ``--auth-token``). Each event is registered here; a provider's issue
adds its named events the same way::

    def build_sms(args: argparse.Namespace, target: Target) -> Delivery: ...

    register("twilio", "sms", build_sms, options=sms_options, help="an inbound SMS")
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Any

from hearth_dev.simulate import github, ses, ses_inbound, stripe, twilio  # noqa: F401 (each registers its events)
from hearth_dev.simulate.kit import REGISTRY, Answer, Delivery, Options, Target, register, send
from hearth_dev.simulate.twilio import twilio_signature

__all__ = [
    "REGISTRY",
    "Answer",
    "Delivery",
    "Target",
    "add_parser",
    "register",
    "run",
    "send",
    "target_of",
    "twilio_signature",
]


# -- the command ----------------------------------------------------------------------------------


def add_parser(sub: Any, common: Options) -> None:
    """``hearth simulate``: a subcommand per provider, then one per registered event."""
    p = sub.add_parser(
        "simulate", help="send a signed provider webhook to the local stack, like `stripe trigger`"
    )
    providers = p.add_subparsers(dest="simulate_provider", required=True, metavar="PROVIDER")
    for provider in sorted(REGISTRY):
        pp = providers.add_parser(provider, help=f"{provider} webhooks")
        events = pp.add_subparsers(dest="simulate_event", required=True, metavar="EVENT")
        for name, simulation in sorted(REGISTRY[provider].items()):
            ep = events.add_parser(name, help=simulation.help)
            if simulation.options is not None:
                simulation.options(ep)
            ep.add_argument("--url", help="the stack's URL (default: the running `hearth local`'s)")
            ep.add_argument("--public-url", help="the public base URL Twilio signs (default: the stack's)")
            common(ep)


def target_of(args: argparse.Namespace, state: dict[str, Any] | None) -> Target:
    base = args.url or (state or {}).get("url")
    if not base:
        raise SystemExit("hearth simulate: no running `hearth local` found (start it, or pass --url)")
    public = args.public_url or (state or {}).get("public_base_url") or base
    return Target(str(base), str(public))


def run(args: argparse.Namespace, state: dict[str, Any] | None) -> int:
    """Build, send and print; 0 when the answer is 2xx."""
    simulation = REGISTRY[args.simulate_provider][args.simulate_event]
    target = target_of(args, state)
    args.local_state = state or {}
    built = simulation.build(args, target)
    failed = False
    for delivery in built if isinstance(built, list) else [built]:
        print(f"{delivery.method} {target.url(delivery.path)}  ({delivery.label})", file=sys.stderr)
        try:
            answer = send(delivery, target)
        except OSError as exc:
            print(f"hearth simulate: {target.url(delivery.path)} did not answer: {exc}", file=sys.stderr)
            return 1
        print(f"{answer.status} {answer.reason}")
        text = answer.body.decode("utf-8", errors="replace")
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), indent=2)
        if text:
            print(text)
        failed = failed or not 200 <= answer.status < 300
    return 1 if failed else 0
