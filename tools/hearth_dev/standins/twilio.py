"""The Twilio REST API (2010-04-01) as Hearth uses it: fetch an account, send a message, and the
signed status callbacks that follow.

Point the real SDK at it::

    client = twilio.rest.Client(account_sid, auth_token)
    client.api.base_url = standin.url        # what HEARTH_TWILIO_API_BASE does
    message = client.messages.create(to="+15551234567", from_="+15557654321", body="hi",
                                     status_callback="http://localhost:3000/webhooks/twilio/status")

It answers 201 with the Message resource (``SM…``, ``queued``), then POSTs the status callbacks
``sent`` and ``delivered`` (``undelivered`` with error 30003 for a number in
:attr:`TwilioStandIn.undeliverable`), each form-encoded and signed with
``RequestValidator(auth_token).compute_signature(url, params)``, as Twilio does. Twilio's magic
test number ``+15005550001`` is refused as invalid (21211); a number in
:attr:`TwilioStandIn.unsubscribed` is refused with 21610 (the recipient replied STOP). Wrong
credentials are 401 code 20003. ``latency`` delays each new message's answer (benchmarks).

Phone numbers: each account's IncomingPhoneNumbers (listed, filtered by ``PhoneNumber``, bought,
updated with their webhook URLs, released), and AvailablePhoneNumbers/{country}/Local: the
numbers in :attr:`TwilioStandIn.for_sale` (tests add to both with :meth:`give_number` and
:meth:`offer_number`)::

    standin.give_number(account_sid, "+14155550100")   # the account holds it already
    standin.offer_number("+14155550123")               # for sale
"""

from __future__ import annotations

import secrets
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from hearth_dev.standins.server import Answer, Request, StandIn

API = "/2010-04-01"
SID = r"(?P<account_sid>AC[0-9a-fA-F]{32})"
#: The seconds between a message's answer and each of its status callbacks.
CALLBACK_STEP_SECONDS = 0.2
INVALID_NUMBER = "+15005550001"


def _date() -> str:
    return format_datetime(datetime.now(UTC), usegmt=True)


def _error(status: int, code: int, message: str) -> Answer:
    return Answer.json(
        status,
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
    )


_CODES = {400: 21200, 401: 20003, 404: 20404, 405: 20004, 429: 20429, 500: 20500, 503: 20503}


class TwilioStandIn(StandIn):
    name = "twilio"

    def __init__(self, accounts: dict[str, str], **kwargs: Any) -> None:
        """``accounts``: account sid -> auth token."""
        super().__init__(**kwargs)
        self.accounts = dict(accounts)
        self.messages: dict[str, dict[str, Any]] = {}
        self.undeliverable: set[str] = set()
        self.unsubscribed: set[str] = set()
        #: Seconds every answer waits (a provider's round trip, for benchmarks).
        self.latency = 0.0
        #: IncomingPhoneNumbers by sid, and the numbers for sale (E.164 -> locality).
        self.numbers: dict[str, dict[str, Any]] = {}
        self.for_sale: dict[str, str] = {}
        self._messages_lock = threading.Lock()
        self.route("GET", rf"{API}/Accounts/{SID}\.json", self.fetch_account)
        self.route("POST", rf"{API}/Accounts/{SID}/Messages\.json", self.create_message)
        self.route(
            "GET",
            rf"{API}/Accounts/{SID}/Messages/(?P<message_sid>SM[0-9a-f]{{32}})\.json",
            self.fetch_message,
        )
        numbers = rf"{API}/Accounts/{SID}/IncomingPhoneNumbers"
        one = rf"{numbers}/(?P<number_sid>PN[0-9a-f]{{32}})\.json"
        self.route("GET", rf"{numbers}\.json", self.list_numbers)
        self.route("POST", rf"{numbers}\.json", self.buy_number)
        self.route("POST", one, self.update_number)
        self.route("DELETE", one, self.release_number)
        self.route(
            "GET",
            rf"{API}/Accounts/{SID}/AvailablePhoneNumbers/(?P<country>[A-Z]{{2}})/Local\.json",
            self.available,
        )
        self.calls: dict[str, dict[str, Any]] = {}
        self.recordings: dict[str, dict[str, Any]] = {}
        self.route("POST", rf"{API}/Accounts/{SID}/Calls\.json", self.create_call)
        recording = rf"{API}/Accounts/{SID}/Recordings/(?P<recording_sid>RE[0-9a-f]{{32}})"
        self.route("GET", rf"{recording}\.mp3", self.recording_media)
        self.route("DELETE", rf"{recording}\.json", self.delete_recording)

    def error(self, status: int, message: str) -> Answer:
        return _error(status, _CODES.get(status, 20500 if status >= 500 else 21200), message)

    def describe(self) -> dict[str, Any]:
        return {"url": self.url, "accounts": sorted(self.accounts)}

    # -- auth -------------------------------------------------------------------------------------

    def _refused(self, request: Request, account_sid: str) -> Answer | None:
        """401 unless the request carries the account's own credentials (Basic auth)."""
        credentials = request.basic_auth()
        if credentials is None:
            return _error(401, 20003, "Authenticate")
        user, password = credentials
        token = self.accounts.get(user)
        if token is None or not secrets.compare_digest(token, password):
            return _error(401, 20003, "Authenticate")
        if user != account_sid:
            return _error(404, 20404, f"The requested resource {request.path} was not found")
        return None

    # -- accounts ---------------------------------------------------------------------------------

    def fetch_account(self, request: Request, account_sid: str) -> Answer:
        refused = self._refused(request, account_sid)
        if refused:
            return refused
        uri = f"{API}/Accounts/{account_sid}.json"
        return Answer.json(
            200,
            {
                "sid": account_sid,
                "owner_account_sid": account_sid,
                "friendly_name": "Local stand-in account",
                "status": "active",
                "type": "Full",
                "auth_token": self.accounts[account_sid],
                "date_created": _date(),
                "date_updated": _date(),
                "uri": uri,
                "subresource_uris": {"messages": f"{API}/Accounts/{account_sid}/Messages.json"},
            },
        )

    # -- messages ---------------------------------------------------------------------------------

    def create_message(self, request: Request, account_sid: str) -> Answer:  # noqa: PLR0911 (Twilio's checks, in its order)
        if self.latency:
            time.sleep(self.latency)
        refused = self._refused(request, account_sid)
        if refused:
            return refused
        form = {name: values[-1] for name, values in request.form().items()}
        to = form.get("To", "")
        sender = form.get("From", "")
        service = form.get("MessagingServiceSid", "")
        body = form.get("Body", "")
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not sender and not service:
            return _error(400, 21603, "A 'From' phone number is required.")
        if not body and not form.get("MediaUrl"):
            return _error(400, 21602, "Message body is required.")
        if to == INVALID_NUMBER:
            return _error(400, 21211, f"Invalid 'To' Phone Number: {to}")
        if to in self.unsubscribed:
            return _error(400, 21610, "Attempt to send to unsubscribed recipient")
        sid = "SM" + secrets.token_hex(16)
        uri = f"{API}/Accounts/{account_sid}/Messages/{sid}.json"
        message = {
            "account_sid": account_sid,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": _date(),
            "date_sent": None,
            "date_updated": _date(),
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender or None,
            "messaging_service_sid": service or None,
            "num_media": "1" if form.get("MediaUrl") else "0",
            "num_segments": str(max(1, -(-len(body) // 160))),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if service and not sender else "queued",
            "subresource_uris": {"media": f"{API}/Accounts/{account_sid}/Messages/{sid}/Media.json"},
            "to": to,
            "uri": uri,
        }
        with self._messages_lock:
            self.messages[sid] = message
        callback_url = form.get("StatusCallback")
        if callback_url:
            self.later(lambda: self._deliver(sid, callback_url), CALLBACK_STEP_SECONDS)
        return Answer.json(201, message)

    def fetch_message(self, request: Request, account_sid: str, message_sid: str) -> Answer:
        refused = self._refused(request, account_sid)
        if refused:
            return refused
        with self._messages_lock:
            message = self.messages.get(message_sid)
        if message is None or message["account_sid"] != account_sid:
            return _error(404, 20404, f"The requested resource {request.path} was not found")
        return Answer.json(200, message)

    def _deliver(self, sid: str, url: str) -> None:
        """The status callbacks of one message: sent, then delivered (or undelivered)."""
        with self._messages_lock:
            to = self.messages[sid]["to"]
        final = "undelivered" if to in self.undeliverable else "delivered"
        for status in ("sent", final):
            with self._messages_lock:
                message = self.messages[sid]
                message["status"] = status
                message["date_updated"] = _date()
                if status == "sent":
                    message["date_sent"] = _date()
                if status == "undelivered":
                    message["error_code"] = 30003
                    message["error_message"] = "Unreachable destination handset"
                params = self.status_params(message)
            self.send_signed(url, params, message["account_sid"], label=f"message {sid} {status}")
            if self._closing.wait(CALLBACK_STEP_SECONDS):
                return

    @staticmethod
    def status_params(message: dict[str, Any]) -> dict[str, str]:
        """The form Twilio POSTs to a message's ``StatusCallback``."""
        params = {
            "AccountSid": message["account_sid"],
            "ApiVersion": "2010-04-01",
            "MessageSid": message["sid"],
            "SmsSid": message["sid"],
            "MessageStatus": message["status"],
            "SmsStatus": message["status"],
            "To": message["to"],
        }
        if message.get("from"):
            params["From"] = message["from"]
        if message.get("messaging_service_sid"):
            params["MessagingServiceSid"] = message["messaging_service_sid"]
        if message.get("error_code"):
            params["ErrorCode"] = str(message["error_code"])
        return params

    def send_signed(self, url: str, params: dict[str, str], account_sid: str, *, label: str = "") -> Any:
        """POST ``params`` form-encoded to ``url``, signed with the account's auth token the way
        Twilio signs (``X-Twilio-Signature`` over the URL and the sorted parameters)."""
        from twilio.request_validator import RequestValidator

        signature = RequestValidator(self.accounts[account_sid]).compute_signature(url, params)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "X-Twilio-Signature": signature,
            "User-Agent": "TwilioProxy/1.1",
            "I-Twilio-Idempotency-Token": secrets.token_hex(16),
        }
        return self.callback(url, urlencode(params).encode("utf-8"), headers, label=label)

    # -- phone numbers ------------------------------------------------------------------------------

    def give_number(self, account_sid: str, e164: str, *, friendly_name: str | None = None) -> dict[str, Any]:
        """Put ``e164`` in the account (as if bought in Twilio's console)."""
        sid = "PN" + secrets.token_hex(16)
        number = {
            "sid": sid,
            "account_sid": account_sid,
            "phone_number": e164,
            "friendly_name": friendly_name or e164,
            "capabilities": {"voice": True, "sms": True, "mms": True, "fax": False},
            "sms_url": None,
            "sms_method": "POST",
            "voice_url": None,
            "voice_method": "POST",
            "status_callback": None,
            "date_created": _date(),
            "date_updated": _date(),
            "uri": f"{API}/Accounts/{account_sid}/IncomingPhoneNumbers/{sid}.json",
        }
        with self._messages_lock:
            self.numbers[sid] = number
        return number

    def offer_number(self, e164: str, locality: str = "San Francisco") -> None:
        self.for_sale[e164] = locality

    def _page(self, key: str, uri: str, records: list[dict[str, Any]]) -> Answer:
        return Answer.json(
            200,
            {
                key: records,
                "uri": uri,
                "first_page_uri": uri,
                "next_page_uri": None,
                "previous_page_uri": None,
                "page": 0,
                "page_size": max(50, len(records)),
                "start": 0,
                "end": max(0, len(records) - 1),
            },
        )

    def list_numbers(self, request: Request, account_sid: str) -> Answer:
        refused = self._refused(request, account_sid)
        if refused:
            return refused
        given = request.query.get("PhoneNumber")
        wanted = given[-1] if given else None
        with self._messages_lock:
            found = [
                n
                for n in self.numbers.values()
                if n["account_sid"] == account_sid and (wanted is None or n["phone_number"] == wanted)
            ]
        return self._page("incoming_phone_numbers", request.path, found)

    def _webhooks(self, number: dict[str, Any], form: dict[str, str]) -> None:
        for field, key in (
            ("SmsUrl", "sms_url"),
            ("SmsMethod", "sms_method"),
            ("VoiceUrl", "voice_url"),
            ("VoiceMethod", "voice_method"),
            ("StatusCallback", "status_callback"),
            ("FriendlyName", "friendly_name"),
        ):
            if field in form:
                number[key] = form[field]
        number["date_updated"] = _date()

    def buy_number(self, request: Request, account_sid: str) -> Answer:
        refused = self._refused(request, account_sid)
        if refused:
            return refused
        form = {name: values[-1] for name, values in request.form().items()}
        e164 = form.get("PhoneNumber", "")
        with self._messages_lock:
            if self.for_sale.pop(e164, None) is None:
                return _error(400, 21422, f"PhoneNumber {e164} is not available")
        number = self.give_number(account_sid, e164)
        with self._messages_lock:
            self._webhooks(number, form)
        return Answer.json(201, number)

    def _number(self, request: Request, account_sid: str, number_sid: str) -> dict[str, Any] | Answer:
        refused = self._refused(request, account_sid)
        if refused:
            return refused
        number = self.numbers.get(number_sid)
        if number is None or number["account_sid"] != account_sid:
            return _error(404, 20404, f"The requested resource {request.path} was not found")
        return number

    def update_number(self, request: Request, account_sid: str, number_sid: str) -> Answer:
        number = self._number(request, account_sid, number_sid)
        if isinstance(number, Answer):
            return number
        with self._messages_lock:
            self._webhooks(number, {name: values[-1] for name, values in request.form().items()})
        return Answer.json(200, number)

    def release_number(self, request: Request, account_sid: str, number_sid: str) -> Answer:
        number = self._number(request, account_sid, number_sid)
        if isinstance(number, Answer):
            return number
        with self._messages_lock:
            self.numbers.pop(number_sid, None)
        return Answer(204)

    def available(self, request: Request, account_sid: str, country: str) -> Answer:
        refused = self._refused(request, account_sid)
        if refused:
            return refused
        query = {name: values[-1] for name, values in request.query.items()}
        area = query.get("AreaCode")
        contains = query.get("Contains", "").replace("*", "")
        with self._messages_lock:
            offered = list(self.for_sale.items())
        records = [
            {
                "phone_number": e164,
                "friendly_name": e164,
                "locality": locality,
                "region": "CA",
                "iso_country": country,
                "postal_code": None,
                "capabilities": {"voice": True, "SMS": True, "MMS": True, "sms": True, "mms": True},
            }
            for e164, locality in offered
            if (not area or e164.startswith(f"+1{area}")) and contains in e164
        ]
        uri = f"{API}/Accounts/{account_sid}/AvailablePhoneNumbers/{country}/Local.json"
        return self._page("available_phone_numbers", uri, records[: int(query.get("PageSize", "50"))])

    # -- calls and recordings ---------------------------------------------------------------------

    def create_call(self, request: Request, account_sid: str) -> Answer:
        """A call placed (queued); its ``StatusCallback`` is called back ringing, in-progress and
        completed, signed like Twilio (the ``Url`` is not fetched: tests send the voice webhook
        of the answered call themselves)."""
        refused = self._refused(request, account_sid)
        if refused:
            return refused
        form = {name: values[-1] for name, values in request.form().items()}
        if not form.get("To") or not form.get("From") or not form.get("Url"):
            return _error(400, 21205, "To, From and Url are required.")
        if form["To"] == INVALID_NUMBER:
            return _error(400, 21211, f"Invalid 'To' Phone Number: {form['To']}")
        sid = "CA" + secrets.token_hex(16)
        call = {
            "sid": sid,
            "account_sid": account_sid,
            "to": form["To"],
            "from": form["From"],
            "status": "queued",
            "direction": "outbound-api",
            "url": form["Url"],
            "status_callback": form.get("StatusCallback"),
            "date_created": _date(),
            "uri": f"{API}/Accounts/{account_sid}/Calls/{sid}.json",
        }
        with self._messages_lock:
            self.calls[sid] = call
        if call["status_callback"]:
            self.later(lambda: self._progress(sid), CALLBACK_STEP_SECONDS)
        return Answer.json(201, call)

    def _progress(self, sid: str) -> None:
        """The status callbacks of a placed call: ringing, in-progress, completed (12 s)."""
        for status in ("ringing", "in-progress", "completed"):
            with self._messages_lock:
                call = self.calls[sid]
                call["status"] = status
                params = {
                    "AccountSid": call["account_sid"],
                    "ApiVersion": "2010-04-01",
                    "CallSid": sid,
                    "CallStatus": status,
                    "Direction": "outbound-api",
                    "From": call["from"],
                    "To": call["to"],
                }
                if status == "completed":
                    params["CallDuration"] = "12"
            self.send_signed(
                call["status_callback"], params, call["account_sid"], label=f"call {sid} {status}"
            )
            if self._closing.wait(CALLBACK_STEP_SECONDS):
                return

    def give_recording(
        self, account_sid: str, call_sid: str, audio: bytes = b"ID3 voicemail", seconds: int = 7
    ) -> dict[str, Any]:
        """A recording of the call, as Twilio keeps one after ``<Record>``."""
        sid = "RE" + secrets.token_hex(16)
        recording = {
            "sid": sid,
            "account_sid": account_sid,
            "call_sid": call_sid,
            "duration": str(seconds),
            "audio": audio,
            "uri": f"{API}/Accounts/{account_sid}/Recordings/{sid}.json",
        }
        with self._messages_lock:
            self.recordings[sid] = recording
        return recording

    def recording_media(self, request: Request, account_sid: str, recording_sid: str) -> Answer:
        refused = self._refused(request, account_sid)
        if refused:
            return refused
        recording = self.recordings.get(recording_sid)
        if recording is None or recording["account_sid"] != account_sid:
            return _error(404, 20404, f"The requested resource {request.path} was not found")
        return Answer(200, recording["audio"], {"Content-Type": "audio/mpeg"})

    def delete_recording(self, request: Request, account_sid: str, recording_sid: str) -> Answer:
        refused = self._refused(request, account_sid)
        if refused:
            return refused
        recording = self.recordings.get(recording_sid)
        if recording is None or recording["account_sid"] != account_sid:
            return _error(404, 20404, f"The requested resource {request.path} was not found")
        with self._messages_lock:
            self.recordings.pop(recording_sid, None)
        return Answer(204)
