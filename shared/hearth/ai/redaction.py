"""Redaction: personal data out of what the model is sent, and back into what the user is shown.

Before a context, a tool result or the user's instructions go to the model, a run's
:class:`Redactor` replaces each email address, phone number, card number, IBAN and national id
with a placeholder (``<EMAIL_1>``, ``<PHONE_2>``, ``<CARD_1>``, ``<IBAN_1>``,
``<NATIONAL_ID_1>``); the same value gets the same placeholder for the whole run. The model's
answer is restored before it is stored: each placeholder the redactor issued becomes its value
again, and anything else (a placeholder the model made up) stays as written::

    redactor = Redactor(KINDS)                    # one per run; an org may switch kinds off
    sent = redactor.redact("Mail ada@example.com or call +44 20 7946 0958")
    # "Mail <EMAIL_1> or call <PHONE_1>"
    redactor.restore("Reply to <EMAIL_1>, not <EMAIL_9>")
    # "Reply to ada@example.com, not <EMAIL_9>"
    redactor.redact_json({"people": [{"email": "ada@example.com"}]})   # strings inside, walked

What is recognised (and checked, so numbers that only look alike stay):

- ``email``: ``local@domain.tld`` (Unicode letters allowed; local part up to 64 characters,
  up to 10 labels of up to 63).
- ``phone``: international numbers, ``+`` or ``00`` then 8 to 15 digits (E.164), grouped with
  spaces, dots, dashes or parentheses; national numbers with a trunk ``0`` (``020 7946 0958``,
  ``030 1234567``, ``01 23 45 67 89``: 9 to 11 digits, the first group at least two digits);
  North American numbers in their written shape (``(415) 555-2671``, ``415-555-2671``,
  ``415.555.2671``; area code and exchange starting 2-9). A bare run of digits without ``+``,
  trunk ``0`` or that shape is not taken for a phone number (it may be an amount).
- ``card``: 13 to 19 digits, optionally grouped with spaces or dashes, passing the Luhn check.
- ``iban``: a country code of the IBAN registry, two check digits and the account part, with
  the country's length, optionally in groups of four, passing the ISO 7064 mod-97 check.
- ``national_id``: US Social Security numbers written ``123-45-6789`` or ``123 45 6789``
  (area 000, 666 and 900-999, group 00 and serial 0000 are never issued, so never taken for
  one) and UK National Insurance numbers (``QQ 12 34 56 C``: the prefixes HMRC never issues,
  and the letters D, F, I, Q, U, V (and O second), are excluded; the suffix letter A-D is
  required).

Digits may be any Unicode decimal digits (full-width digits too), separators any horizontal
space or dash; zero-width characters inside a value do not hide it. Matching is linear in the
input (bounded repetitions, no nested unbounded ones).

Text in the input that already looks like a placeholder (a user who typed ``<EMAIL_1>``) is
itself given a placeholder of the run that restores to that very text: the model never sees a
placeholder the redactor did not issue, and a typed ``<EMAIL_1>`` is never restored to another
person's address.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

#: Every kind of value a redactor can replace (an org's setting picks among them; all by default).
KINDS: frozenset[str] = frozenset({"email", "phone", "card", "iban", "national_id"})
LABELS: dict[str, str] = {
    "email": "EMAIL",
    "phone": "PHONE",
    "card": "CARD",
    "iban": "IBAN",
    "national_id": "NATIONAL_ID",
}
#: Text of the placeholders' shape (issued by a redactor or not).
PLACEHOLDER = re.compile(r"<(EMAIL|PHONE|CARD|IBAN|NATIONAL_ID)_([0-9]{1,9})>")

# Zero-width and formatting characters a value may be sprinkled with to hide it.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]+")
# Horizontal spaces and dashes that group digits.
_SPACE = "\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_SPACE_CHARS = "\t \u00a0\u1680\u202f\u205f\u3000" + "".join(chr(c) for c in range(0x2000, 0x200B))
_DASH = "\\-\u2010\u2011\u2012\u2013\u2212"


def _start(excluded: str) -> str:
    """A value starts after none of ``excluded``, or right after a JSON escape (``\\n``, ``\\t``…:
    JSON text, such as a context or a tool result, puts a line break before a value as the two
    characters backslash and n), and never right after a backslash."""
    return rf"(?:(?<=\\[nrtbf])|(?<![{excluded}]))(?<!\\)"


_EMAIL = re.compile(
    _start(r"\w.%+\-") + r"[\w%+\-](?:[\w.%+\-]{0,63}+)"
    r"@"
    r"[\w\-]{1,63}+(?:\.[\w\-]{1,63}+){1,9}+"
    r"(?![\w\-])"
)
# A run of digit groups: optional "+" or "(", digits, a separator, … (phones; validated after).
_PHONE_RUN = re.compile(
    _start(rf"\w+@.,/{_DASH}") + rf"\+?\(?\d{{1,6}}\)?(?:[{_SPACE}.{_DASH}]{{0,2}}\(?\d{{1,6}}\)?)*+"
)
_SEPARATORS = _SPACE_CHARS + ".-\u2010\u2011\u2012\u2013\u2212"
_PHONE_GROUP = re.compile(rf"[{_SPACE}.{_DASH}]{{0,2}}\+?\(?\d{{1,6}}\)?")
_NANP = re.compile(
    rf"(?:\+?1[{_SPACE}.{_DASH}]?)?"
    rf"(?:\(\d{{3}}\)[{_SPACE}]?|\d{{3}}(?P<sep>[{_SPACE}.{_DASH}]))"
    rf"\d{{3}}[{_SPACE}.{_DASH}]\d{{4}}"
)
_CARD_RUN = re.compile(_start(rf"\w+.,{_DASH}") + rf"\d++(?:[{_SPACE}{_DASH}]\d++)*+")
_CARD_GROUP = re.compile(rf"[{_SPACE}{_DASH}]?\d++")
_NUMBER_PUNCTUATION = ".,\u2010\u2011\u2012\u2013\u2212-"
_IBAN_RUN = re.compile(_start(r"\w") + rf"[A-Za-z]{{2}}\d{{2}}(?:[{_SPACE}]?[A-Za-z0-9]){{10,32}}+")
_SSN = re.compile(
    _start(rf"\w.{_DASH}") + rf"(\d{{3}})([{_SPACE}{_DASH}])(\d{{2}})\2(\d{{4}})(?![\w]|[.{_DASH}]\d)"
)
_NINO = re.compile(
    _start(r"\w") + rf"([A-CEGHJ-PR-TW-Z])([A-CEGHJ-NPR-TW-Z])[{_SPACE}]?"
    rf"(\d{{2}})[{_SPACE}]?(\d{{2}})[{_SPACE}]?(\d{{2}})[{_SPACE}]?([A-D])(?!\w)",
    re.IGNORECASE,
)
_NINO_NEVER = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})

#: IBAN length per country (the SWIFT IBAN registry).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Found:
    start: int
    end: int
    kind: str  # a kind, or "placeholder" for placeholder-shaped input text


def _digits(text: str) -> str:
    """The decimal digits of ``text`` as ASCII (any script's digits count)."""
    return "".join(str(int(c)) for c in text if c.isdecimal())


def luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_valid(compact: str) -> bool:
    """``compact``: upper case, no spaces. Registry length and ISO 7064 mod 97-10."""
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact.isascii() or not compact.isalnum():
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _emails(text: str) -> Iterable[_Found]:
    for m in _EMAIL.finditer(text):
        local, _, domain = m.group().rpartition("@")
        labels = domain.split(".")
        tld = labels[-1]
        if local.startswith(".") or local.endswith(".") or ".." in local:
            continue
        if any(not label or label[0] == "-" or label[-1] == "-" for label in labels):
            continue
        if len(tld) < 2 or not all(c.isalpha() for c in tld):
            continue
        yield _Found(m.start(), m.end(), "email")


def _phone_digits_ok(digits: str) -> bool:
    """Whether ``digits`` (after ``+`` or an international ``00``) can be an E.164 number: a
    country code (not 0) and 8 to 15 digits in all; North America (+1) has exactly 11."""
    return 8 <= len(digits) <= 15 and digits[0] != "0" and (digits[0] != "1" or len(digits) == 11)


def _phone_ok(piece: str, digits: str, first_group: str) -> bool:
    """Whether ``piece`` (whole groups of a run; ``digits`` its digits) is a phone number."""
    plain = piece.lstrip("(")
    if plain.startswith("+"):
        ok = _phone_digits_ok(digits)
    elif digits.startswith("00"):
        ok = _phone_digits_ok(digits[2:])
    elif digits.startswith("0"):
        # A trunk prefix: a national number (its area code written as a group of two or more).
        ok = 9 <= len(digits) <= 11 and sum(c.isdecimal() for c in first_group) >= 2
    else:
        ok = (
            (len(digits) == 10 or (len(digits) == 11 and digits[0] == "1"))
            and bool(_NANP.fullmatch(piece))
            and digits[-10] not in "01"
            and digits[-7] not in "01"
        )
    if not ok:
        return False
    opened, closed = piece.count("("), piece.count(")")
    return opened == closed <= 1 and (opened == 0 or piece.index("(") < piece.index(")"))


def _phone_start(groups: list[str], digits: list[str], i: int, joined: str, offset: int) -> bool:
    """Whether a phone number may start at group ``i`` (cheap: most groups cannot)."""
    group, own = groups[i].lstrip(_SEPARATORS), digits[i]
    if group.startswith("+"):
        return True
    if own.startswith("00"):
        return joined[offset + 2 : offset + 3] not in ("", "0")
    if own.startswith("0"):
        return len(own) >= 2
    if len(own) == 3:
        return own[0] in "23456789"  # a North American area code
    return own == "1" and i + 1 < len(groups) and len(digits[i + 1]) == 3


def _clean_end(text: str, at: int) -> bool:
    """Whether a number may end at ``at``: not glued to a word, an address or more digits."""
    if at >= len(text):
        return True
    c = text[at]
    if c.isalnum() or c in "_@":
        return False
    return not (c in _NUMBER_PUNCTUATION and at + 1 < len(text) and text[at + 1].isdecimal())


def _stretches(
    text: str,
    run_pattern: re.Pattern[str],
    group_pattern: re.Pattern[str],
    *,
    digits_between: tuple[int, int],
    starts: Callable[[list[str], list[str], int, str, int], bool],
    accepts: Callable[[str, str, str], bool],
) -> Iterable[tuple[int, int]]:
    """Numbers written as groups of digits: within each run of groups, from each group that
    ``starts`` allows, the longest stretch of whole groups that ``accepts``. A number has at most
    ``digits_between[1]`` digits, so a stretch has at most that many groups: linear in the run.
    (A run may hold a number and digits next to it: "ref 12 020 7946 0958".)"""
    low, high = digits_between
    for m in run_pattern.finditer(text):
        run, base = m.group(), m.start()
        spans = [(g.start(), g.end()) for g in group_pattern.finditer(run)]
        groups = [run[a:b] for a, b in spans]
        digits = [_digits(g) for g in groups]
        offsets = [0]
        for d in digits:
            offsets.append(offsets[-1] + len(d))
        joined = "".join(digits)
        i = 0
        while i < len(groups):
            taken = None
            if starts(groups, digits, i, joined, offsets[i]):
                start = spans[i][0]
                while not (run[start].isdecimal() or run[start] in "+("):
                    start += 1
                last = i + 1
                while last < len(groups) and offsets[last + 1] - offsets[i] <= high:
                    last += 1
                for j in range(last, i, -1):
                    number = joined[offsets[i] : offsets[j]]
                    if len(number) < low:
                        break
                    end = spans[j - 1][1]
                    if run[end - 1] == ")" and run.count(")", start, end) > run.count("(", start, end):
                        end -= 1  # "(+44 20 7946 0958)": the closing parenthesis is the text's
                    if (
                        len(number) <= high
                        and _clean_end(text, base + end)
                        and accepts(run[start:end], number, groups[i])
                    ):
                        taken = j
                        yield base + start, base + end
                        break
            i = taken if taken is not None else i + 1


def _phones(text: str) -> Iterable[_Found]:
    for start, end in _stretches(
        text, _PHONE_RUN, _PHONE_GROUP, digits_between=(8, 17), starts=_phone_start, accepts=_phone_ok
    ):
        yield _Found(start, end, "phone")


def _card_start(groups: list[str], digits: list[str], i: int, joined: str, offset: int) -> bool:
    return len(digits[i]) >= 3


def _card_ok(piece: str, digits: str, first_group: str) -> bool:
    """Luhn, and written as cards are: one kind of separator, groups of three or more digits."""
    separators = {c for c in piece if not c.isdecimal()}
    if len(separators) > 1:
        return False
    if separators and any(len(g) < 3 for g in piece.split(separators.pop())):
        return False
    return luhn(digits)


def _cards(text: str) -> Iterable[_Found]:
    for start, end in _stretches(
        text, _CARD_RUN, _CARD_GROUP, digits_between=(13, 19), starts=_card_start, accepts=_card_ok
    ):
        yield _Found(start, end, "card")


def _ibans(text: str) -> Iterable[_Found]:
    for m in _IBAN_RUN.finditer(text):
        run = m.group()
        # Spaces may run on into the next word ("… 0130 00 BIC COBADEFF"): longest valid prefix
        # ending at a space boundary or the run's end.
        cuts = [len(run)] + [i for i in range(len(run) - 1, 14, -1) if run[i] in _SPACE_CHARS]
        for cut in cuts:
            piece = run[:cut].rstrip(_SPACE_CHARS)
            compact = "".join(c for c in piece if c not in _SPACE_CHARS).upper()
            end = m.start() + len(piece)
            if end < len(text) and (text[end].isalnum() or text[end] == "_"):
                continue
            if iban_valid(compact):
                yield _Found(m.start(), end, "iban")
                break


def _national_ids(text: str) -> Iterable[_Found]:
    for m in _SSN.finditer(text):
        area, group, serial = _digits(m.group(1)), _digits(m.group(3)), _digits(m.group(4))
        if area in {"000", "666"} or area >= "900" or group == "00" or serial == "0000":
            continue
        yield _Found(m.start(), m.end(), "national_id")
    for m in _NINO.finditer(text):
        prefix = (m.group(1) + m.group(2)).upper()
        if prefix in _NINO_NEVER:
            continue
        yield _Found(m.start(), m.end(), "national_id")


def _placeholders(text: str) -> Iterable[_Found]:
    for m in PLACEHOLDER.finditer(text):
        yield _Found(m.start(), m.end(), "placeholder")


_FINDERS: dict[str, Callable[[str], Iterable[_Found]]] = {
    "email": _emails,
    "iban": _ibans,
    "card": _cards,
    "national_id": _national_ids,
    "phone": _phones,
}
#: Which kind wins when two matches start at the same place with the same length.
_PRIORITY = {"placeholder": 0, "email": 1, "iban": 2, "card": 3, "national_id": 4, "phone": 5}


def _visible(text: str) -> tuple[str, list[int] | None]:
    """``text`` without zero-width characters, and where each kept character was (``None``:
    nothing removed)."""
    if _INVISIBLE.search(text) is None:
        return text, None
    positions: list[int] = []
    at = 0
    for m in _INVISIBLE.finditer(text):
        positions.extend(range(at, m.start()))
        at = m.end()
    positions.extend(range(at, len(text)))
    return _INVISIBLE.sub("", text), positions


class Redactor:
    """Placeholders for one run (see the module docstring). Not thread-safe; one per run."""

    def __init__(self, kinds: Iterable[str] = KINDS) -> None:
        chosen = frozenset(kinds)
        unknown = chosen - KINDS
        if unknown:
            raise ValueError(f"unknown redaction kinds: {sorted(unknown)}")
        self.kinds = chosen
        self._by_key: dict[tuple[str, str], str] = {}
        self._originals: dict[str, str] = {}
        self._next: dict[str, int] = dict.fromkeys(LABELS.values(), 1)

    # -- what was replaced -------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """How many distinct values of each kind were replaced (for logs: counts, never values)."""
        out = dict.fromkeys(sorted(self.kinds), 0)
        for kind, _key in self._by_key:
            if kind in out:
                out[kind] += 1
        return out

    def _placeholder(self, found: _Found, original: str) -> str:
        if found.kind == "placeholder":
            label = PLACEHOLDER.fullmatch(_INVISIBLE.sub("", original)).group(1)  # type: ignore[union-attr]
        else:
            label = LABELS[found.kind]
        key = (found.kind, original)
        token = self._by_key.get(key)
        if token is None:
            token = f"<{label}_{self._next[label]}>"
            self._next[label] += 1
            self._by_key[key] = token
            self._originals[token] = original
        return token

    # -- text --------------------------------------------------------------------------------

    def redact(self, text: str) -> str:
        """``text`` with every value of the chosen kinds (and placeholder-shaped text) replaced."""
        if not text:
            return text
        visible, positions = _visible(text)
        found: list[_Found] = list(_placeholders(visible))
        for kind in self.kinds:
            found.extend(_FINDERS[kind](visible))
        if not found:
            return text
        found.sort(key=lambda f: (f.start, -(f.end - f.start), _PRIORITY[f.kind]))
        out: list[str] = []
        at = 0  # in ``text``
        covered = 0  # in ``visible``
        for f in found:
            if f.start < covered:
                continue  # overlaps a match already taken (earlier, or as early and longer)
            covered = f.end
            start = positions[f.start] if positions is not None else f.start
            end = positions[f.end - 1] + 1 if positions is not None else f.end
            out.append(text[at:start])
            out.append(self._placeholder(f, text[start:end]))
            at = end
        out.append(text[at:])
        return "".join(out)

    def restore(self, text: str) -> str:
        """``text`` with each placeholder this redactor issued replaced by its value (in one
        pass: a restored value is never looked at again); other placeholder-shaped text stays."""
        if not self._originals or "<" not in text:
            return text
        return PLACEHOLDER.sub(lambda m: self._originals.get(m.group(), m.group()), text)

    # -- JSON --------------------------------------------------------------------------------

    def redact_json(self, value: Any) -> Any:
        """A copy of a JSON-like structure with every string redacted (keys stay as they are)."""
        return _walk(value, self.redact)

    def restore_json(self, value: Any) -> Any:
        """A copy of a JSON-like structure with every string restored."""
        return _walk(value, self.restore)


def _walk(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {k: _walk(v, change) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_walk(v, change) for v in value]
    return value
