"""Amazon SES v2, the calls Hearth makes (boto3, imported by the first call only)::

    records = create_identity("mail.example.com")      # Easy DKIM: the CNAME records to publish
    status, records = identity_status("mail.example.com")
    message_id = send_raw(raw, from_="a@mail.example.com", to=[...], tags={...})

A refusal is a :class:`ProviderError` with SES's error code, ``temporary`` when trying again
later may work (throttling, a paused account, SES unavailable)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hearth import aws
from hearth.settings import settings

#: SES's error codes that a later attempt may get past.
TEMPORARY = frozenset(
    {
        "TooManyRequestsException",
        "ThrottlingException",
        "Throttling",
        "LimitExceededException",
        "SendingPausedException",
        "ServiceUnavailable",
        "InternalFailure",
        "RequestTimeout",
    }
)


@dataclass
class ProviderError(Exception):
    code: str
    message: str
    temporary: bool

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def client() -> Any:
    """SES v2's client; a :class:`ProviderError` (``ses_not_configured``, permanent) when this
    deployment has no configuration set, i.e. email is not set up here (no call is made)."""
    if not settings().email_configuration_set:
        raise ProviderError(
            "ses_not_configured",
            "Email is not set up in this deployment (HEARTH_EMAIL_CONFIGURATION_SET).",
            False,
        )
    return aws.client("sesv2", read_timeout=int(settings().ses_timeout_seconds))


def _error(exc: Exception) -> ProviderError:
    """SES's refusal, or an unanswered call (temporary)."""
    if isinstance(exc, ProviderError):
        return exc
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error") or {}
        code = str(error.get("Code") or "Unknown")
        status = int((response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
        return ProviderError(code, str(error.get("Message") or "")[:900], code in TEMPORARY or status >= 500)
    return ProviderError("ses_unreachable", type(exc).__name__, True)


def _records(domain: str, dkim: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"type": "CNAME", "name": f"{token}._domainkey.{domain}", "value": f"{token}.dkim.amazonses.com"}
        for token in dkim.get("Tokens") or []
    ]


def _status(found: dict[str, Any]) -> str:
    if found.get("VerifiedForSendingStatus"):
        return "verified"
    dkim = (found.get("DkimAttributes") or {}).get("Status")
    return "failed" if dkim in ("FAILED", "TEMPORARY_FAILURE") else "pending"


def create_identity(domain: str) -> tuple[str, list[dict[str, str]]]:
    """Create the domain's identity (Easy DKIM); its status and the DKIM records to publish. A
    domain SES has already (created before, by this deployment) is read instead."""
    try:
        found = client().create_email_identity(EmailIdentity=domain)
    except Exception as exc:
        err = _error(exc)
        if err.code != "AlreadyExistsException":
            raise err from None
        return identity_status(domain)
    return _status(found), _records(domain, found.get("DkimAttributes") or {})


def identity_status(domain: str) -> tuple[str, list[dict[str, str]]]:
    try:
        found = client().get_email_identity(EmailIdentity=domain)
    except Exception as exc:
        raise _error(exc) from None
    return _status(found), _records(domain, found.get("DkimAttributes") or {})


def delete_identity(domain: str) -> None:
    try:
        client().delete_email_identity(EmailIdentity=domain)
    except Exception as exc:
        err = _error(exc)
        if err.code != "NotFoundException":
            raise err from None


def send_raw(
    raw: bytes, *, from_: str, destinations: list[str], tags: dict[str, str], configuration_set: str | None
) -> str:
    """Hand one MIME message to SES; SES's message id."""
    request: dict[str, Any] = {
        "FromEmailAddress": from_,
        "Destination": {"ToAddresses": destinations},
        "Content": {"Raw": {"Data": raw}},
        "EmailTags": [{"Name": k, "Value": v} for k, v in tags.items()],
    }
    if configuration_set:
        request["ConfigurationSetName"] = configuration_set
    try:
        answer = client().send_email(**request)
    except Exception as exc:
        raise _error(exc) from None
    return str(answer["MessageId"])
