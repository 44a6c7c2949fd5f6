"""The org finaliser: an org past its grace period loses every row of every tenant table (and its
own), after org.deletion_finalising is published; nothing of another org, nor of an org still in
its grace period, is touched; a run stopped mid-batch is carried on by the next; the system role
reaches only past-grace rows."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from hearth import db
from hearth.lifecycle import deletion_finaliser
from tests.integration.crm.builders import Crm


def _seed(client: Any, tenant: Any) -> None:
    crm = Crm(client, tenant)
    company = crm.company()
    person = crm.person(company_id=company["id"])
    crm.deal(company_id=company["id"])
    project = crm.project()
    task = crm.task(links=[{"type": "project", "id": project["id"]}])
    crm.note(links=[{"type": "project", "id": project["id"]}, {"type": "person", "id": person["id"]}])
    crm.time_entry(project_id=project["id"], task_id=task["id"])
    crm.interaction(person_id=person["id"])
    client.add_member(tenant, "member")


def _rows(admin_db: Any, org_id: str) -> dict[str, int]:
    """The org's rows in every table that holds any (orgs by id)."""
    with db.system_transaction() as conn:
        tables = [t for t, _ in deletion_finaliser.deletion_order(conn)]
    counts = {}
    for table in tables:
        column = "id" if table == "orgs" else "org_id"
        counts[table] = admin_db.execute(
            f'SELECT count(*) AS n FROM "{table}" WHERE {column} = %s', (org_id,)
        ).fetchone()["n"]
    return {t: n for t, n in counts.items() if n}


def _delete(admin_db: Any, tenant: Any, days_ago: int) -> None:
    admin_db.execute(
        "UPDATE orgs SET deleted_at = now() - make_interval(days => %s), deleted_by = %s WHERE id = %s",
        (days_ago, tenant.owner.user_id, tenant.org_id),
    )


def _publish(admin_db: Any, org_id: str) -> None:
    """What the outbox sweep does with the finalising event (two hours ago: it has settled)."""
    admin_db.execute(
        "UPDATE domain_events SET published_at = now() - interval '2 hours'"
        " WHERE org_id = %s AND type = 'org.deletion_finalising'",
        (org_id,),
    )


@pytest.fixture
def three(client: Any) -> tuple[Any, Any, Any]:
    """An org past its grace period, one deleted within it, and one live; the same data in each."""
    gone, grace, live = client.new_tenant("Gone"), client.new_tenant("Grace"), client.new_tenant("Live")
    for tenant in (gone, grace, live):
        _seed(client, tenant)
    return gone, grace, live


def test_an_org_past_its_grace_period_is_removed_and_nothing_else(three, admin_db):
    gone, grace, live = three
    _delete(admin_db, gone, 31)
    _delete(admin_db, grace, 29)
    before = {t.org_id: _rows(admin_db, t.org_id) for t in three}
    assert len(before[gone.org_id]) > 15  # the seed reaches many tables

    first = deletion_finaliser.finalise()
    assert first["waiting"] >= 1  # the finalising event is not published yet: nothing removed
    assert _rows(admin_db, gone.org_id)["companies"] == 1
    [event] = admin_db.execute(
        "SELECT * FROM domain_events WHERE org_id = %s AND type = 'org.deletion_finalising'",
        (gone.org_id,),
    ).fetchall()
    assert event["payload"]["org_id"] == gone.org_id
    assert set(event["payload"]) == {
        *("org_id", "stripe_subscription_id", "stripe_customer_id"),
        *("twilio_number_sids", "github_installation_id"),
    }
    assert not admin_db.execute(
        "SELECT 1 FROM domain_events WHERE org_id = %s AND type = 'org.deletion_finalising'", (grace.org_id,)
    ).fetchall()

    admin_db.execute(
        "UPDATE domain_events SET published_at = now()"
        " WHERE org_id = %s AND type = 'org.deletion_finalising'",
        (gone.org_id,),
    )
    assert deletion_finaliser.finalise()["waiting"] >= 1  # published a moment ago: not settled
    assert _rows(admin_db, gone.org_id)["companies"] == 1
    _publish(admin_db, gone.org_id)
    second = deletion_finaliser.finalise()
    assert second["orgs"] >= 1
    assert _rows(admin_db, gone.org_id) == {}
    assert _rows(admin_db, grace.org_id) == before[grace.org_id]
    assert _rows(admin_db, live.org_id) == before[live.org_id]
    record = admin_db.execute("SELECT * FROM org_deletions WHERE id = %s", (gone.org_id,)).fetchone()
    assert record["finalised_at"] is not None
    # everything seeded, plus the finalising event the run wrote itself
    assert record["rows_deleted"] == sum(before[gone.org_id].values()) + 1
    # the users stay: they may belong to other orgs (deleting a user is DELETE /v1/users/me)
    assert admin_db.execute("SELECT 1 FROM users WHERE id = %s", (gone.owner.user_id,)).fetchone()


def test_a_run_stopped_mid_batch_is_carried_on_by_the_next(three, admin_db, monkeypatch):
    gone, _, live = three
    _delete(admin_db, gone, 40)
    live_before = _rows(admin_db, live.org_id)
    deletion_finaliser.finalise()
    _publish(admin_db, gone.org_id)
    monkeypatch.setattr(deletion_finaliser, "BATCH", 2)
    original = deletion_finaliser.delete_batch
    calls = {"n": 0}

    def killed_after_a_few(conn, table, pk, org_id, limit=2):
        calls["n"] += 1
        if calls["n"] == 12:
            original(conn, table, pk, org_id, limit)  # this batch's work is lost with its transaction
            raise SystemExit("killed")
        return original(conn, table, pk, org_id, limit)

    monkeypatch.setattr(deletion_finaliser, "delete_batch", killed_after_a_few)
    with pytest.raises(SystemExit):
        deletion_finaliser.finalise()
    partway = _rows(admin_db, gone.org_id)
    assert partway
    assert partway["orgs"] == 1
    monkeypatch.setattr(deletion_finaliser, "delete_batch", original)
    assert deletion_finaliser.finalise()["orgs"] >= 1
    assert _rows(admin_db, gone.org_id) == {}
    assert _rows(admin_db, live.org_id) == live_before


def test_the_system_role_reaches_only_rows_of_orgs_past_their_grace_period(three, admin_db, database):
    gone, grace, live = three
    _delete(admin_db, gone, 31)
    _delete(admin_db, grace, 29)
    with psycopg.connect(database["system"], autocommit=True) as conn:
        for tenant, expected in ((live, 0), (grace, 0), (gone, 1)):
            gone_rows = conn.execute("DELETE FROM companies WHERE org_id = %s", (tenant.org_id,)).rowcount
            assert gone_rows == expected, tenant.org_id
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT name FROM companies")
    assert (
        admin_db.execute("SELECT count(*) AS n FROM companies WHERE org_id = %s", (live.org_id,)).fetchone()[
            "n"
        ]
        == 1
    )


def test_the_deletion_order_puts_children_first():
    with db.system_transaction() as conn:
        order = [t for t, _ in deletion_finaliser.deletion_order(conn)]
    assert order[-1] == "orgs"
    for child, parent in (("task_links", "tasks"), ("tasks", "org_members"), ("people", "companies")):
        assert order.index(child) < order.index(parent), (child, parent)


def test_the_orgs_objects_go_with_it_every_version(three, admin_db, monkeypatch):
    from moto import mock_aws

    from hearth import aws
    from hearth.settings import settings

    gone, _, live = three
    _delete(admin_db, gone, 31)
    with mock_aws():
        aws.reset("s3")
        s3 = aws.client("s3", read_timeout=5)
        s3.create_bucket(Bucket="recordings")
        s3.put_bucket_versioning(Bucket="recordings", VersioningConfiguration={"Status": "Enabled"})
        s3.create_bucket(Bucket="exports")
        monkeypatch.setenv("HEARTH_RECORDINGS_BUCKET", "recordings")
        monkeypatch.setenv("HEARTH_EXPORTS_BUCKET", "exports")
        settings.cache_clear()
        try:
            for org in (gone.org_id, live.org_id):
                key = f"recordings/{org}/call/RE1.mp3"
                s3.put_object(Bucket="recordings", Key=key, Body=b"v1")
                s3.put_object(Bucket="recordings", Key=key, Body=b"v2")  # two versions
                s3.put_object(Bucket="exports", Key=f"exports/{org}/e.zip", Body=b"zip")
            deletion_finaliser.finalise()
            _publish(admin_db, gone.org_id)
            deletion_finaliser.finalise()

            def versions(bucket: str, org: str) -> int:
                prefix = f"{bucket}/{org}/"
                page = s3.list_object_versions(Bucket=bucket, Prefix=prefix)
                return len(page.get("Versions", [])) + len(page.get("DeleteMarkers", []))

            assert versions("recordings", gone.org_id) == 0
            assert versions("exports", gone.org_id) == 0
            assert versions("recordings", live.org_id) == 2
            assert versions("exports", live.org_id) == 1
            assert _rows(admin_db, gone.org_id) == {}
        finally:
            aws.reset("s3")
            monkeypatch.delenv("HEARTH_RECORDINGS_BUCKET")
            monkeypatch.delenv("HEARTH_EXPORTS_BUCKET")
            settings.cache_clear()


def test_the_daily_schedule_runs_the_finaliser_as_deployed(three, admin_db):
    import json

    from hearth_dev.sam.functions import invoke
    from hearth_dev.sam.template import load_template

    from tests.conftest import ROOT

    gone, _, live = three
    _delete(admin_db, gone, 31)
    deletion_finaliser.finalise()
    _publish(admin_db, gone.org_id)
    fn = load_template(ROOT).functions["OrgFinaliserFunction"]
    answer = invoke(fn, json.loads(fn.sample_event.read_text()))
    assert answer["orgs"] >= 1
    assert _rows(admin_db, gone.org_id) == {}
    assert _rows(admin_db, live.org_id)
