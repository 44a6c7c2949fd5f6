"""``hearth simulate twilio ...``: form POSTs signed with twilio's own ``RequestValidator`` over the
public URL, with the fields Twilio sends."""

from __future__ import annotations

import argparse
from urllib.parse import urlencode

from hearth_dev.simulate.kit import (
    Delivery,
    Target,
    _token,
    register,
)
from hearth_dev.standins.providers import (
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
)


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
