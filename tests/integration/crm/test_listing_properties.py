"""Properties of the list engine (filters, sort, keyset cursor), checked with Hypothesis against a
model in Python, on the real companies list as the app role under row-level security:

* paging through any filter and sort, with any page size, returns every matching row exactly
  once, in the order the sort defines (empty values last, the id breaking ties);
* the same holds while other rows are inserted between pages and on another connection at the
  same time: every row that existed when paging began is returned exactly once, nothing twice,
  and what is returned stays in order.
"""

from __future__ import annotations

import functools
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hearth import db
from hearth.crm.companies.store import LISTING

T0 = datetime(2026, 1, 1, tzinfo=UTC)
TIMES = [T0 + timedelta(minutes=m) for m in (0, 0, 5, 10)]  # ties on purpose
WORDS = ["a", "ab", "b", "ba", "bb"]  # lowercase letters: the same order in Python and any collation
TAGS = ["x", "y", "z"]

row_values = st.fixed_dictionaries(
    {
        "name": st.sampled_from(WORDS),
        "industry": st.one_of(st.none(), st.sampled_from(WORDS)),
        "employee_count": st.one_of(st.none(), st.integers(0, 4)),
        "annual_revenue": st.one_of(st.none(), st.integers(0, 3)),
        "tags": st.lists(st.sampled_from(TAGS), unique=True, max_size=3),
        "created_at": st.sampled_from(TIMES),
    }
)

# field -> (kind, nullable, values to filter with)
FIELDS: dict[str, tuple[str, bool, list[Any]]] = {
    "name": ("text", False, [*WORDS, "c"]),
    "industry": ("text", True, [*WORDS, "c"]),
    "employee_count": ("int", True, list(range(-1, 6))),
    "annual_revenue": ("int", True, list(range(-1, 5))),
    "tags": ("tags", False, TAGS),
    "created_at": ("datetime", False, TIMES),
}
OPS = {
    "text": ["eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "is_null"],
    "int": ["eq", "ne", "lt", "lte", "gt", "gte", "in", "is_null"],
    "datetime": ["eq", "ne", "lt", "gt", "gte", "in"],
    "tags": ["contains", "in", "is_null"],
}
SORTABLE = ["name", "industry", "employee_count", "annual_revenue", "created_at"]


@st.composite
def conditions(draw: st.DrawFn) -> tuple[str, str, Any]:
    name = draw(st.sampled_from(sorted(FIELDS)))
    kind, nullable, values = FIELDS[name]
    ops = [op for op in OPS[kind] if op != "is_null" or nullable or kind == "tags"]
    op = draw(st.sampled_from(ops))
    if op == "is_null":
        return name, op, draw(st.booleans())
    if op == "in":
        return name, op, draw(st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True))
    if op == "contains" and kind == "text":
        return name, op, draw(st.sampled_from(["a", "b", "A", "ba"]))
    return name, op, draw(st.sampled_from(values))


sorts = st.lists(
    st.tuples(st.sampled_from(SORTABLE), st.booleans()), min_size=1, max_size=3, unique_by=lambda k: k[0]
)


def _raw(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_raw(v) for v in value)
    return str(value)


def matches(row: dict[str, Any], cond: tuple[str, str, Any]) -> bool:  # noqa: PLR0911
    name, op, value = cond
    v = row[name]
    if FIELDS[name][0] == "tags":
        if op == "contains":
            return value in v
        if op == "in":
            return bool(set(value) & set(v))
        return (len(v) == 0) is value
    if op == "is_null":
        return (v is None) is value
    if op == "ne":
        return v != value
    if v is None:
        return False
    if op == "contains":
        return value.lower() in v.lower()
    if op == "in":
        return v in value
    return {"eq": v == value, "lt": v < value, "lte": v <= value, "gt": v > value, "gte": v >= value}[op]


def ordering(sort: list[tuple[str, bool]]):
    tie_desc = sort[0][1]

    def compare(a: dict[str, Any], b: dict[str, Any]) -> int:
        for name, desc in sort:
            x, y = a[name], b[name]
            if x == y:
                continue
            if x is None or y is None:
                return 1 if x is None else -1  # empty values last, whatever the direction
            return (-1 if x < y else 1) * (-1 if desc else 1)
        x, y = a["id"], b["id"]
        return 0 if x == y else (-1 if x < y else 1) * (-1 if tie_desc else 1)

    return functools.cmp_to_key(compare)


def new_org(admin_db) -> str:
    org = str(uuid.uuid4())
    admin_db.execute("INSERT INTO orgs (id, name) VALUES (%s, 'Listing')", (org,))
    return org


def insert(conn, org: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    stored = []
    for values in rows:
        row = {**values, "id": uuid.uuid4()}
        conn.execute(
            "INSERT INTO companies (org_id, id, name, industry, employee_count, annual_revenue,"
            " annual_revenue_currency, tags, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                org,
                row["id"],
                row["name"],
                row["industry"],
                row["employee_count"],
                row["annual_revenue"],
                None if row["annual_revenue"] is None else "EUR",
                row["tags"],
                row["created_at"],
            ),
        )
        stored.append(row)
    return stored


def page_through(org: str, conds, sort, limit: int, between=None) -> list[dict[str, Any]]:
    """Every page, each in its own tenant transaction (as separate requests would)."""
    pairs = [(f"filter[{name}][{op}]", _raw(value)) for name, op, value in conds]
    sort_param = ",".join(("-" if desc else "") + name for name, desc in sort)
    seen: list[dict[str, Any]] = []
    cursor = None
    for _ in range(1000):
        with db.tenant_transaction(org) as conn:
            query = LISTING.parse(pairs, sort=sort_param)
            rows, cursor = LISTING.page(conn, query, limit=limit, cursor=cursor)
        assert len(rows) <= limit
        ids = {r["id"] for r in seen}
        assert not [r for r in rows if r["id"] in ids], "a row was returned twice"
        seen.extend(rows)
        if cursor is None:
            return seen
        if between is not None:
            between()
    raise AssertionError("paging did not end")


@pytest.fixture(scope="module")
def dataset(database):
    with psycopg.connect(database["admin"], autocommit=True) as admin:
        org = new_org(admin)
        rng_rows = [
            {
                "name": WORDS[i % 5],
                "industry": None if i % 4 == 0 else WORDS[(i * 3) % 5],
                "employee_count": None if i % 3 == 0 else i % 5,
                "annual_revenue": None if i % 5 == 1 else (i * 7) % 4,
                "tags": [t for j, t in enumerate(TAGS) if (i >> j) & 1],
                "created_at": TIMES[i % 4],
            }
            for i in range(45)
        ]
        rows = insert(admin, org, rng_rows)
    return org, rows


@settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(conds=st.lists(conditions(), max_size=3), sort=sorts, limit=st.integers(1, 8))
def test_paging_returns_every_match_once_in_order(dataset, conds, sort, limit):
    org, rows = dataset
    expected = sorted((r for r in rows if all(matches(r, c) for c in conds)), key=ordering(sort))
    got = page_through(org, conds, sort, limit)
    assert [r["id"] for r in got] == [r["id"] for r in expected]


@settings(
    max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    base=st.lists(row_values, min_size=0, max_size=14),
    inserts=st.lists(st.lists(row_values, min_size=1, max_size=2), min_size=1, max_size=6),
    conds=st.lists(conditions(), max_size=2),
    sort=sorts,
    limit=st.integers(1, 4),
)
def test_paging_while_rows_are_inserted(database, admin_db, base, inserts, conds, sort, limit):
    org = new_org(admin_db)
    original = insert(admin_db, org, base)
    added: list[dict[str, Any]] = []
    pending = list(inserts)

    def insert_some() -> None:  # between two pages, committed on another connection
        if pending:
            added.extend(insert(admin_db, org, pending.pop(0)))

    # And at the same time, from a thread, until paging is over.
    stop = threading.Event()

    def keep_inserting() -> None:
        with psycopg.connect(database["admin"], autocommit=True) as conn:
            while not stop.is_set():
                added.extend(insert(conn, org, [base[0] if base else inserts[0][0]]))
                stop.wait(0.002)

    writer = threading.Thread(target=keep_inserting)
    writer.start()
    try:
        got = page_through(org, conds, sort, limit, between=insert_some)
    finally:
        stop.set()
        writer.join()

    ids = [r["id"] for r in got]
    assert len(ids) == len(set(ids)), "a row was returned twice"
    matching = {r["id"] for r in original if all(matches(r, c) for c in conds)}
    assert matching <= set(ids), "a row that existed when paging began was skipped"
    known = {r["id"]: r for r in original + added}
    assert set(ids) <= set(known)
    assert all(all(matches(known[i], c) for c in conds) for i in ids)
    ordered = [known[i] for i in ids]
    assert ordered == sorted(ordered, key=ordering(sort)), "pages are out of order"
