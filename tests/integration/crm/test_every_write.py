"""Every CRM write route refuses a malformed body and a body of the wrong shape with a problem
document, and nothing changes: no row, no audit entry, no event."""

from __future__ import annotations

import re

import pytest
from hearth_dev.sam.template import load_template

from tests.conftest import ROOT
from tests.integration.crm.builders import Crm, problem

CRM_PREFIXES = (
    "/v1/companies",
    "/v1/people",
    "/v1/pipelines",
    "/v1/deals",
    "/v1/tasks",
    "/v1/notes",
    "/v1/interactions",
    "/v1/projects",
    "/v1/time-entries",
)
WRITES = sorted(
    key
    for key in load_template(ROOT).routes()
    if key.split(" ")[0] in ("POST", "PUT", "PATCH")
    and key.split(" ")[1].startswith(CRM_PREFIXES)
    and not key.endswith(("/restore", "/purge"))  # they take no body
)
TABLES = (
    "companies",
    "people",
    "pipelines",
    "pipeline_stages",
    "deals",
    "deal_stage_changes",
    "tasks",
    "task_links",
    "task_dependencies",
    "notes",
    "note_links",
    "interactions",
    "record_changes",
    "projects",
    "project_members",
    "time_entries",
    "audit_logs",
    "domain_events",
)


@pytest.fixture(scope="module")
def world(client):
    """One tenant with one record of each kind, for the ids in the paths."""
    tenant = client.new_tenant("Writes")
    crm = Crm(client, tenant)
    pipeline = crm.default_pipeline
    ids = {
        "company_id": crm.company()["id"],
        "person_id": crm.person()["id"],
        "deal_id": crm.deal()["id"],
        "task_id": crm.task()["id"],
        "note_id": crm.note()["id"],
        "interaction_id": crm.interaction()["id"],
        "project_id": crm.project()["id"],
        "time_entry_id": crm.time_entry()["id"],
        "pipeline_id": pipeline["id"],
        "stage_id": pipeline["stages"][0]["id"],
    }
    return tenant, ids


def snapshot(admin_db, org_id):
    return {
        table: admin_db.execute(
            f"SELECT count(*) AS n, max(xmin::text) AS x FROM {table} WHERE org_id = %s", (org_id,)
        ).fetchone()
        for table in TABLES
    }


@pytest.mark.parametrize("route_key", WRITES)
@pytest.mark.parametrize(
    "body",
    [
        b'{"name": ',
        b"[1, 2]",
        b'"text"',
        b'{"unexpected_field": 1}',
        b'{"name": 42, "title": [], "items": {}}',
    ],
    ids=["malformed", "array", "string", "unknown-field", "wrong-types"],
)
def test_bad_bodies_change_nothing(client, admin_db, world, route_key, body):
    tenant, ids = world
    method, path = route_key.split(" ", 1)
    concrete = re.sub(r"\{([^}]+)\}", lambda m: ids[m.group(1)], path)
    before = snapshot(admin_db, tenant.org_id)
    response = client.request(
        method, concrete, auth=tenant.key_auth, body=body, headers={"content-type": "application/json"}
    )
    doc = problem(response, 400 if body == b'{"name": ' else 422)
    assert doc["code"] in ("malformed_json", "validation_failed")
    assert snapshot(admin_db, tenant.org_id) == before
