"""Phone numbers in E.164, parsed and validated by ``phonenumbers`` (imported on first use)::

e164("+1 (415) 555-0100")   # "+14155550100"
e164("555-0100")            # ValueError: a number without its country code is not accepted
"""

from __future__ import annotations

import re

#: The shape the database keeps (``+`` and 7 to 15 digits).
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def e164(value: str) -> str:
    """``value`` as an E.164 number; ``ValueError`` unless it is a possible, valid number with its
    country code (``+`` first)."""
    import phonenumbers

    text = value.strip()
    if not text.startswith("+"):
        raise ValueError("a phone number in international form, starting with + and the country code")
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError("not a valid phone number")
    formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not E164.match(formatted):
        raise ValueError("not a valid phone number")
    return formatted


def is_e164(value: str) -> bool:
    try:
        return e164(value) == value
    except ValueError:
        return False
