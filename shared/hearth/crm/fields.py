"""Field types the CRM's input models share: names, domains, emails, E.164 phones, ISO 4217
currencies, amounts in minor units, tags and custom properties — validated once, here::

    class CompanyCreate(BaseModel):
        name: Name
        domain: Domain | None = None
        tags: Tags = []
        properties: Properties = {}
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    model_validator,
)

from hearth.problems import invalid

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
MinorUnits = Annotated[
    int, Field(ge=0, le=10**15, description="An amount in the currency's minor unit (cents for EUR/USD).")
]

# ISO 4217 active codes (2024), so a typo like "EUO" is refused rather than stored.
CURRENCIES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
    CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD
    GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT
    LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR
    NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP
    STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF
    XPF YER ZAR ZMW ZWL
    """.split()  # noqa: SIM905 - a table reads better than 160 quoted strings
)


def _currency(value: str) -> str:
    code = value.strip().upper()
    if code not in CURRENCIES:
        raise ValueError("not an ISO 4217 currency code (like EUR or USD)")
    return code


Currency = Annotated[str, AfterValidator(_currency), Field(examples=["EUR"])]

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"^(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})$")


def _domain(value: str) -> str:
    domain = value.strip().lower().rstrip(".")
    if len(domain) > 253 or not _DOMAIN.match(domain):
        raise ValueError("not a domain name (like example.com; no scheme or path)")
    return domain


Domain = Annotated[str, AfterValidator(_domain), Field(examples=["acme.example"])]


def _lower(value: str) -> str:
    return value.lower()


Email = Annotated[EmailStr, AfterValidator(_lower)]

_PHONE_PUNCTUATION = re.compile(r"[\s().\-]")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def _phone(value: str) -> str:
    number = _PHONE_PUNCTUATION.sub("", value.strip())
    if not _E164.match(number):
        raise ValueError("not an E.164 phone number (like +4930123456)")
    return number


Phone = Annotated[str, AfterValidator(_phone), Field(examples=["+4930123456"])]

_TAG = re.compile(r"^[\w][\w .:/&+-]{0,49}$")


def _tags(values: list[str]) -> list[str]:
    seen: list[str] = []
    for raw in values:
        tag = raw.strip()
        if not _TAG.match(tag):
            raise ValueError(f"{tag!r} is not a tag (1 to 50 letters, digits, spaces or . : / & + - _)")
        if tag not in seen:
            seen.append(tag)
    return seen


Tags = Annotated[list[str], Field(max_length=20), AfterValidator(_tags)]

MAX_PROPERTIES = 50
MAX_PROPERTIES_BYTES = 8192
_PROPERTY_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
Scalar = (
    Annotated[str, StringConstraints(max_length=1000)]
    | bool
    | int
    | Annotated[float, Field(allow_inf_nan=False)]
    | None
)
PropertyValue = Scalar | Annotated[list[Scalar], Field(max_length=50)]


def check_properties(properties: dict[str, Any], field: str = "properties") -> dict[str, Any]:
    """The size rules of custom properties (also after a merge)."""
    if len(properties) > MAX_PROPERTIES:
        raise invalid(field, f"At most {MAX_PROPERTIES} properties.", "too_many_properties")
    if len(json.dumps(properties, separators=(",", ":")).encode()) > MAX_PROPERTIES_BYTES:
        raise invalid(field, f"At most {MAX_PROPERTIES_BYTES} bytes of properties.", "properties_too_large")
    return properties


def _properties(value: dict[str, Any]) -> dict[str, Any]:
    for key in value:
        if not _PROPERTY_KEY.match(key):
            raise ValueError(f"{key!r} is not a property name (lowercase letters, digits and _)")
    if len(value) > MAX_PROPERTIES:
        raise ValueError(f"at most {MAX_PROPERTIES} properties")
    if len(json.dumps(value, separators=(",", ":")).encode()) > MAX_PROPERTIES_BYTES:
        raise ValueError(f"at most {MAX_PROPERTIES_BYTES} bytes")
    return value


def _object(value: Any) -> Any:
    if not isinstance(value, dict):
        raise ValueError("must be a JSON object")
    return value


Properties = Annotated[
    dict[str, PropertyValue],
    BeforeValidator(_object),
    AfterValidator(_properties),
    Field(
        description=f"Custom fields: up to {MAX_PROPERTIES} keys (lowercase, digits, _), scalar or list "
        f"values, {MAX_PROPERTIES_BYTES} bytes in all. On update, the keys sent are merged in; `null` "
        "removes one."
    ),
]


def without_nulls(properties: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in properties.items() if v is not None}


def require_together(values: dict[str, Any], amount: str, currency: str) -> None:
    """An amount needs its currency (``values`` is the record as it will be)."""
    if values.get(amount) is not None and values.get(currency) is None:
        raise invalid(currency, f"Required when {amount} is set.", "required")


def merge_properties(before: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``prepare`` step of an update: merge sent properties into the stored ones."""
    if values.get("properties") is not None:
        merged = {**(before.get("properties") or {}), **values["properties"]}
        values["properties"] = check_properties({k: v for k, v in merged.items() if v is not None})
    return values


class Patch(BaseModel):
    """A partial update: only the fields sent change, ``null`` clears an optional field, and the
    fields in ``required`` cannot be cleared."""

    model_config = ConfigDict(extra="forbid")
    required: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _something_to_change(self) -> Patch:
        if not self.model_fields_set:
            raise ValueError("send at least one field to change")
        cleared = sorted(f for f in self.model_fields_set & self.required if getattr(self, f) is None)
        if cleared:
            raise ValueError(f"{', '.join(cleared)} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields sent, as Python values (models as dicts)."""
        return self.model_dump(exclude_unset=True)
