"""Exports: asked for through the API (scopes and who may ask for which), built by the export
worker into a zip in the SSE-KMS bucket (moto) holding exactly the scope's rows and nothing of
another org, a manifest and the file references; the download link valid 24 hours; events,
audit rows, repeated and stalled messages, failures; the queue fed from export.requested."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from hearth import db
from hearth.lifecycle import export_plan, export_worker
from tests.integration.crm.builders import Crm, marker
from tests.integration.lifecycle.conftest import ask, build, download, run

EXPORTS = "/v1/exports"


def _seed(client: Any, tenant: Any) -> dict[str, Any]:
    """The same kinds of data in any org: CRM records, a project with a task, a note and time."""
    crm = Crm(client, tenant)
    company = crm.company()
    person = crm.person(company_id=company["id"])
    deal = crm.deal(company_id=company["id"])
    project = crm.project()
    task = crm.task(links=[{"type": "project", "id": project["id"]}])
    note = crm.note(links=[{"type": "project", "id": project["id"]}])
    entry = crm.time_entry(project_id=project["id"], task_id=task["id"])
    crm.interaction(person_id=person["id"])
    return {
        "company": company,
        "person": person,
        "deal": deal,
        "project": project,
        "task": task,
        "note": note,
        "time_entry": entry,
    }


#: What the worker writes once the zip is written: the completion's event and audit row.
_WRITTEN_AFTER = {
    "domain_events": "AND type <> 'export.completed'",
    "audit_logs": "AND action <> 'export.complete'",
}


def _org_count(admin_db: Any, table: str, org_id: str) -> int:
    column = "id" if table == "orgs" else "org_id"
    after = _WRITTEN_AFTER.get(table, "")
    row = admin_db.execute(
        f'SELECT count(*) AS n FROM "{table}" WHERE {column} = %s {after}', (org_id,)
    ).fetchone()
    return int(row["n"])


# -- what an export holds -----------------------------------------------------------------------


def test_an_org_export_holds_exactly_the_orgs_rows_and_nothing_of_another(
    client, tenant, other_tenant, bucket, admin_db
):
    mine = _seed(client, tenant)
    theirs = _seed(client, other_tenant)
    export, zipped = build(client, bucket, tenant.org_id, tenant.key_auth, {"scope": "org"})
    assert export["status"] == "completed"
    tables = zipped.manifest["tables"]
    # every tenant table but the excluded ones, each with all of the org's rows
    with db.tenant_transaction(tenant.org_id) as conn:
        expected = {t for t in export_plan.tenant_tables(conn) if t not in export_plan.EXCLUDED}
    assert set(tables) == expected | {"users"}
    for table in expected - {"exports"}:  # the export itself is running while it is written
        assert tables[table]["rows"] == _org_count(admin_db, table, tenant.org_id), table
        assert len(zipped.rows(table)) == tables[table]["rows"], table
        assert all(r.get("org_id", r.get("id")) == tenant.org_id for r in zipped.rows(table)), table
    assert zipped.ids("orgs") == {tenant.org_id}
    assert zipped.ids("users") == {tenant.owner.user_id}
    assert zipped.ids("companies") == {mine["company"]["id"]}
    assert zipped.ids("tasks") == {mine["task"]["id"]}
    # nothing of the other org, anywhere in the zip
    text = zipped.text()
    assert other_tenant.org_id not in text
    for record in theirs.values():
        assert record["id"] not in text
    # the audit log is part of it, with its chain; secrets and hashes of keys are not
    audit = zipped.rows("audit_logs")
    assert audit
    assert all(len(r["hash"]) == 64 for r in audit)
    assert {"company.create", "api_key.create"} <= {r["action"] for r in audit}
    assert "key_hash" not in zipped.rows("api_keys")[0]
    assert tenant.api_key not in text


def test_the_manifest_names_the_schema_version_counts_and_files(client, tenant, bucket, admin_db):
    _seed(client, tenant)
    export, zipped = build(client, bucket, tenant.org_id, tenant.key_auth, {"scope": "org"})
    manifest = zipped.manifest
    newest = admin_db.execute("SELECT max(version) AS v FROM hearth_migrations").fetchone()["v"]
    assert manifest["schema_version"].startswith(f"{newest:04d}_")
    assert manifest["format"] == "hearth-export/1"
    assert (manifest["export_id"], manifest["org_id"], manifest["scope"]) == (
        export["id"],
        tenant.org_id,
        "org",
    )
    assert manifest["requested_by"] == tenant.owner.user_id
    assert {t: v["rows"] for t, v in manifest["tables"].items()} == export["counts"]
    assert export["schema_version"] == manifest["schema_version"]
    assert manifest["files"] == {"file": "files.json", "count": 0}
    assert zipped.files() == []


def test_call_recordings_are_referenced_as_files(client, tenant, bucket, admin_db):
    call_id = uuid.uuid4()
    sid = "RE" + "0" * 29 + "123"
    key = f"recordings/{tenant.org_id}/{call_id}/{sid}.mp3"
    admin_db.execute(
        """INSERT INTO calls (org_id, id, direction, status, from_number, to_number, recording_sid,
                              recording_status, recording_key, created_by)
           VALUES (%s, %s, 'inbound', 'completed', '+15005550006', '+15005550007', %s, 'stored', %s,
                   'system')""",
        (tenant.org_id, call_id, sid, key),
    )
    _, zipped = build(client, bucket, tenant.org_id, tenant.key_auth, {"scope": "org"})
    assert zipped.files() == [{"table": "calls", "id": str(call_id), "bucket": "recordings", "key": key}]
    assert zipped.manifest["files"]["count"] == 1


def test_a_user_export_holds_only_the_users_own_data(client, tenant, bucket):
    member = client.add_member(tenant, "member")
    crm = Crm(client, tenant)
    owners = crm.company()
    mine = client.post(
        "/v1/companies", auth=member.auth, org=tenant.org_id, json_body={"name": marker("Mine")}
    ).json()
    export, zipped = build(client, bucket, tenant.org_id, member.auth, {"scope": "user"}, as_user=True)
    assert export["scope"] == "user"
    assert zipped.ids("companies") == {mine["id"]}
    assert owners["id"] not in zipped.text()
    assert zipped.ids("users") == {member.user_id}
    assert zipped.ids("org_members", "user_id") == {member.user_id}
    assert {r["actor_id"] for r in zipped.rows("audit_logs")} == {member.user_id}
    assert tenant.owner.user_id not in json.dumps(zipped.rows("users"))
    assert zipped.rows("orgs") == []  # only an org the user deleted would be theirs


def test_a_project_export_holds_the_project_and_what_is_linked_to_it(client, tenant, bucket):
    mine = _seed(client, tenant)
    other = _seed(client, tenant)  # another project of the same org
    _, zipped = build(
        client,
        bucket,
        tenant.org_id,
        tenant.key_auth,
        {"scope": "project", "project_id": mine["project"]["id"]},
    )
    assert zipped.ids("projects") == {mine["project"]["id"]}
    assert zipped.ids("tasks") == {mine["task"]["id"]}
    assert zipped.ids("notes") == {mine["note"]["id"]}
    assert zipped.ids("time_entries") == {mine["time_entry"]["id"]}
    assert zipped.ids("task_links", "task_id") == {mine["task"]["id"]}
    assert zipped.ids("note_links", "note_id") == {mine["note"]["id"]}
    assert "companies" not in zipped.manifest["tables"] or zipped.rows("companies") == []
    text = zipped.text()
    for record in other.values():
        assert record["id"] not in text


def _peak_writing_companies(org_id: str, path: Any) -> tuple[dict[str, int], int]:
    """Export the org's companies into ``path``; the peak of Python's allocations meanwhile."""
    import tracemalloc

    with db.tenant_transaction(org_id) as conn:
        plan = [t for t in export_plan.build(conn, "org") if t.name == "companies"]
        with path.open("w+b") as out:
            tracemalloc.start()
            try:
                counts = export_worker.write_zip(conn, out, plan=plan, params={}, head={})
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
    return counts, peak


def test_a_large_table_is_streamed_in_bounded_memory(client, tenant, other_tenant, admin_db, tmp_path):
    """20,000 rows go through the server-side cursor a fetch at a time: the peak of Python's
    allocations is that of a few fetches, as for 4,000 rows, not five times it."""
    insert = (
        "INSERT INTO companies (org_id, name, domain, properties) "
        "SELECT %s, 'Company ' || g, 'c' || g || '.example.com', "
        "jsonb_build_object('about', repeat('x', 200)) "
        "FROM generate_series(1, %s) g"
    )
    admin_db.execute(insert, (other_tenant.org_id, 4000))
    admin_db.execute(insert, (tenant.org_id, 20000))
    small, small_peak = _peak_writing_companies(other_tenant.org_id, tmp_path / "small.zip")
    large, large_peak = _peak_writing_companies(tenant.org_id, tmp_path / "large.zip")
    assert (small, large) == ({"companies": 4000}, {"companies": 20000})
    assert large_peak < small_peak * 1.5, (small_peak, large_peak)


# -- the API ----------------------------------------------------------------------------------


def test_an_export_is_queued_announced_and_audited(client, tenant, admin_db):
    asked = ask(client, tenant.org_id, tenant.key_auth, {"scope": "org"})
    assert asked.status == 202, asked.body
    export = asked.json()
    assert (export["status"], export["scope"], export["requested_by"]) == (
        "queued",
        "org",
        tenant.owner.user_id,
    )
    assert export["download_url"] is None
    assert asked.header("location") == f"{EXPORTS}/{export['id']}"
    [event] = admin_db.execute(
        "SELECT * FROM domain_events WHERE org_id = %s AND type = 'export.requested'", (tenant.org_id,)
    ).fetchall()
    assert (event["resource_type"], event["resource_id"]) == ("export", export["id"])
    [audited] = admin_db.execute(
        "SELECT * FROM audit_logs WHERE org_id = %s AND action = 'export.create'", (tenant.org_id,)
    ).fetchall()
    assert audited["changes"] == {"scope": "org", "project_id": None}


def test_a_completed_export_is_announced_to_its_requester_and_audited(client, tenant, bucket, admin_db):
    export, _ = build(client, bucket, tenant.org_id, tenant.key_auth, {"scope": "org"})
    [event] = admin_db.execute(
        "SELECT * FROM domain_events WHERE org_id = %s AND type = 'export.completed'", (tenant.org_id,)
    ).fetchall()
    assert event["payload"] == {"requested_by": tenant.owner.user_id, "export_id": export["id"]}
    [audited] = admin_db.execute(
        "SELECT * FROM audit_logs WHERE org_id = %s AND action = 'export.complete'", (tenant.org_id,)
    ).fetchall()
    assert audited["actor_type"] == "system"
    assert audited["changes"]["size_bytes"] == export["size_bytes"] > 0


def test_the_download_link_is_valid_for_24_hours_and_the_zip_kept_two_days(client, tenant, bucket):
    export, zipped = build(client, bucket, tenant.org_id, tenant.key_auth, {"scope": "org"})
    url = urlsplit(export["download_url"])
    query = parse_qs(url.query)
    assert query["X-Amz-Expires"] == ["86400"]
    assert url.path.endswith(f"/exports/{tenant.org_id}/{export['id']}.zip")
    from datetime import datetime

    finished = datetime.fromisoformat(export["finished_at"])
    assert datetime.fromisoformat(export["expires_at"]) - finished == pytest.approx(
        timedelta(days=2), abs=timedelta(seconds=5)
    )
    link_ends = datetime.fromisoformat(export["download_expires_at"])
    assert timedelta(hours=23, minutes=59) < link_ends - finished < timedelta(hours=24, minutes=1)
    # the object is encrypted with the bucket's KMS key
    head = bucket.head_object(Bucket="hearth-exports", Key=f"exports/{tenant.org_id}/{export['id']}.zip")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert len(zipped.data) == export["size_bytes"]


def test_no_link_once_the_zip_has_expired(client, tenant, bucket, admin_db):
    export, _ = build(client, bucket, tenant.org_id, tenant.key_auth, {"scope": "org"})
    admin_db.execute(
        "UPDATE exports SET expires_at = now() - interval '1 minute' WHERE id = %s", (export["id"],)
    )
    got = client.get(f"{EXPORTS}/{export['id']}", auth=tenant.key_auth).json()
    assert got["status"] == "completed"
    assert got["download_url"] is None


def test_only_owners_and_admins_export_the_org_or_a_project(client, tenant):
    project = Crm(client, tenant).project()
    member = client.add_member(tenant, "member")
    viewer = client.add_member(tenant, "viewer")
    admin = client.add_member(tenant, "admin")
    for who in (member, viewer):
        for body in ({"scope": "org"}, {"scope": "project", "project_id": project["id"]}):
            refused = ask(client, tenant.org_id, who.auth, body, as_user=True)
            assert refused.status == 403, refused.body
            assert refused.json()["code"] == "export_scope_forbidden"
        assert ask(client, tenant.org_id, who.auth, {"scope": "user"}, as_user=True).status == 202
    assert ask(client, tenant.org_id, admin.auth, {"scope": "org"}, as_user=True).status == 202


def test_members_see_their_own_exports_admins_all(client, tenant):
    member = client.add_member(tenant, "member")
    owners = ask(client, tenant.org_id, tenant.key_auth, {"scope": "org"}).json()
    theirs = ask(client, tenant.org_id, member.auth, {"scope": "user"}, as_user=True).json()
    hidden = client.get(f"{EXPORTS}/{owners['id']}", auth=member.auth, org=tenant.org_id)
    assert hidden.status == 404
    listed = client.get(EXPORTS, auth=member.auth, org=tenant.org_id).json()["data"]
    assert [e["id"] for e in listed] == [theirs["id"]]
    everything = client.get(EXPORTS, auth=tenant.key_auth).json()["data"]
    assert [e["id"] for e in everything] == [theirs["id"], owners["id"]]  # newest first
    assert client.get(f"{EXPORTS}/{theirs['id']}", auth=tenant.key_auth).status == 200


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"scope": "project"}, "project_id", "required"),
        ({"scope": "user", "project_id": str(uuid.uuid4())}, "project_id", "not_allowed"),
        ({"scope": "project", "project_id": str(uuid.uuid4())}, "project_id", "reference_not_found"),
        ({"scope": "everything"}, "scope", None),
        ({"scope": "org", "extra": 1}, "extra", None),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(client, tenant, admin_db, body, field, code):
    refused = ask(client, tenant.org_id, tenant.key_auth, body)
    assert refused.status == 422, refused.body
    problem = refused.json()
    assert refused.header("content-type") == "application/problem+json"
    assert problem["errors"][0]["field"] == field
    if code:
        assert problem["errors"][0]["code"] == code
    assert (
        admin_db.execute("SELECT count(*) AS n FROM exports WHERE org_id = %s", (tenant.org_id,)).fetchone()[
            "n"
        ]
        == 0
    )


# -- the worker -------------------------------------------------------------------------------


def test_a_repeated_message_does_nothing(client, tenant, bucket, admin_db):
    export, _ = build(client, bucket, tenant.org_id, tenant.key_auth, {"scope": "org"})
    assert run(tenant.org_id, export["id"]) == "done"
    events = admin_db.execute(
        "SELECT count(*) AS n FROM domain_events WHERE org_id = %s AND type = 'export.completed'",
        (tenant.org_id,),
    ).fetchone()
    assert events["n"] == 1


def test_an_export_whose_worker_was_stopped_is_taken_over(client, tenant, bucket, admin_db):
    export = ask(client, tenant.org_id, tenant.key_auth, {"scope": "org"}).json()
    admin_db.execute(
        "UPDATE exports SET status = 'running', started_at = now() - interval '5 minutes' WHERE id = %s",
        (export["id"],),
    )
    assert run(tenant.org_id, export["id"]) == "done"  # running elsewhere, recently
    admin_db.execute(
        "UPDATE exports SET started_at = now() - interval '1 hour' WHERE id = %s", (export["id"],)
    )
    assert run(tenant.org_id, export["id"]) == "completed"
    assert download(bucket, tenant.org_id, export["id"]).manifest["export_id"] == export["id"]


def test_an_export_that_cannot_be_stored_fails_and_says_so(client, tenant, bucket, admin_db):
    bucket.delete_bucket_encryption(Bucket="hearth-exports")
    bucket.delete_bucket(Bucket="hearth-exports")
    export = ask(client, tenant.org_id, tenant.key_auth, {"scope": "org"}).json()
    assert run(tenant.org_id, export["id"]) == "failed"
    got = client.get(f"{EXPORTS}/{export['id']}", auth=tenant.key_auth).json()
    assert (got["status"], got["error"], got["download_url"]) == ("failed", "internal_error", None)
    [event] = admin_db.execute(
        "SELECT * FROM domain_events WHERE org_id = %s AND type = 'export.failed'", (tenant.org_id,)
    ).fetchall()
    assert event["payload"] == {"requested_by": tenant.owner.user_id, "export_id": export["id"]}


def test_the_export_queue_is_fed_from_export_requested(tenant, monkeypatch):
    from moto import mock_aws

    from hearth import queues
    from hearth.lifecycle.export_worker import ExportMessage
    from hearth.outbox import channels
    from hearth.settings import settings

    with mock_aws():
        queues.reset_client()
        url = queues.client().create_queue(QueueName="ExportQueue")["QueueUrl"]
        monkeypatch.setenv("HEARTH_EXPORT_QUEUE_URL", url)
        settings.cache_clear()
        try:
            export_id = uuid.uuid4()
            assert channels.route(uuid.UUID(tenant.org_id), "export.requested", export_id) is True
            [message] = queues.client().receive_message(QueueUrl=url)["Messages"]
            assert ExportMessage.parse(message["Body"]) == ExportMessage(uuid.UUID(tenant.org_id), export_id)
        finally:
            queues.reset_client()
            monkeypatch.delenv("HEARTH_EXPORT_QUEUE_URL")
            settings.cache_clear()


# -- nothing forgotten ------------------------------------------------------------------------


def test_every_tenant_table_is_in_the_org_export_or_excluded_with_a_reason(tenant):
    with db.tenant_transaction(tenant.org_id) as conn:
        tenant_tables = set(export_plan.tenant_tables(conn))
        plan = {t.name: t for t in export_plan.build(conn, "org")}  # raises on an unreadable table
    assert set(export_plan.EXCLUDED) <= tenant_tables, "EXCLUDED names a table that is gone"
    assert all(reason.strip() for reason in export_plan.EXCLUDED.values())
    assert tenant_tables - set(export_plan.EXCLUDED) <= set(plan)
    for table in plan.values():
        assert table.columns, table.name
        assert "org_id" in table.columns or table.name in ("orgs", "users"), table.name


def test_the_export_worker_runs_as_deployed(client, tenant, bucket):
    """The consumer (its sample event's shape, this export's ids) reports no failure and builds it."""
    from hearth_dev.sam.functions import invoke
    from hearth_dev.sam.template import load_template

    from tests.conftest import ROOT

    export = ask(client, tenant.org_id, tenant.key_auth, {"scope": "org"}).json()
    fn = load_template(ROOT).functions["ExportWorkerFunction"]
    event = json.loads(fn.sample_event.read_text())
    event["Records"][0]["body"] = json.dumps({"org_id": tenant.org_id, "export_id": export["id"]})
    assert invoke(fn, event) == {"batchItemFailures": []}
    assert client.get(f"{EXPORTS}/{export['id']}", auth=tenant.key_auth).json()["status"] == "completed"
