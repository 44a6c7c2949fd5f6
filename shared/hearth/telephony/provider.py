"""Twilio's REST API as telephony uses it, through the twilio SDK with the org's own credentials
(the one module of the area that imports the SDK, inside each call: a function that calls it
declares ``needs.TWILIO_SDK``)::

    account = Account(sid, token)
    found = find_number(account, "+14155550100")      # OwnedNumber, or None
    sid = send_message(account, to=..., from_=..., body=..., status_callback=...)

Every failure is a :class:`ProviderError`: Twilio's error code (``21610``...) or ``unreachable``,
a sanitised message (no credential in it), the HTTP status, and whether it is ``temporary``
(429, 5xx, a timeout or a refused connection: worth trying again) and the ``Retry-After`` Twilio
asked for, if any.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hearth.integrations.providers import sanitised
from hearth.settings import settings


@dataclass(frozen=True, slots=True)
class Account:
    """An org's Twilio account and the token that authenticates it (never logged)."""

    sid: str
    token: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class OwnedNumber:
    """A number in the account (an IncomingPhoneNumber)."""

    sid: str
    e164: str
    friendly_name: str | None
    capabilities: dict[str, bool]


@dataclass(frozen=True, slots=True)
class AvailableNumber:
    e164: str
    friendly_name: str | None
    locality: str | None
    region: str | None
    country: str | None
    capabilities: dict[str, bool]


@dataclass(frozen=True, slots=True)
class Webhooks:
    """Where Twilio calls this deployment for a number's messages and calls."""

    sms_url: str
    voice_url: str | None = None
    voice_status_url: str | None = None


class ProviderError(Exception):
    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        temporary: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.temporary = temporary
        self.retry_after = retry_after


def _client(account: Account) -> Any:
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    class HttpClient(TwilioHttpClient):  # type: ignore[misc]  # the SDK is untyped
        """Twilio's HTTP client, keeping the ``Retry-After`` of its last answer (the SDK's
        exceptions do not carry the headers)."""

        retry_after: str | None = None

        def request(self, *args: Any, **kwargs: Any) -> Any:
            response = super().request(*args, **kwargs)
            self.retry_after = (response.headers or {}).get("Retry-After")
            return response

    client = Client(
        account.sid, account.token, http_client=HttpClient(timeout=settings().twilio_timeout_seconds)
    )
    client.api.base_url = settings().twilio_api_base.rstrip("/")
    return client


def _retry_after(client: Any) -> float | None:
    value = getattr(client.http_client, "retry_after", None)
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _call(account: Account, work: Any) -> Any:
    """``work(client)``, its failures as :class:`ProviderError`."""
    from twilio.base.exceptions import TwilioException, TwilioRestException

    client = _client(account)
    try:
        return work(client)
    except TwilioRestException as exc:
        status = int(exc.status or 0)
        message = str(exc.msg or "").split(": ", 1)[-1] if exc.msg else "Twilio refused the request."
        raise ProviderError(
            str(exc.code or status),
            sanitised(message, [account.token]),
            status=status,
            temporary=status == 429 or status >= 500,
            retry_after=_retry_after(client),
        ) from None
    except TwilioException as exc:  # a list's page that failed: the response is its second argument
        response = exc.args[1] if len(exc.args) > 1 else None
        status = int(getattr(response, "status_code", 0) or 0)
        code = str(status or "failed")
        with contextlib.suppress(ValueError, AttributeError):
            code = str(json.loads(getattr(response, "text", "") or "{}").get("code") or code)
        raise ProviderError(
            code,
            "Twilio refused the request.",
            status=status,
            temporary=status == 429 or status >= 500 or status == 0,
            retry_after=_retry_after(client),
        ) from None
    except OSError:  # requests' connection errors and timeouts
        raise ProviderError("unreachable", "Twilio's API could not be reached.", temporary=True) from None


def _owned(record: Any) -> OwnedNumber:
    caps = record.capabilities or {}
    return OwnedNumber(
        sid=record.sid,
        e164=record.phone_number,
        friendly_name=record.friendly_name,
        capabilities={k: bool(caps.get(k)) for k in ("sms", "mms", "voice")},
    )


def find_number(account: Account, e164: str) -> OwnedNumber | None:
    """The account's IncomingPhoneNumber for ``e164``, or None when the account does not hold it."""

    def work(client: Any) -> OwnedNumber | None:
        found = client.api.v2010.accounts(account.sid).incoming_phone_numbers.list(phone_number=e164, limit=1)
        matching = [r for r in found if r.phone_number == e164]
        return _owned(matching[0]) if matching else None

    result: OwnedNumber | None = _call(account, work)
    return result


def configure_number(account: Account, number_sid: str, hooks: Webhooks) -> None:
    """Point the number's SMS (and voice) webhooks at this deployment."""
    _call(
        account,
        lambda client: (
            client.api.v2010.accounts(account.sid)
            .incoming_phone_numbers(number_sid)
            .update(**_hook_fields(hooks))
        ),
    )


def _hook_fields(hooks: Webhooks) -> dict[str, str]:
    fields = {"sms_url": hooks.sms_url, "sms_method": "POST"}
    if hooks.voice_url:
        fields |= {"voice_url": hooks.voice_url, "voice_method": "POST"}
    if hooks.voice_status_url:
        fields |= {"status_callback": hooks.voice_status_url, "status_callback_method": "POST"}
    return fields


def search_available(
    account: Account,
    country: str,
    *,
    area_code: int | None = None,
    contains: str | None = None,
    limit: int = 20,
) -> list[AvailableNumber]:
    """Local numbers for sale in ``country`` that can send SMS."""

    def work(client: Any) -> list[AvailableNumber]:
        options: dict[str, Any] = {"sms_enabled": True, "limit": limit}
        if area_code is not None:
            options["area_code"] = area_code
        if contains:
            options["contains"] = contains
        found = client.api.v2010.accounts(account.sid).available_phone_numbers(country).local.list(**options)
        return [
            AvailableNumber(
                e164=r.phone_number,
                friendly_name=r.friendly_name,
                locality=r.locality,
                region=r.region,
                country=r.iso_country,
                capabilities={k: bool((r.capabilities or {}).get(k)) for k in ("sms", "mms", "voice")},
            )
            for r in found
        ]

    result: list[AvailableNumber] = _call(account, work)
    return result


def buy_number(account: Account, e164: str, hooks: Webhooks) -> OwnedNumber:
    """Buy ``e164`` into the account, its webhooks pointed at this deployment."""
    return _owned(
        _call(
            account,
            lambda client: client.api.v2010.accounts(account.sid).incoming_phone_numbers.create(
                phone_number=e164, **_hook_fields(hooks)
            ),
        )
    )


def release_number(account: Account, number_sid: str) -> None:
    """Release the number from the account (a number already gone counts as released)."""
    try:
        _call(
            account,
            lambda client: client.api.v2010.accounts(account.sid).incoming_phone_numbers(number_sid).delete(),
        )
    except ProviderError as exc:
        if exc.status != 404:
            raise


def send_message(
    account: Account,
    *,
    to: str,
    from_: str,
    body: str,
    media_urls: Sequence[str] = (),
    status_callback: str | None,
) -> tuple[str, str]:
    """Send an SMS (MMS with ``media_urls``): Twilio's message sid and status."""

    def work(client: Any) -> tuple[str, str]:
        options: dict[str, Any] = {"to": to, "from_": from_}
        if body:
            options["body"] = body
        if media_urls:
            options["media_url"] = list(media_urls)
        if status_callback:
            options["status_callback"] = status_callback
        message = client.api.v2010.accounts(account.sid).messages.create(**options)
        return message.sid, message.status

    result: tuple[str, str] = _call(account, work)
    return result


def place_call(account: Account, *, to: str, from_: str, url: str, status_callback: str | None) -> str:
    """Call ``to`` from ``from_``; when it is answered, Twilio asks ``url`` what to do. Twilio's
    call sid."""

    def work(client: Any) -> str:
        options: dict[str, Any] = {"to": to, "from_": from_, "url": url, "method": "POST"}
        if status_callback:
            options |= {
                "status_callback": status_callback,
                "status_callback_method": "POST",
                "status_callback_event": ["initiated", "ringing", "answered", "completed"],
            }
        return str(client.api.v2010.accounts(account.sid).calls.create(**options).sid)

    result: str = _call(account, work)
    return result


def recording_media(account: Account, recording_sid: str) -> bytes:
    """A recording's audio (MP3), from the account's own API (never from a URL a webhook gave)."""
    import requests

    base = settings().twilio_api_base.rstrip("/")
    url = f"{base}/2010-04-01/Accounts/{account.sid}/Recordings/{recording_sid}.mp3"
    try:
        response = requests.get(
            url, auth=(account.sid, account.token), timeout=settings().twilio_timeout_seconds * 3
        )
    except OSError:
        raise ProviderError("unreachable", "Twilio's API could not be reached.", temporary=True) from None
    if response.status_code != 200:
        status = response.status_code
        raise ProviderError(
            str(status),
            "Twilio did not hand over the recording.",
            status=status,
            temporary=status == 429 or status >= 500,
        )
    return bytes(response.content)


def delete_recording(account: Account, recording_sid: str) -> None:
    """Delete the recording in Twilio (one already gone counts as deleted)."""
    try:
        _call(
            account, lambda client: client.api.v2010.accounts(account.sid).recordings(recording_sid).delete()
        )
    except ProviderError as exc:
        if exc.status != 404:
            raise
