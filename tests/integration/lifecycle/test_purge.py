"""The retention purges against real PostgreSQL: what is past its period goes (with what hangs
off it), what is younger or live stays, in every org but by each org's own period; a purge that
dies mid-run leaves whole batches only and the next run finishes; a second run finds nothing;
the audit chain still verifies after its oldest rows are gone, and tampering is still caught."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import psycopg
import pytest
from psycopg.types.json import Jsonb

from hearth import audit, clock, db
from hearth.lifecycle import purge
from hearth.lifecycle.retention import kinds, policy
from tests.integration.crm.builders import Crm

DAY = timedelta(days=1)


@pytest.fixture
def crm(client, tenant) -> Crm:
    return Crm(client, tenant)


@pytest.fixture
def theirs(client, other_tenant) -> Crm:
    return Crm(client, other_tenant)


def _deleted(admin_db, table: str, record_id: str, ago: timedelta) -> None:
    admin_db.execute(
        f"UPDATE {table} SET deleted_at = %s WHERE id = %s",
        (clock.now() - ago, record_id),
    )


def _exists(admin_db, table: str, record_id: str) -> bool:
    row = admin_db.execute(f"SELECT 1 FROM {table} WHERE id = %s", (record_id,)).fetchone()
    return row is not None


def test_soft_deleted_records_go_after_30_days_with_their_links_and_nothing_else(
    client, tenant, crm, theirs, admin_db
):
    old = crm.company()
    person = crm.person(company_id=old["id"])  # live: its reference is cleared, it stays
    call = crm.interaction(company_id=old["id"])  # the old company's timeline goes with it
    note = crm.note(links=[{"type": "company", "id": old["id"]}])  # live: its link goes, it stays
    young = crm.company()
    live = crm.company()
    their_old = theirs.company()
    their_live = theirs.company()
    _deleted(admin_db, "companies", old["id"], 31 * DAY)
    _deleted(admin_db, "companies", young["id"], 29 * DAY)
    _deleted(admin_db, "companies", their_old["id"], 31 * DAY)

    report = purge.run("records")

    assert report.purged["deleted_companies"] >= 2
    assert not _exists(admin_db, "companies", old["id"])
    assert not _exists(admin_db, "companies", their_old["id"])
    assert not _exists(admin_db, "interactions", call["id"])
    for kept in (young, live, their_live):
        assert _exists(admin_db, "companies", kept["id"])
    survivor = admin_db.execute(
        "SELECT company_id, deleted_at FROM people WHERE id = %s", (person["id"],)
    ).fetchone()
    assert survivor == {"company_id": None, "deleted_at": None}
    assert _exists(admin_db, "notes", note["id"])
    links = admin_db.execute(
        "SELECT count(*) AS n FROM note_links WHERE note_id = %s", (note["id"],)
    ).fetchone()
    assert links["n"] == 0
    # Idempotent: a second run finds nothing more of these.
    again = purge.run("records")
    assert again.purged["deleted_companies"] == 0


def test_an_orgs_longer_period_is_respected_and_never_shortens_anothers(
    client, tenant, crm, theirs, admin_db
):
    body = {"overrides": [{"kind": "deleted_deals", "seconds": 60 * 86400}]}
    assert client.put("/v1/orgs/current/retention", auth=tenant.key_auth, json_body=body).status == 200
    ours, mine_older = crm.deal(), crm.deal()
    other = theirs.deal()
    for record, ago in ((ours, 40 * DAY), (mine_older, 61 * DAY), (other, 40 * DAY)):
        _deleted(admin_db, "deals", record["id"], ago)

    purge.run("records")

    assert _exists(admin_db, "deals", ours["id"])  # 40 days < the org's 60
    assert not _exists(admin_db, "deals", mine_older["id"])
    assert not _exists(admin_db, "deals", other["id"])  # the other org keeps the default 30


def test_a_shorter_period_is_refused_and_changes_nothing(client, tenant, admin_db):
    url = "/v1/orgs/current/retention"
    for body, code in (
        ({"overrides": [{"kind": "audit", "seconds": 86400}]}, "retention_too_short"),
        ({"overrides": [{"kind": "sessions", "seconds": 90 * 86400}]}, "not_overridable"),
        ({"overrides": [{"kind": "no_such_kind", "seconds": 90 * 86400}]}, "unknown_kind"),
    ):
        refused = client.put(url, auth=tenant.key_auth, json_body=body)
        assert refused.status == 422, refused.body
        assert refused.header("content-type").startswith("application/problem+json")
        assert refused.json()["errors"][0]["code"] == code
    rows = admin_db.execute(
        "SELECT * FROM retention_overrides WHERE org_id = %s", (tenant.org_id,)
    ).fetchall()
    assert rows == []
    view = client.get(url, auth=tenant.key_auth).json()["kinds"]
    assert {k["kind"] for k in view} == {k.name for k in kinds()}
    assert all(not k["overridden"] for k in view)


def test_members_read_the_policy_admins_change_it_and_the_change_is_audited(client, tenant, admin_db):
    member = client.add_member(tenant, "member")
    url = "/v1/orgs/current/retention"
    assert client.get(url, auth=member.auth, org=tenant.org_id).status == 200
    body = {"overrides": [{"kind": "audit", "seconds": 400 * 86400}]}
    assert client.put(url, auth=member.auth, org=tenant.org_id, json_body=body).status == 403
    assert client.put(url, auth=tenant.key_auth, json_body=body).status == 200
    back = client.put(
        url, auth=tenant.key_auth, json_body={"overrides": [{"kind": "audit", "seconds": None}]}
    )
    assert next(k for k in back.json()["kinds"] if k["kind"] == "audit")["overridden"] is False
    rows = admin_db.execute(
        "SELECT changes FROM audit_logs WHERE org_id = %s AND action = 'retention.update' ORDER BY seq",
        (tenant.org_id,),
    ).fetchall()
    assert [r["changes"]["audit"] for r in rows] == [
        {"from": None, "to": 400 * 86400},
        {"from": 400 * 86400, "to": None},
    ]


def _idempotency_rows(admin_db, org_id: str, n: int, expires_in: timedelta, prefix: str) -> None:
    admin_db.execute(
        "INSERT INTO idempotency_keys (org_id, credential, key, request_hash, status, expires_at)"
        " SELECT %s, 'test', %s || g, '\\x00', 201, %s FROM generate_series(1, %s) g",
        (org_id, prefix, clock.now() + expires_in, n),
    )


def _count(admin_db, org_id: str, prefix: str) -> int:
    row = admin_db.execute(
        "SELECT count(*) AS n FROM idempotency_keys WHERE org_id = %s AND key LIKE %s", (org_id, prefix + "%")
    ).fetchone()
    return int(row["n"])


def test_expired_rows_go_live_ones_stay_in_every_org(tenant, other_tenant, admin_db):
    tag = uuid.uuid4().hex[:8]
    _idempotency_rows(admin_db, tenant.org_id, 7, -DAY, f"old-{tag}-")
    _idempotency_rows(admin_db, tenant.org_id, 3, DAY, f"live-{tag}-")
    _idempotency_rows(admin_db, other_tenant.org_id, 4, -DAY, f"old-{tag}-")
    event = admin_db.execute(
        "INSERT INTO domain_events (org_id, type, actor_type, resource_type, occurred_at, published_at)"
        " VALUES (%(o)s, 'test.old', 'system', 'x', %(t)s, %(t)s),"
        " (%(o)s, 'test.unpublished', 'system', 'x', %(t)s, NULL)"
        " RETURNING id, type",
        {"o": tenant.org_id, "t": clock.now() - 40 * DAY},
    ).fetchall()

    report = purge.run("expired")

    assert report.purged["idempotency_keys"] >= 11
    assert _count(admin_db, tenant.org_id, f"old-{tag}-") == 0
    assert _count(admin_db, other_tenant.org_id, f"old-{tag}-") == 0
    assert _count(admin_db, tenant.org_id, f"live-{tag}-") == 3
    left = {r["type"] for r in admin_db.execute(
        "SELECT type FROM domain_events WHERE id = ANY(%s)", ([e["id"] for e in event],)
    )}  # fmt: skip
    assert left == {"test.unpublished"}  # never an event the outbox has not published
    assert purge.run("expired").purged["idempotency_keys"] == 0


def test_a_purge_killed_mid_batch_leaves_whole_batches_and_the_next_run_finishes(
    tenant, admin_db, monkeypatch
):
    tag = uuid.uuid4().hex[:8]
    _idempotency_rows(admin_db, tenant.org_id, 10, -DAY, f"kill-{tag}-")
    kind = policy()["idempotency_keys"]
    before = admin_db.execute(
        "SELECT count(*) AS n FROM idempotency_keys WHERE expires_at < now()"
    ).fetchone()["n"]
    calls = {"n": 0}
    real = purge._batch

    def dying(kind_, now, limit, after=purge.START):
        calls["n"] += 1
        if calls["n"] == 1:
            return real(kind_, now, limit, after)
        with db.system_transaction() as conn:  # the second batch deletes, then the process dies
            conn.execute(purge.statement(kind_), purge._params(kind_, now, limit, after))
            raise RuntimeError("killed mid-batch")

    monkeypatch.setattr(purge, "_batch", dying)
    with pytest.raises(RuntimeError, match="killed"):
        purge.run_kind(kind, batch=4)
    after = admin_db.execute(
        "SELECT count(*) AS n FROM idempotency_keys WHERE expires_at < now()"
    ).fetchone()["n"]
    assert before - after == 4  # the first batch, whole; the second rolled back, whole
    monkeypatch.setattr(purge, "_batch", real)
    purge.run_kind(kind, batch=4)
    assert _count(admin_db, tenant.org_id, f"kill-{tag}-") == 0


def test_a_failing_kind_does_not_stop_the_others_and_the_run_raises(tenant, admin_db, monkeypatch, capsys):
    tag = uuid.uuid4().hex[:8]
    _idempotency_rows(admin_db, tenant.org_id, 2, -DAY, f"fail-{tag}-")
    real = purge.run_kind

    def failing(kind, **kw):
        if kind.name == "domain_events":
            raise psycopg.errors.QueryCanceled("statement timeout")
        return real(kind, **kw)

    monkeypatch.setattr(purge, "run_kind", failing)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    with pytest.raises(purge.PurgeFailed, match="domain_events"):
        purge.run("expired")
    assert _count(admin_db, tenant.org_id, f"fail-{tag}-") == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    run = next(r for r in records if r.get("schedule") == "expired")
    assert run["PurgeRunFailed"] == [1.0]


def test_rows_purged_is_emitted_per_kind(tenant, admin_db, monkeypatch, capsys):
    tag = uuid.uuid4().hex[:8]
    _idempotency_rows(admin_db, tenant.org_id, 3, -DAY, f"metric-{tag}-")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    purge.run("expired")
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    by_kind = {r["kind"]: r for r in records if "kind" in r}
    assert set(by_kind) == {k.name for k in kinds("expired")}
    assert by_kind["idempotency_keys"]["RowsPurged"][0] >= 3.0
    assert "PurgeBehindSeconds" in by_kind["idempotency_keys"]
    dims = by_kind["idempotency_keys"]["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
    assert ["kind", "service"] in [sorted(d) for d in dims]


def test_the_system_role_cannot_delete_live_or_young_rows_even_by_hand(tenant, crm, admin_db, database):
    live = crm.company()
    young = crm.company()
    _deleted(admin_db, "companies", young["id"], 10 * DAY)
    _idempotency_rows(admin_db, tenant.org_id, 1, DAY, f"hand-{uuid.uuid4().hex[:8]}-")
    with psycopg.connect(database["system"]) as conn:
        assert (
            conn.execute("DELETE FROM companies WHERE id = ANY(%s)", ([live["id"], young["id"]],)).rowcount
            == 0
        )
        assert conn.execute("DELETE FROM idempotency_keys WHERE expires_at > now()").rowcount == 0
        # Audit rows go through audit_purge() (a chain's prefix, with its checkpoint), or with their
        # whole org once it is past its deletion grace (the finaliser): by hand, nothing of a live org.
        assert conn.execute("DELETE FROM audit_logs WHERE org_id = %s", (tenant.org_id,)).rowcount == 0
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT name FROM companies LIMIT 1")
    assert _exists(admin_db, "companies", live["id"])
    assert _exists(admin_db, "companies", young["id"])


# -- the audit log ------------------------------------------------------------------------------


def _age_audit(admin_db, org_id: str, through_seq: int, ago: timedelta) -> None:
    """Move the first rows of an org's chain back in time, re-hashing the chain as it was written
    then (what the rows would be had they been written ``ago``)."""
    rows = admin_db.execute("SELECT seq FROM audit_logs WHERE org_id = %s ORDER BY seq", (org_id,)).fetchall()
    admin_db.execute("ALTER TABLE audit_logs DISABLE TRIGGER USER")
    try:
        prev = b""
        for r in rows:
            if r["seq"] <= through_seq:
                admin_db.execute(
                    "UPDATE audit_logs SET occurred_at = %s WHERE org_id = %s AND seq = %s",
                    (clock.now() - ago + timedelta(seconds=r["seq"]), org_id, r["seq"]),
                )
            admin_db.execute(
                "UPDATE audit_logs a SET prev_hash = %s WHERE org_id = %s AND seq = %s",
                (prev, org_id, r["seq"]),
            )
            row = admin_db.execute(
                "UPDATE audit_logs a SET hash = audit_row_hash(a) WHERE org_id = %s AND seq = %s"
                " RETURNING hash",
                (org_id, r["seq"]),
            ).fetchone()
            prev = bytes(row["hash"])
        admin_db.execute("UPDATE audit_chain_heads SET last_hash = %s WHERE org_id = %s", (prev, org_id))
    finally:
        admin_db.execute("ALTER TABLE audit_logs ENABLE TRIGGER USER")


def _audit_rows(client, tenant, n: int) -> None:
    for i in range(n):
        made = client.post("/v1/companies", auth=tenant.key_auth, json_body={"name": f"Audit {i}"})
        assert made.status == 201


def _verify(org_id: str) -> audit.ChainReport:
    with db.tenant_transaction(org_id) as conn:
        return audit.verify_chain(conn)


def test_audit_rows_past_90_days_go_and_the_chain_still_verifies(client, tenant, other_tenant, admin_db):
    _audit_rows(client, tenant, 6)
    _audit_rows(client, other_tenant, 3)
    total = admin_db.execute(
        "SELECT max(seq) AS s FROM audit_logs WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()["s"]
    old = total - 3
    _age_audit(admin_db, tenant.org_id, old, 91 * DAY)
    assert _verify(tenant.org_id).valid
    theirs_before = admin_db.execute(
        "SELECT count(*) AS n FROM audit_logs WHERE org_id = %s", (other_tenant.org_id,)
    ).fetchone()["n"]

    report = purge.run("audit")

    assert report.purged["audit"] >= old
    left = admin_db.execute(
        "SELECT min(seq) AS lo, count(*) AS n FROM audit_logs WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()
    assert (left["lo"], left["n"]) == (old + 1, total - old)
    checkpoint = admin_db.execute(
        "SELECT seq FROM audit_checkpoints WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()
    assert checkpoint["seq"] == old
    verified = _verify(tenant.org_id)
    assert (verified.valid, verified.rows_checked, verified.purged_through) == (True, total - old, old)
    assert (
        admin_db.execute(
            "SELECT count(*) AS n FROM audit_logs WHERE org_id = %s", (other_tenant.org_id,)
        ).fetchone()["n"]
        == theirs_before
    )  # its rows are young
    # Idempotent; and the API's verify answers valid too.
    assert purge.run("audit").purged["audit"] == 0
    answer = client.get("/v1/audit-logs/verify", auth=tenant.key_auth).json()
    assert answer["valid"] is True

    # Tampering after the checkpoint is still caught: an edit, and a removal of the first row left.
    admin_db.execute(
        "UPDATE audit_logs SET action = 'company.forged' WHERE org_id = %s AND seq = %s",
        (tenant.org_id, old + 2),
    )
    broken = _verify(tenant.org_id)
    assert (broken.valid, broken.first_invalid_seq) == (False, old + 2)
    admin_db.execute(
        "UPDATE audit_logs a SET action = 'company.create' WHERE org_id = %s AND seq = %s",
        (tenant.org_id, old + 2),
    )
    assert _verify(tenant.org_id).valid
    first = admin_db.execute(
        "DELETE FROM audit_logs WHERE org_id = %s AND seq = %s RETURNING *", (tenant.org_id, old + 1)
    ).fetchone()
    try:
        cut = _verify(tenant.org_id)
        assert (cut.valid, cut.first_invalid_seq) == (False, old + 2)
        # Nor does a purge turn the gap into a clean checkpoint (once the rows are old enough).
        _age_audit(admin_db, tenant.org_id, total, 91 * DAY)
        with pytest.raises(purge.PurgeFailed, match="audit"):
            purge.run("audit")
        checkpoint = admin_db.execute("SELECT seq FROM audit_checkpoints WHERE org_id = %s", (tenant.org_id,))
        assert checkpoint.fetchone()["seq"] == old
    finally:  # the row is put back as it was, so later tests' purges find a whole chain
        columns = list(first)
        admin_db.execute("ALTER TABLE audit_logs DISABLE TRIGGER USER")
        try:
            admin_db.execute(
                f"INSERT INTO audit_logs ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
                [Jsonb(first[c]) if isinstance(first[c], dict) else first[c] for c in columns],
            )
        finally:
            admin_db.execute("ALTER TABLE audit_logs ENABLE TRIGGER USER")


def test_the_audit_purge_keeps_the_law_and_the_orgs_longer_period(client, tenant, admin_db, database):
    body = {"overrides": [{"kind": "audit", "seconds": 200 * 86400}]}
    assert client.put("/v1/orgs/current/retention", auth=tenant.key_auth, json_body=body).status == 200
    _audit_rows(client, tenant, 3)
    total = admin_db.execute(
        "SELECT max(seq) AS s FROM audit_logs WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()["s"]
    _age_audit(admin_db, tenant.org_id, total, 100 * DAY)
    purge.run("audit")
    assert (
        admin_db.execute(
            "SELECT count(*) AS n FROM audit_logs WHERE org_id = %s", (tenant.org_id,)
        ).fetchone()["n"]
        == total
    )
    # Even called by hand with a shorter period, the function keeps 90 days (and the override).
    with psycopg.connect(database["system"]) as conn:
        row = conn.execute("SELECT audit_purge(%s, interval '1 day', 1000) AS n", (tenant.org_id,)).fetchone()
        assert row[0] == 0
    assert _verify(tenant.org_id).valid


def test_anchors_of_purged_rows_are_set_aside_and_the_checkpoints_own_is_compared(client, tenant, admin_db):
    _audit_rows(client, tenant, 4)
    total = admin_db.execute(
        "SELECT max(seq) AS s FROM audit_logs WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()["s"]
    old = total - 2
    _age_audit(admin_db, tenant.org_id, old, 91 * DAY)
    hashes = {
        r["seq"]: bytes(r["hash"])
        for r in admin_db.execute("SELECT seq, hash FROM audit_logs WHERE org_id = %s", (tenant.org_id,))
    }
    purge.run("audit")
    before, at, after = (audit.Anchor(s, hashes[s]) for s in (old - 1, old, total))
    with db.tenant_transaction(tenant.org_id) as conn:
        report = audit.verify_chain(conn, [before, at, after])
        assert (report.valid, report.matched) == (True, (at, after))
        forged = audit.verify_chain(conn, [audit.Anchor(old, b"\x01" * 32)])
        assert (forged.valid, forged.contradicted) == (False, audit.Anchor(old, b"\x01" * 32))


def _sms(admin_db, org_id: str, ago: timedelta) -> str:
    row = admin_db.execute(
        "INSERT INTO sms_messages (org_id, direction, status, from_number, to_number, provider_sid, body,"
        " media_urls, created_at) VALUES (%s, 'inbound', 'received', '+15005550006', '+15005550001', %s,"
        " 'Call me back', ARRAY['https://api.twilio.com/media/1'], %s) RETURNING id",
        (org_id, "SM" + uuid.uuid4().hex, clock.now() - ago),
    ).fetchone()
    return str(row["id"])


def test_sms_content_is_erased_after_a_year_and_old_usage_rows_go(tenant, other_tenant, admin_db):
    old, theirs, young = (
        _sms(admin_db, tenant.org_id, 400 * DAY),
        _sms(admin_db, other_tenant.org_id, 366 * DAY),
        _sms(admin_db, tenant.org_id, 300 * DAY),
    )
    usage = admin_db.execute(
        "INSERT INTO billing_usage (org_id, meter, source, quantity, month, occurred_at) VALUES"
        " (%(o)s, 'sms', %(a)s, 1, date_trunc('month', %(t1)s::timestamptz), %(t1)s),"
        " (%(o)s, 'sms', %(b)s, 1, date_trunc('month', %(t2)s::timestamptz), %(t2)s) RETURNING id, source",
        {
            "o": tenant.org_id,
            "a": f"old-{uuid.uuid4().hex}",
            "b": f"young-{uuid.uuid4().hex}",
            "t1": clock.now() - 401 * DAY,
            "t2": clock.now() - 399 * DAY,
        },
    ).fetchall()

    report = purge.run("expired")

    assert report.purged["sms_content"] >= 2
    rows = {
        str(r["id"]): r
        for r in admin_db.execute(
            "SELECT id, body, media_urls, content_erased_at, status, provider_sid FROM sms_messages"
            " WHERE id = ANY(%s)",
            ([old, theirs, young],),
        )
    }
    for erased in (old, theirs):
        assert (rows[erased]["body"], rows[erased]["media_urls"]) == ("", [])
        assert rows[erased]["content_erased_at"] is not None
        assert rows[erased]["provider_sid"] is not None  # the message stays in the log
    assert (rows[young]["body"], rows[young]["content_erased_at"]) == ("Call me back", None)
    left = {r["source"].split("-")[0] for r in admin_db.execute(
        "SELECT source FROM billing_usage WHERE id = ANY(%s)", ([u["id"] for u in usage],)
    )}  # fmt: skip
    assert left == {"young"}
    assert purge.run("expired").purged["sms_content"] == 0


def test_notifications_read_over_90_days_ago_go_unread_and_recent_ones_stay(tenant, other_tenant, admin_db):
    rows = {}
    for org, name, read in (
        (tenant.org_id, "old_read", clock.now() - 91 * DAY),
        (tenant.org_id, "recent_read", clock.now() - 89 * DAY),
        (tenant.org_id, "unread", None),
        (other_tenant.org_id, "other_old_read", clock.now() - 91 * DAY),
    ):
        owner = tenant.owner.user_id if org == tenant.org_id else other_tenant.owner.user_id
        rows[name] = admin_db.execute(
            "INSERT INTO notifications (org_id, id, user_id, type, resource_type, resource_id, title,"
            " created_at, read_at) VALUES (%s, gen_random_uuid(), %s, 'mention', 'note',"
            " gen_random_uuid(), 't', %s, %s) RETURNING id",
            (org, owner, clock.now() - 200 * DAY, read),
        ).fetchone()["id"]

    report = purge.run("expired")

    assert report.purged["read_notifications"] >= 2
    left = {r["id"] for r in admin_db.execute(
        "SELECT id FROM notifications WHERE id = ANY(%s)", (list(rows.values()),)
    )}  # fmt: skip
    assert left == {rows["recent_read"], rows["unread"]}
    assert purge.run("expired").purged["read_notifications"] == 0


def _email(admin_db, org_id: str, ago: timedelta) -> str:
    return str(
        admin_db.execute(
            "INSERT INTO emails (org_id, status, category, from_address, to_addresses, subject, text_body,"
            " html_body, attachments, provider_message_id, sent_at, created_at) VALUES (%s, 'delivered',"
            " 'transactional', 'hello@acme.example', ARRAY['ada@example.com'], 'Your quote', 'Dear Ada',"
            " '<p>Dear Ada</p>', %s, %s, %s, %s) RETURNING id",
            (
                org_id,
                Jsonb([{"inbound_email_id": str(uuid.uuid4()), "index": 0, "filename": "q.pdf"}]),
                "ses-" + uuid.uuid4().hex,
                clock.now() - ago,
                clock.now() - ago,
            ),
        ).fetchone()["id"]
    )


def _inbound(admin_db, org_id: str, ago: timedelta) -> str:
    ses_id = uuid.uuid4().hex
    return str(
        admin_db.execute(
            "INSERT INTO inbound_emails (org_id, direction, recipient, ses_message_id, from_address, subject,"
            " text_body, html_body, attachments, raw_key, received_at) VALUES (%s, 'inbound',"
            " 'sales@in.acme.example', %s, 'ada@example.com', 'Re: quote', 'Looks good', '<p>Looks good</p>',"
            " %s, %s, %s) RETURNING id",
            (
                org_id,
                ses_id,
                Jsonb([{"index": 0, "filename": "signed.pdf", "key": f"attachments/{org_id}/{ses_id}/0"}]),
                f"inbound/{ses_id}",
                clock.now() - ago,
            ),
        ).fetchone()["id"]
    )


def test_email_content_sent_and_received_is_erased_after_a_year_and_the_log_stays(
    tenant, other_tenant, admin_db
):
    sent = {
        "old": _email(admin_db, tenant.org_id, 366 * DAY),
        "theirs": _email(admin_db, other_tenant.org_id, 400 * DAY),
        "young": _email(admin_db, tenant.org_id, 364 * DAY),
    }
    received = {
        "old": _inbound(admin_db, tenant.org_id, 366 * DAY),
        "theirs": _inbound(admin_db, other_tenant.org_id, 400 * DAY),
        "young": _inbound(admin_db, tenant.org_id, 364 * DAY),
    }
    # An org's longer period keeps its sent emails' content; received content goes when the
    # bucket deletes the attachments, whatever the org asked for.
    admin_db.execute(
        "INSERT INTO retention_overrides (org_id, kind, seconds) VALUES (%s, 'email_content', %s)",
        (other_tenant.org_id, 500 * 86400),
    )

    report = purge.run("expired")

    assert report.purged["email_content"] >= 1
    assert report.purged["inbound_email_content"] >= 2
    emails = {
        str(r["id"]): r
        for r in admin_db.execute(
            "SELECT id, subject, text_body, html_body, attachments, status, provider_message_id,"
            " content_erased_at FROM emails WHERE id = ANY(%s)",
            (list(sent.values()),),
        )
    }
    old = emails[sent["old"]]
    assert (old["text_body"], old["html_body"], old["attachments"]) == ("", None, [])
    assert old["content_erased_at"] is not None
    assert (old["subject"], old["status"]) == ("Your quote", "delivered")  # the log stays
    assert old["provider_message_id"].startswith("ses-")
    for kept in ("theirs", "young"):
        assert emails[sent[kept]]["text_body"] == "Dear Ada"
        assert emails[sent[kept]]["content_erased_at"] is None
    inbound = {
        str(r["id"]): r
        for r in admin_db.execute(
            "SELECT id, subject, text_body, html_body, attachments, content_erased_at FROM inbound_emails"
            " WHERE id = ANY(%s)",
            (list(received.values()),),
        )
    }
    for erased in ("old", "theirs"):
        row = inbound[received[erased]]
        assert (row["text_body"], row["html_body"], row["attachments"]) == ("", None, [])
        assert (row["subject"], row["content_erased_at"] is not None) == ("Re: quote", True)
    assert inbound[received["young"]]["text_body"] == "Looks good"
    again = purge.run("expired").purged
    assert (again["email_content"], again["inbound_email_content"]) == (0, 0)


def test_export_requests_go_after_90_days_and_backup_checks_after_400(tenant, other_tenant, admin_db):
    exports = {}
    for name, org, ago in (
        ("old", tenant.org_id, 91 * DAY),
        ("theirs", other_tenant.org_id, 91 * DAY),
        ("young", tenant.org_id, 89 * DAY),
    ):
        owner = tenant.owner.user_id if org == tenant.org_id else other_tenant.owner.user_id
        exports[name] = admin_db.execute(
            "INSERT INTO exports (org_id, requested_by, scope, status, error, finished_at, created_at)"
            " VALUES (%s, %s, 'org', 'failed', 'worker_failed', %s, %s) RETURNING id",
            (org, owner, clock.now() - ago, clock.now() - ago),
        ).fetchone()["id"]
    checks = {
        name: admin_db.execute(
            "INSERT INTO backup_checks (checked_at, target, check_name, passed) VALUES (%s, 'hearth-db',"
            " 'snapshot_age', true) RETURNING id",
            (clock.now() - ago,),
        ).fetchone()["id"]
        for name, ago in (("old", 401 * DAY), ("young", 399 * DAY))
    }

    report = purge.run("expired")

    assert report.purged["exports"] >= 2
    assert report.purged["backup_checks"] >= 1
    left = {r["id"] for r in admin_db.execute(
        "SELECT id FROM exports WHERE id = ANY(%s)", (list(exports.values()),)
    )}  # fmt: skip
    assert left == {exports["young"]}
    left = {r["id"] for r in admin_db.execute(
        "SELECT id FROM backup_checks WHERE id = ANY(%s)", (list(checks.values()),)
    )}  # fmt: skip
    assert left == {checks["young"]}
    again = purge.run("expired").purged
    assert (again["exports"], again["backup_checks"]) == (0, 0)
