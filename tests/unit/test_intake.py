"""The kit's intake checks (``hearth.http.intake``) and cursor decoding, without a database."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from hearth.http import intake
from hearth.http.pagination import decode_typed_cursor, encode_cursor
from hearth.listing.fields import from_cursor
from hearth.problems import Problem


def _refusal(fn: Any, *args: Any) -> Problem:
    with pytest.raises(Problem) as caught:
        fn(*args)
    return caught.value


def _nested(depth: int) -> bytes:
    return b'{"a":' * (depth - 1) + b"{}" + b"}" * (depth - 1)


def test_depth_up_to_the_limit_passes_and_one_more_is_400() -> None:
    assert intake.check("application/json", _nested(intake.MAX_DEPTH)) is not None
    problem = _refusal(intake.check, "application/json", _nested(intake.MAX_DEPTH + 1))
    assert (problem.status, problem.code) == (400, "body_too_deep")
    # Arrays count the same, and past the decoder's recursion limit it is the same answer.
    problem = _refusal(intake.check, None, b"[" * 100_000 + b"]" * 100_000)
    assert (problem.status, problem.code) == (400, "body_too_deep")
    # Brackets inside strings are text, not nesting.
    assert intake.check(None, json.dumps({"a": "[" * 100}).encode()) == {"a": "[" * 100}


def test_size_limit() -> None:
    body = json.dumps({"a": "x" * (intake.MAX_BYTES - 10)}).encode()
    assert len(body) <= intake.MAX_BYTES
    assert intake.check(None, body) is not None
    problem = _refusal(intake.check, None, body + b" " * 20)
    assert (problem.status, problem.code) == (413, "body_too_large")


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "",
        "application/json",
        "APPLICATION/JSON",
        "application/json; charset=UTF-8",
        'application/json;charset="utf-8"',
    ],
)
def test_json_media_types_pass(content_type: str | None) -> None:
    assert intake.check(content_type, b'{"a": 1}') == {"a": 1}


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "multipart/form-data",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin-1",
        "application/jsonx",
        "application/merge-patch+json",
    ],
)
def test_other_media_types_are_415(content_type: str) -> None:
    problem = _refusal(intake.check, content_type, b'{"a": 1}')
    assert (problem.status, problem.code) == (415, "unsupported_media_type")


def test_an_empty_body_is_not_checked_for_its_media_type() -> None:
    assert intake.check("text/plain", b"") is None


@pytest.mark.parametrize(
    "raw",
    [b'{"a": "\xff"}', b"\xef\xbb\xbf{}", b'{"a": NaN}', b'{"a": -Infinity}', b'{"a": 1', b'{"a": "\x00"}'],
)
def test_bodies_that_are_not_utf8_json_are_400(raw: bytes) -> None:
    problem = _refusal(intake.check, "application/json", raw)
    assert (problem.status, problem.code) == (400, "malformed_json")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "a\u0000b"}, "name"),
        ({"items": [{"name": "ok"}, {"name": "\u0000"}]}, "items.1.name"),
        ({"properties": {"k\u0000": 1}}, "properties.k\u0000"),
        (["\u0000"], "0"),
    ],
)
def test_a_nul_in_a_string_is_422_naming_the_field(body: Any, field: str) -> None:
    problem = _refusal(intake.check, None, json.dumps(body).encode())
    assert problem.status == 422
    assert [(e["field"], e["code"], e["in"]) for e in problem.errors] == [(field, "nul_character", "body")]


def test_an_escaped_backslash_before_u0000_is_not_a_nul() -> None:
    assert intake.check(None, json.dumps({"a": "\\u0000"}).encode()) == {"a": "\\u0000"}


def test_a_nul_in_a_parameter_is_422_naming_it() -> None:
    intake.check_parameters([("q", "fine"), ("cursor", None)], "query")  # type: ignore[list-item]
    problem = _refusal(intake.check_parameters, [("q", "fine"), ("filter[name]", "a\x00")], "query")
    assert [(e["field"], e["in"]) for e in problem.errors] == [("filter[name]", "query")]


# -- cursors ------------------------------------------------------------------------------------


def _cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).rstrip(b"=").decode()


ID = "00000000-0000-4000-8000-000000000000"


def test_typed_cursors_round_trip_and_take_plain_text() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    made = encode_cursor([at, UUID(ID)])
    assert decode_typed_cursor(made, (datetime, UUID)) == [at, UUID(ID)]
    naive = decode_typed_cursor(_cursor(["2026-01-02T03:04:05", ID]), (datetime, UUID))
    assert naive == [at, UUID(ID)]


@pytest.mark.parametrize(
    "values",
    [
        [{"a": 1}, ID],
        [1, ID],
        ["2026-01-02", 5],
        ["2026-01-02", "x"],
        [None, ID],
        ["2026-01-02", ID, 1],
    ],
)
def test_typed_cursors_refuse_other_values(values: Any) -> None:
    problem = _refusal(decode_typed_cursor, _cursor(values), (datetime, UUID))
    assert problem.status == 422
    assert problem.errors[0]["field"] == "cursor"


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("int", True),
        ("int", 2**64),
        ("int", "1"),
        ("int", 1.5),
        ("text", "a\u0000"),
        ("text", {"a": 1}),
        ("uuid", 5),
        ("datetime", 5),
        ("date", 5),
        ("bool", 1),
        ("choice", "nobody"),
        ("tags", "a"),
    ],
)
def test_list_cursor_values_are_checked_by_kind(kind: Any, value: Any) -> None:
    with pytest.raises(ValueError):
        from_cursor(kind, value, ("owner", "admin"))


def test_list_cursor_values_of_each_kind() -> None:
    assert from_cursor("int", 5) == 5
    assert from_cursor("text", "a") == "a"
    assert from_cursor("choice", "admin", ("owner", "admin")) == "admin"
    assert from_cursor("uuid", ID) == UUID(ID)
    assert from_cursor("datetime", "2026-01-02T03:04:05+00:00") == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert from_cursor("bool", False) is False
    assert from_cursor("text", None) is None
