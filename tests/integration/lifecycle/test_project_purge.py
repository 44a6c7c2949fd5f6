"""Purging a deleted project: refused for a live one; removes the project, its members, links and
time entries, and the tasks and notes linked to it alone; a task linked elsewhere too stays; the
app role can hard-delete only what is soft-deleted; audited."""

from __future__ import annotations

from typing import Any

from tests.integration.crm.builders import Crm


def _project_with_work(crm: Crm) -> dict[str, Any]:
    project = crm.project()
    own_task = crm.task(links=[{"type": "project", "id": project["id"]}])
    deal = crm.deal()
    shared_task = crm.task(
        links=[{"type": "project", "id": project["id"]}, {"type": "deal", "id": deal["id"]}]
    )
    note = crm.note(links=[{"type": "project", "id": project["id"]}])
    entry = crm.time_entry(project_id=project["id"], task_id=own_task["id"])
    return {"project": project, "own_task": own_task, "shared_task": shared_task, "deal": deal, "note": note,
            "entry": entry}  # fmt: skip


def _exists(admin_db: Any, table: str, row_id: str) -> bool:
    return bool(admin_db.execute(f"SELECT 1 FROM {table} WHERE id = %s", (row_id,)).fetchall())


def test_a_deleted_project_is_purged_with_what_is_its_alone(client, tenant, admin_db):
    crm = Crm(client, tenant)
    mine, other = _project_with_work(crm), _project_with_work(crm)
    project_id = mine["project"]["id"]
    live = client.post(f"/v1/projects/{project_id}/purge", auth=tenant.key_auth)
    assert live.status == 409
    assert live.json()["code"] == "project_not_deleted"
    assert client.delete(f"/v1/projects/{project_id}", auth=tenant.key_auth).status == 204
    purged = client.post(f"/v1/projects/{project_id}/purge", auth=tenant.key_auth)
    assert purged.status == 200, purged.body
    assert purged.json() == {"id": project_id, "tasks": 1, "notes": 1, "time_entries": 1, "links": 3}
    assert not _exists(admin_db, "projects", project_id)
    assert not _exists(admin_db, "tasks", mine["own_task"]["id"])
    assert not _exists(admin_db, "notes", mine["note"]["id"])
    assert not _exists(admin_db, "time_entries", mine["entry"]["id"])
    assert not admin_db.execute("SELECT 1 FROM task_links WHERE project_id = %s", (project_id,)).fetchall()
    # a task linked elsewhere too stays, with that link only
    assert _exists(admin_db, "tasks", mine["shared_task"]["id"])
    links = admin_db.execute(
        "SELECT deal_id FROM task_links WHERE task_id = %s", (mine["shared_task"]["id"],)
    )
    assert [str(r["deal_id"]) for r in links.fetchall()] == [mine["deal"]["id"]]
    # the other project is untouched
    for key in ("own_task", "shared_task", "note", "entry"):
        table = {"own_task": "tasks", "shared_task": "tasks", "note": "notes", "entry": "time_entries"}[key]
        assert _exists(admin_db, table, other[key]["id"]), key
    assert _exists(admin_db, "projects", other["project"]["id"])
    [audited] = admin_db.execute(
        "SELECT * FROM audit_logs WHERE org_id = %s AND action = 'project.purge'", (tenant.org_id,)
    ).fetchall()
    assert audited["resource_id"] == project_id
    assert audited["changes"]["tasks"] == 1
    assert client.post(f"/v1/projects/{project_id}/restore", auth=tenant.key_auth).status == 404


def test_only_admins_purge(client, tenant):
    crm = Crm(client, tenant)
    project = crm.project()
    assert client.delete(f"/v1/projects/{project['id']}", auth=tenant.key_auth).status == 204
    member = client.add_member(tenant, "member")
    refused = client.post(f"/v1/projects/{project['id']}/purge", auth=member.auth, org=tenant.org_id)
    assert refused.status == 403


def test_the_app_role_hard_deletes_only_what_is_soft_deleted(client, tenant, app_db):
    crm = Crm(client, tenant)
    task, project = crm.task(), crm.project()
    app_db.execute("SELECT set_config('app.org_id', %s, false)", (tenant.org_id,))
    assert app_db.execute("DELETE FROM tasks WHERE id = %s", (task["id"],)).rowcount == 0
    assert app_db.execute("DELETE FROM projects WHERE id = %s", (project["id"],)).rowcount == 0
    app_db.rollback()
