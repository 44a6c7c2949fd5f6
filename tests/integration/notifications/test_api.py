"""The notification routes: each user lists, reads and marks only their own (another member's
notification is a 404 and stays unread), `filter[read]`, the unread count, preferences with their
defaults; bad input is a problem that changes nothing; the database keeps each user to their own."""

from __future__ import annotations

import psycopg
import pytest

from tests.integration.notifications.conftest import notify

N = "/v1/notifications"


@pytest.fixture
def two(client, tenant):
    """Two members of the tenant, each with notifications."""
    ada, bob = client.add_member(tenant, "member"), client.add_member(tenant, "viewer")
    mine = [notify(tenant.org_id, ada.user_id, f"Ada {i}") for i in range(3)]
    theirs = [notify(tenant.org_id, bob.user_id, f"Bob {i}") for i in range(2)]
    return ada, bob, mine, theirs


def _as(client, user, tenant, method: str, path: str, **kw):
    return client.request(method, path, auth=user.auth, org=tenant.org_id, **kw)


def test_each_user_lists_only_their_own_newest_first(client, tenant, two):
    ada, bob, mine, theirs = two
    listed = _as(client, ada, tenant, "GET", N)
    assert listed.status == 200, listed.body
    data = listed.json()["data"]
    assert [n["id"] for n in data] == list(reversed(mine))
    assert [n["title"] for n in data] == ["Ada 2", "Ada 1", "Ada 0"]
    assert all(n["read"] is False and n["read_at"] is None for n in data)
    assert data[0]["resource"]["type"] == "deal"
    assert [n["id"] for n in _as(client, bob, tenant, "GET", N).json()["data"]] == list(reversed(theirs))
    # The owner (through the API key, which acts for them) has none of theirs.
    owner = client.get(N, auth=tenant.key_auth).json()["data"]
    assert not {n["id"] for n in owner} & set(mine + theirs)


def test_paging_and_filters(client, tenant, two):
    ada, _bob, mine, _theirs = two
    page = _as(client, ada, tenant, "GET", N, query="limit=2").json()
    assert len(page["data"]) == 2
    rest = _as(client, ada, tenant, "GET", N, query=f"limit=2&cursor={page['next_cursor']}").json()
    assert [n["id"] for n in page["data"] + rest["data"]] == list(reversed(mine))
    assert _as(client, ada, tenant, "POST", f"{N}/{mine[0]}/read").status == 200
    unread = _as(client, ada, tenant, "GET", N, query="filter[read]=false").json()["data"]
    read = _as(client, ada, tenant, "GET", N, query="filter[read]=true").json()["data"]
    assert [n["id"] for n in unread] == [mine[2], mine[1]]
    assert [n["id"] for n in read] == [mine[0]]
    typed = _as(client, ada, tenant, "GET", N, query="filter[type]=mention").json()["data"]
    assert typed == []
    bad = _as(client, ada, tenant, "GET", N, query="filter[read]=perhaps")
    assert bad.status == 422
    assert bad.header("content-type") == "application/problem+json"


def test_reading_marks_once_and_only_ones_own(client, tenant, two, admin_db):
    ada, _bob, mine, theirs = two
    first = _as(client, ada, tenant, "POST", f"{N}/{mine[0]}/read")
    assert first.status == 200, first.body
    assert first.json()["read"] is True
    again = _as(client, ada, tenant, "POST", f"{N}/{mine[0]}/read")
    assert again.json()["read_at"] == first.json()["read_at"]
    # Another member's notification, in the same org: not found, and left unread.
    other = _as(client, ada, tenant, "POST", f"{N}/{theirs[0]}/read")
    assert other.status == 404
    assert other.header("content-type") == "application/problem+json"
    assert "Bob" not in other.body.decode()
    row = admin_db.execute("SELECT read_at FROM notifications WHERE id = %s", (theirs[0],)).fetchone()
    assert row["read_at"] is None
    assert _as(client, ada, tenant, "POST", f"{N}/not-an-id/read").status == 422


def test_read_all_and_the_unread_count_are_ones_own(client, tenant, two, admin_db):
    ada, bob, mine, theirs = two
    assert _as(client, ada, tenant, "GET", f"{N}/unread-count").json() == {"unread": 3}
    assert _as(client, bob, tenant, "GET", f"{N}/unread-count").json() == {"unread": 2}
    _as(client, ada, tenant, "POST", f"{N}/{mine[0]}/read")
    marked = _as(client, ada, tenant, "POST", f"{N}/read-all")
    assert marked.status == 200, marked.body
    assert marked.json() == {"marked": 2}
    assert _as(client, ada, tenant, "POST", f"{N}/read-all").json() == {"marked": 0}
    assert _as(client, ada, tenant, "GET", f"{N}/unread-count").json() == {"unread": 0}
    assert _as(client, bob, tenant, "GET", f"{N}/unread-count").json() == {"unread": 2}
    rows = admin_db.execute(
        "SELECT count(*) AS n FROM notifications WHERE id = ANY(%s) AND read_at IS NULL", (theirs,)
    ).fetchone()
    assert rows["n"] == 2


def test_preferences_default_set_and_reset(client, tenant, two):
    ada, bob, _mine, _theirs = two
    defaults = _as(client, ada, tenant, "GET", f"{N}/preferences")
    assert defaults.status == 200, defaults.body
    by_type = {p["type"]: (p["in_app"], p["email"]) for p in defaults.json()["preferences"]}
    assert by_type == {
        "task_assigned": (True, True),
        "task_due": (True, False),
        "task_overdue": (True, False),
        "deal_won": (True, False),
        "deal_lost": (True, False),
        "mention": (True, True),
        "invitation": (True, True),
        "export_ready": (True, True),
    }
    chosen = [
        {"type": "deal_won", "in_app": True, "email": True},
        {"type": "mention", "in_app": False, "email": False},
    ]
    put = _as(client, ada, tenant, "PUT", f"{N}/preferences", json_body={"preferences": chosen})
    assert put.status == 200, put.body
    after = {p["type"]: (p["in_app"], p["email"]) for p in put.json()["preferences"]}
    assert after == {**by_type, "deal_won": (True, True), "mention": (False, False)}
    assert _as(client, ada, tenant, "GET", f"{N}/preferences").json() == put.json()
    # Another member's preferences are their own.
    assert {
        p["type"]: (p["in_app"], p["email"])
        for p in _as(client, bob, tenant, "GET", f"{N}/preferences").json()["preferences"]
    } == by_type
    # A type left out goes back to its default.
    again = _as(client, ada, tenant, "PUT", f"{N}/preferences", json_body={"preferences": chosen[:1]})
    assert {p["type"]: (p["in_app"], p["email"]) for p in again.json()["preferences"]} == {
        **by_type,
        "deal_won": (True, True),
    }


@pytest.mark.parametrize(
    "body",
    [
        {
            "preferences": [
                {"type": "deal_won", "in_app": True, "email": True},
                {"type": "deal_won", "in_app": False, "email": False},
            ]
        },
        {"preferences": [{"type": "weather", "in_app": True, "email": True}]},
        {"preferences": [{"type": "deal_won", "in_app": "sometimes", "email": True}]},
        {"preferences": [{"type": "deal_won", "in_app": True}]},
        {"preferences": [{"type": "deal_won", "in_app": True, "email": True, "sms": True}]},
        {},
    ],
)
def test_bad_preferences_are_a_problem_and_change_nothing(client, tenant, two, body):
    ada, *_ = two
    before = _as(
        client,
        ada,
        tenant,
        "PUT",
        f"{N}/preferences",
        json_body={"preferences": [{"type": "mention", "in_app": True, "email": False}]},
    ).json()
    refused = _as(client, ada, tenant, "PUT", f"{N}/preferences", json_body=body)
    assert refused.status == 422, refused.body
    assert refused.header("content-type") == "application/problem+json"
    assert refused.json()["errors"]
    assert _as(client, ada, tenant, "GET", f"{N}/preferences").json() == before


def test_the_database_keeps_each_user_to_their_own(database, tenant, two):
    ada, bob, mine, theirs = two
    with psycopg.connect(database["app"]) as conn:
        conn.execute("SELECT set_config('app.org_id', %s, false)", (tenant.org_id,))
        # No user named: nothing visible, nothing written, nothing marked.
        assert conn.execute("SELECT count(*) FROM notifications").fetchone() == (0,)
        assert conn.execute("UPDATE notifications SET read_at = now()").rowcount == 0
        conn.execute("SELECT set_config('app.user_id', %s, false)", (ada.user_id,))
        seen = {str(r[0]) for r in conn.execute("SELECT id FROM notifications").fetchall()}
        assert seen == set(mine)
        assert (
            conn.execute("UPDATE notifications SET read_at = now() WHERE id = ANY(%s)", (theirs,)).rowcount
            == 0
        )
        assert conn.execute(
            "SELECT count(*) FROM notification_preferences WHERE user_id = %s", (bob.user_id,)
        ).fetchone() == (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO notifications (org_id, id, user_id, type, resource_type, resource_id, title)"
                " VALUES (%s, gen_random_uuid(), %s, 'mention', 'note', gen_random_uuid(), 'Forged')",
                (tenant.org_id, bob.user_id),
            )
        conn.rollback()
        # What a notification says is written once.
        conn.execute("SELECT set_config('app.org_id', %s, false)", (tenant.org_id,))
        conn.execute("SELECT set_config('app.user_id', %s, false)", (ada.user_id,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE notifications SET title = 'Changed'")
        conn.rollback()


def test_preferences_honour_if_match(client, tenant, two):
    ada, *_ = two
    got = _as(client, ada, tenant, "GET", f"{N}/preferences")
    tag = got.header("etag")
    assert tag
    body = {"preferences": [{"type": "task_due", "in_app": True, "email": True}]}
    put = _as(client, ada, tenant, "PUT", f"{N}/preferences", json_body=body, headers={"if-match": tag})
    assert put.status == 200, put.body
    assert put.header("etag") != tag
    stale = _as(
        client,
        ada,
        tenant,
        "PUT",
        f"{N}/preferences",
        json_body={"preferences": []},
        headers={"if-match": tag},
    )
    assert stale.status == 412
    assert _as(client, ada, tenant, "GET", f"{N}/preferences").json() == put.json()
