"""``hearth simulate <provider> <event>``: a correctly signed inbound webhook sent to a running
local stack (or any URL), like ``stripe trigger``; it prints the status and body of the answer::

    hearth simulate stripe event --type customer.updated --data '{"object": {"id": "cus_1"}}'
    hearth simulate github event --event push --payload push.json
    hearth simulate twilio request --path /webhooks/twilio/sms --param From=+15551234567 --param Body=hi

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
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from hearth_dev.standins.providers import (
    GITHUB_INSTALLATION_ID,
    GITHUB_WEBHOOK_SECRET,
    STRIPE_WEBHOOK_SECRET,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
)

TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Target:
    """Where a simulated delivery goes: ``base_url`` (the running stack), and the public base URL
    the provider would have called, which Twilio signs (the stack's ``HEARTH_PUBLIC_BASE_URL``)."""

    base_url: str
    public_base_url: str

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def public_url(self, path: str) -> str:
        return self.public_base_url.rstrip("/") + path


@dataclass(frozen=True)
class Delivery:
    """One signed request, as the provider sends it."""

    path: str
    body: bytes
    headers: dict[str, str]
    method: str = "POST"
    label: str = ""


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes


#: Makes the signed request(s) from the arguments (``args.local_state``: the running stack's state).
Builder = Callable[[argparse.Namespace, Target], "Delivery | list[Delivery]"]
Options = Callable[[argparse.ArgumentParser], None]


@dataclass(frozen=True)
class Simulation:
    provider: str
    event: str
    build: Builder
    options: Options | None = None
    help: str = ""


REGISTRY: dict[str, dict[str, Simulation]] = {}


def register(
    provider: str, event: str, build: Builder, *, options: Options | None = None, help: str = ""
) -> None:
    """Offer ``hearth simulate <provider> <event>``: ``options`` adds its arguments, ``build``
    makes the signed :class:`Delivery` from them."""
    events = REGISTRY.setdefault(provider, {})
    if event in events:
        raise ValueError(f"hearth simulate {provider} {event} is registered already")
    events[event] = Simulation(provider, event, build, options, help)


def send(delivery: Delivery, target: Target, *, timeout: float = TIMEOUT_SECONDS) -> Answer:
    """Send ``delivery`` to ``target`` and return the answer, whatever its status."""
    request = urllib.request.Request(  # noqa: S310 (the URL is the developer's own)
        target.url(delivery.path), data=delivery.body, headers=delivery.headers, method=delivery.method
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Answer(response.status, response.reason, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, exc.reason, dict(exc.headers.items()), exc.read())


def _json_argument(value: str, what: str) -> Any:
    """JSON given inline, or ``@path`` / a path to a file holding it."""
    text = value
    if value.startswith("@") or (not value.lstrip().startswith(("{", "[")) and Path(value).is_file()):
        text = Path(value.removeprefix("@")).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise SystemExit(f"hearth simulate: {what} is not JSON (or a file holding JSON): {exc}") from None


# -- Stripe ---------------------------------------------------------------------------------------


def stripe_event_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--type", required=True, help="the event type, e.g. customer.updated")
    parser.add_argument(
        "--data",
        default='{"object": {}}',
        help='the event\'s data: JSON (or @FILE) with "object" and optionally "previous_attributes"',
    )
    parser.add_argument(
        "--path", default="/webhooks/stripe", help="where Stripe sends (default: %(default)s)"
    )
    parser.add_argument(
        "--secret", default=STRIPE_WEBHOOK_SECRET, help="the endpoint secret (default: local)"
    )


def build_stripe_event(args: argparse.Namespace, target: Target) -> Delivery:
    from hearth_dev.standins.stripe import StripeStandIn, sign

    data = _json_argument(args.data, "--data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise SystemExit('hearth simulate: --data is an object with an "object" object')
    event = StripeStandIn.event(args.type, data["object"], data.get("previous_attributes"))
    payload = json.dumps(event, indent=2)
    return Delivery(
        args.path,
        payload.encode("utf-8"),
        {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": sign(payload, args.secret),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        },
        label=f"stripe {args.type} {event['id']}",
    )


# -- GitHub ---------------------------------------------------------------------------------------


def github_event_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--event", required=True, help="X-GitHub-Event, e.g. push, issues, installation")
    parser.add_argument("--payload", default="{}", help="the payload: JSON, or a file (@FILE) holding it")
    parser.add_argument(
        "--path", default="/webhooks/github/events", help="where GitHub sends (default: %(default)s)"
    )
    parser.add_argument("--secret", default=GITHUB_WEBHOOK_SECRET, help="the webhook secret (default: local)")


def build_github_event(args: argparse.Namespace, target: Target) -> Delivery:
    from hearth_dev.standins.github import delivery_headers

    body = json.dumps(_json_argument(args.payload, "--payload")).encode("utf-8")
    headers = delivery_headers(args.event, body, args.secret)
    return Delivery(args.path, body, headers, label=f"github {args.event} {headers['X-GitHub-Delivery']}")


def _github_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", default="demo-co/web", help="owner/name (default: %(default)s)")
    parser.add_argument(
        "--installation", type=int, default=GITHUB_INSTALLATION_ID, help="installation id (default: local)"
    )
    parser.add_argument("--sender", default="ada", help="who did it on GitHub (default: %(default)s)")
    parser.add_argument(
        "--path", default="/webhooks/github/events", help="where GitHub sends (default: %(default)s)"
    )
    parser.add_argument("--secret", default=GITHUB_WEBHOOK_SECRET, help="the webhook secret (default: local)")


def _github_delivery(args: argparse.Namespace, event: str, payload: dict[str, Any]) -> Delivery:
    from hearth_dev.standins.github import delivery_headers, repository_object

    payload = {
        **payload,
        "repository": repository_object(args.repo),
        "installation": {"id": args.installation},
        "sender": {"login": args.sender, "type": "Bot" if args.sender.endswith("[bot]") else "User"},
    }
    body = json.dumps(payload).encode("utf-8")
    headers = delivery_headers(event, body, args.secret)
    return Delivery(args.path, body, headers, label=f"github {event} {headers['X-GitHub-Delivery']}")


def github_push_options(parser: argparse.ArgumentParser) -> None:
    _github_common(parser)
    parser.add_argument("--branch", default="main", help="the branch pushed to (default: %(default)s)")
    parser.add_argument(
        "--message", action="append", default=[], help="a commit message (repeatable), e.g. 'Fixes TASK-1'"
    )


def build_github_push(args: argparse.Namespace, target: Target) -> Delivery:
    import hashlib

    commits = []
    for i, message in enumerate(args.message or ["Work in progress"]):
        sha = hashlib.sha1(f"{args.repo}:{args.branch}:{i}:{message}:{_token()}".encode()).hexdigest()  # noqa: S324 (a git sha's shape)
        commits.append(
            {
                "id": sha,
                "message": message,
                "url": f"https://github.com/{args.repo}/commit/{sha}",
                "author": {
                    "name": args.sender,
                    "email": f"{args.sender}@example.com",
                    "username": args.sender,
                },
            }
        )
    return _github_delivery(
        args,
        "push",
        {
            "ref": f"refs/heads/{args.branch}",
            "before": "0" * 40,
            "after": commits[-1]["id"],
            "commits": commits,
        },
    )


def github_pull_request_options(parser: argparse.ArgumentParser) -> None:
    _github_common(parser)
    parser.add_argument(
        "--action", default="opened", help="opened, edited, closed, reopened (default: opened)"
    )
    parser.add_argument("--number", type=int, default=1)
    parser.add_argument("--title", default="A change", help="its title, e.g. 'Fixes TASK-1'")
    parser.add_argument("--body", default="")
    parser.add_argument("--branch", default="feature", help="its head branch, e.g. task-1-login")
    parser.add_argument("--base", default="main", help="the branch it merges into")
    parser.add_argument("--merged", action="store_true", help="closed by merging")


def build_github_pull_request(args: argparse.Namespace, target: Target) -> Delivery:
    pr = {
        "number": args.number,
        "title": args.title,
        "body": args.body,
        "state": "closed" if args.action == "closed" or args.merged else "open",
        "merged": args.merged,
        "merged_at": "2026-01-01T00:00:00Z" if args.merged else None,
        "html_url": f"https://github.com/{args.repo}/pull/{args.number}",
        "user": {"login": args.sender},
        "head": {"ref": args.branch},
        "base": {"ref": args.base},
    }
    action = "closed" if args.merged else args.action
    return _github_delivery(
        args, "pull_request", {"action": action, "number": args.number, "pull_request": pr}
    )


def github_issues_options(parser: argparse.ArgumentParser) -> None:
    _github_common(parser)
    parser.add_argument(
        "--action", default="edited", help="opened, edited, closed, reopened (default: edited)"
    )
    parser.add_argument("--number", type=int, default=1)
    parser.add_argument("--title", required=True, help="the issue's title now")
    parser.add_argument("--state", choices=("open", "closed"), default="open")


def build_github_issues(args: argparse.Namespace, target: Target) -> Delivery:
    issue = {
        "number": args.number,
        "title": args.title,
        "state": args.state,
        "html_url": f"https://github.com/{args.repo}/issues/{args.number}",
        "user": {"login": args.sender},
    }
    return _github_delivery(args, "issues", {"action": args.action, "issue": issue})


def github_installation_options(parser: argparse.ArgumentParser) -> None:
    _github_common(parser)
    parser.add_argument(
        "--action", default="created", help="created, deleted, suspend, unsuspend (default: created)"
    )


def build_github_installation(args: argparse.Namespace, target: Target) -> Delivery:
    from hearth_dev.standins.github import repository_object

    return _github_delivery(
        args,
        "installation",
        {"action": args.action, "repositories": [repository_object(args.repo)]},
    )


# -- Twilio ---------------------------------------------------------------------------------------


def twilio_request_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--path", required=True, help="the webhook path, e.g. /webhooks/twilio/sms")
    parser.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="a form parameter (repeatable)"
    )
    parser.add_argument(
        "--account-sid", default=TWILIO_ACCOUNT_SID, help="AccountSid (default: the local account)"
    )
    parser.add_argument(
        "--auth-token",
        default=TWILIO_AUTH_TOKEN,
        help="the account's auth token it is signed with (default: the local account's)",
    )


def twilio_params(pairs: list[str], account_sid: str) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SystemExit(f"hearth simulate: --param takes NAME=VALUE, not {pair!r}")
        params.append((name, value))
    if not any(name == "AccountSid" for name, _ in params):
        params.insert(0, ("AccountSid", account_sid))
    return params


def twilio_signature(auth_token: str, url: str, params: list[tuple[str, str]]) -> str:
    """``X-Twilio-Signature`` of a form POST to ``url``, by twilio's own ``RequestValidator``."""
    from twilio.request_validator import RequestValidator

    values: dict[str, list[str]] = {}
    for name, value in params:
        values.setdefault(name, []).append(value)
    return str(RequestValidator(auth_token).compute_signature(url, _MultiDict(values)))


class _MultiDict(dict[str, list[str]]):
    """A form with repeated names, as RequestValidator reads Django's ``QueryDict``."""

    def getlist(self, name: str) -> list[str]:
        return self[name]


def build_twilio_request(args: argparse.Namespace, target: Target) -> Delivery:
    if not args.path.startswith("/"):
        raise SystemExit("hearth simulate: --path starts with /")
    params = twilio_params(args.param, args.account_sid)
    signature = twilio_signature(args.auth_token, target.public_url(args.path), params)
    return Delivery(
        args.path,
        urlencode(params).encode("utf-8"),
        {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "X-Twilio-Signature": signature,
            "User-Agent": "TwilioProxy/1.1",
            "I-Twilio-Idempotency-Token": _token(),
        },
        label=f"twilio {args.path}",
    )


def _token() -> str:
    import secrets

    return secrets.token_hex(16)


from hearth_dev.simulate_stripe import register_billing_events  # noqa: E402 (after register exists)

register_billing_events()
register("stripe", "event", build_stripe_event, options=stripe_event_options, help="any Stripe event, signed")
register(
    "github", "event", build_github_event, options=github_event_options, help="any GitHub delivery, signed"
)
register(
    "github",
    "push",
    build_github_push,
    options=github_push_options,
    help="commits pushed (messages naming task keys)",
)
register(
    "github",
    "pull_request",
    build_github_pull_request,
    options=github_pull_request_options,
    help="a pull request opened, closed or merged",
)
register("github", "issues", build_github_issues, options=github_issues_options, help="an issue changed")
register(
    "github",
    "installation",
    build_github_installation,
    options=github_installation_options,
    help="the app installed, uninstalled, suspended",
)
register(
    "twilio",
    "request",
    build_twilio_request,
    options=twilio_request_options,
    help="any Twilio webhook form POST, signed with the account's auth token",
)


# Named Twilio events: the messaging webhook's inbound SMS and a message's status callback, with
# the fields Twilio sends (a MessageSid made up unless given).


def _sid(prefix: str) -> str:
    return prefix + _token()


def twilio_sms_options(parser: argparse.ArgumentParser) -> None:
    twilio_account_options(parser)
    parser.add_argument("--from", dest="sender", required=True, help="who sent it (E.164)")
    parser.add_argument("--to", required=True, help="the org's number it reached (E.164)")
    parser.add_argument(
        "--body", default="Hello from hearth simulate", help="the text (STOP, START, HELP...)"
    )
    parser.add_argument("--media", action="append", default=[], help="a media URL (repeatable)")
    parser.add_argument("--message-sid", help="MessageSid (default: a new one; repeat one to see dedupe)")


def twilio_account_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--account-sid", default=TWILIO_ACCOUNT_SID, help="AccountSid (default: the local account)"
    )
    parser.add_argument(
        "--auth-token",
        default=TWILIO_AUTH_TOKEN,
        help="the auth token it is signed with (default: the local one)",
    )


def _signed_form(
    args: argparse.Namespace, target: Target, path: str, params: list[tuple[str, str]]
) -> Delivery:
    signature = twilio_signature(args.auth_token, target.public_url(path), params)
    return Delivery(
        path,
        urlencode(params).encode("utf-8"),
        {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "X-Twilio-Signature": signature,
            "User-Agent": "TwilioProxy/1.1",
            "I-Twilio-Idempotency-Token": _token(),
        },
        label=f"twilio {path}",
    )


def build_twilio_sms(args: argparse.Namespace, target: Target) -> Delivery:
    sid = args.message_sid or _sid("SM")
    params = [
        ("AccountSid", args.account_sid),
        ("ApiVersion", "2010-04-01"),
        ("Body", args.body),
        ("From", args.sender),
        ("MessageSid", sid),
        ("NumMedia", str(len(args.media))),
        ("SmsSid", sid),
        ("To", args.to),
    ]
    params += [(f"MediaUrl{i}", url) for i, url in enumerate(args.media)]
    return _signed_form(args, target, "/webhooks/twilio/sms", params)


def twilio_status_options(parser: argparse.ArgumentParser) -> None:
    twilio_account_options(parser)
    parser.add_argument("--message-sid", required=True, help="the message's MessageSid (SM...)")
    parser.add_argument(
        "--status", required=True, choices=["queued", "sending", "sent", "delivered", "undelivered", "failed"]
    )
    parser.add_argument("--message-id", help="Hearth's message id (the sender puts it in the callback URL)")
    parser.add_argument("--to", default="", help="the recipient (E.164)")
    parser.add_argument("--error-code", help="Twilio's ErrorCode (30003, 21610...)")


def build_twilio_status(args: argparse.Namespace, target: Target) -> Delivery:
    params = [
        ("AccountSid", args.account_sid),
        ("ApiVersion", "2010-04-01"),
        ("MessageSid", args.message_sid),
        ("MessageStatus", args.status),
        ("SmsSid", args.message_sid),
        ("SmsStatus", args.status),
    ]
    if args.to:
        params.append(("To", args.to))
    if args.error_code:
        params.append(("ErrorCode", args.error_code))
    path = "/webhooks/twilio/sms-status" + (f"?message_id={args.message_id}" if args.message_id else "")
    return _signed_form(args, target, path, params)


def twilio_call_options(parser: argparse.ArgumentParser) -> None:
    twilio_account_options(parser)
    parser.add_argument("--from", dest="sender", required=True, help="who is calling (E.164)")
    parser.add_argument("--to", required=True, help="the org's number called (E.164)")
    parser.add_argument("--call-sid", help="CallSid (default: a new one)")


def build_twilio_call(args: argparse.Namespace, target: Target) -> Delivery:
    params = [
        ("AccountSid", args.account_sid),
        ("ApiVersion", "2010-04-01"),
        ("CallSid", args.call_sid or _sid("CA")),
        ("CallStatus", "ringing"),
        ("Direction", "inbound"),
        ("From", args.sender),
        ("To", args.to),
    ]
    return _signed_form(args, target, "/webhooks/twilio/voice", params)


register("twilio", "sms", build_twilio_sms, options=twilio_sms_options, help="an inbound SMS, signed")
register("twilio", "call", build_twilio_call, options=twilio_call_options, help="an inbound call, signed")
register(
    "twilio",
    "status",
    build_twilio_status,
    options=twilio_status_options,
    help="an SMS status callback, signed",
)


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
