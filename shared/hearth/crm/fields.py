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
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, EmailStr, Field, StringConstraints
from pydantic_core import PydanticCustomError

from hearth.http.inputs import Schema, Text
from hearth.problems import invalid

Name = Annotated[str, Text(200)]
ShortText = Annotated[str, Text(100)]
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


#: Upper or lower case, stored upper case.
CURRENCY_CODES = (*sorted(CURRENCIES), *sorted(code.lower() for code in CURRENCIES))


def _currency(value: str) -> str:
    if value not in CURRENCY_CODES:
        raise PydanticCustomError("currency", "not an ISO 4217 currency code (like EUR or USD)")
    return value.upper()


Currency = Annotated[
    str,
    AfterValidator(_currency),
    Schema(enum=list(CURRENCY_CODES), description="An ISO 4217 currency code, like EUR.", examples=["EUR"]),
]

#: A domain name (any case, stored lower case): dot-separated labels of letters, digits and
#: hyphens, no hyphen first or last, a top-level label of letters or an IDN (``xn--``) one.
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
DOMAIN_PATTERN = rf"^(?:{_LABEL}\.)+(?:[A-Za-z]{{2,63}}|[Xx][Nn]--[A-Za-z0-9-]{{1,59}})\.?$"


def _domain(value: str) -> str:
    if not re.search(DOMAIN_PATTERN, value):
        raise PydanticCustomError("domain", "not a domain name (like example.com; no scheme or path)")
    return value.lower().rstrip(".")


Domain = Annotated[
    str,
    StringConstraints(max_length=253),
    AfterValidator(_domain),
    Schema(pattern=DOMAIN_PATTERN, examples=["acme.example"]),
]


def _lower(value: str) -> str:
    return value.lower()


_ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_SPECIAL_USE = "|".join(
    "".join(f"[{c.upper()}{c}]" for c in name)
    for name in ("arpa", "invalid", "local", "localhost", "onion", "test")
)
#: The addresses taken: an ASCII dot-atom local part, a domain of letter-digit-hyphen labels whose
#: last label ends in a letter and is not a special-use name (``.test``, ``.local``, ...).
EMAIL_PATTERN = (
    f"^{_ATEXT}+(?:\\.{_ATEXT}+)*@(?:{_LABEL}\\.)+(?!(?:{_SPECIAL_USE})$)"
    "[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z])?$"
)


def _email_form(value: Any) -> Any:
    if isinstance(value, str) and not re.search(EMAIL_PATTERN, value):
        raise PydanticCustomError("email", "not an email address (like ada@acme.example)")
    return value


#: Checked by the pattern, then as an email address (a local part of at most 64 characters).
Email = Annotated[
    EmailStr,
    BeforeValidator(_email_form),
    AfterValidator(_lower),
    Schema(pattern=EMAIL_PATTERN, maxLength=254),
]

#: An E.164 number (``+``, 7 to 15 digits, the first not 0), written with spaces, dots, hyphens
#: or parentheses as one likes; stored as ``+`` and the digits.
PHONE_PATTERN = r"^[ ().-]*\+[ ().-]*[1-9](?:[ ().-]*[0-9]){6,14}[ ().-]*$"
_PHONE_PUNCTUATION = re.compile(r"[ ().-]")


def _phone(value: str) -> str:
    if not re.search(PHONE_PATTERN, value):
        raise PydanticCustomError("phone", "not an E.164 phone number (like +4930123456)")
    return _PHONE_PUNCTUATION.sub("", value).strip()


Phone = Annotated[str, AfterValidator(_phone), Schema(pattern=PHONE_PATTERN, examples=["+4930123456"])]

#: 1 to 50 letters, digits, spaces or . : / & + - _, starting with a letter, digit or _;
#: surrounding spaces are trimmed.
TAG_PATTERN = r"^ *\w(?:[\w .:/&+-]{0,48}[\w.:/&+-])? *$"


def _tag(value: str) -> str:
    if not re.search(TAG_PATTERN, value):
        raise PydanticCustomError("tag", "not a tag (1 to 50 letters, digits, spaces or . : / & + - _)")
    return value.strip()


Tag = Annotated[str, AfterValidator(_tag), Schema(pattern=TAG_PATTERN)]


def _distinct(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


Tags = Annotated[
    list[Tag],
    Field(max_length=20, description="Up to 20 tags; repeats are dropped."),
    AfterValidator(_distinct),
]

MAX_PROPERTIES = 50
MAX_PROPERTIES_BYTES = 8192
PROPERTY_KEY_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
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
        if not re.search(PROPERTY_KEY_PATTERN, key):
            raise PydanticCustomError(
                "property_name",
                "{key!r} is not a property name (lowercase letters, digits and _)",
                {"key": key},
            )
    if len(value) > MAX_PROPERTIES:
        raise PydanticCustomError("too_many_properties", f"at most {MAX_PROPERTIES} properties")
    if len(json.dumps(value, separators=(",", ":")).encode()) > MAX_PROPERTIES_BYTES:
        raise PydanticCustomError("properties_too_large", f"at most {MAX_PROPERTIES_BYTES} bytes")
    return value


def _object(value: Any) -> Any:
    if not isinstance(value, dict):
        raise ValueError("must be a JSON object")
    return value


Properties = Annotated[
    dict[str, PropertyValue],
    BeforeValidator(_object),
    AfterValidator(_properties),
    Schema(propertyNames={"pattern": PROPERTY_KEY_PATTERN}, maxProperties=MAX_PROPERTIES),
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
