"""Ownership cannot be taken by an edit: members delete (and restore) only what they own, and may
change who owns only what they already own — for every record type with an owner column, through
the records kit (PATCH, batch update and upsert alike)."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest

import hearth.crm
from hearth.records.resource import Resource
from tests.integration.crm.builders import Crm, problem


def _resources() -> list[Resource[Any]]:
    found: dict[str, Resource[Any]] = {}
    for info in pkgutil.iter_modules(hearth.crm.__path__):
        try:
            module = importlib.import_module(f"hearth.crm.{info.name}.store")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, Resource):
                found[value.table] = value
    return sorted(found.values(), key=lambda r: r.table)


#: Every record type whose owners include a column a body can set (not only ``created_by``).
OWNED = [(r, c) for r in _resources() for c in r.owners if c != "created_by"]
IDS = [f"{r.table}.{c}" for r, c in OWNED]

#: How to make one of each through the API (as the org owner's API key).
MAKE = {
    "companies": lambda crm, **f: crm.company(**f),
    "people": lambda crm, **f: crm.person(**f),
    "deals": lambda crm, **f: crm.deal(**f),
    "projects": lambda crm, **f: crm.project(**f),
    "tasks": lambda crm, **f: crm.task(**f),
    "time_entries": lambda crm, **f: crm.time_entry(**f),
}
#: An edit of another field of each (members edit any record).
EDIT = {
    "companies": {"name": "Edited"},
    "people": {"first_name": "Edited"},
    "deals": {"name": "Edited"},
    "projects": {"name": "Edited"},
    "tasks": {"title": "Edited"},
    "time_entries": {"minutes": 45},
}


def test_every_owned_record_type_is_covered():
    assert OWNED
    assert {r.table for r, _c in OWNED} == set(MAKE) == set(EDIT), "cover the new owned record type"


@pytest.fixture
def team(client, tenant):
    """Two members and an admin besides the owner (whose API key makes the records)."""
    return {
        "alice": client.add_member(tenant, "member", "alice"),
        "bob": client.add_member(tenant, "member", "bob"),
        "admin": client.add_member(tenant, "admin"),
    }


@pytest.mark.parametrize(("resource", "column"), OWNED, ids=IDS)
def test_a_member_cannot_claim_a_record_and_then_delete_it(client, tenant, team, resource, column):
    crm = Crm(client, tenant)
    alice, bob = team["alice"], team["bob"]
    as_alice = {"auth": alice.auth, "org": tenant.org_id}
    # The owner's, made by the owner's key: not Alice's.
    record = MAKE[resource.table](crm, **{column: tenant.owner.user_id})
    path = f"{resource.path}/{record['id']}"

    claim = client.patch(path, json_body={column: alice.user_id}, **as_alice)
    assert column in problem(claim, 403, "not_owner")["detail"]
    problem(client.patch(path, json_body={column: bob.user_id}, **as_alice), 403, "not_owner")
    # The other way in to an update: a batch.
    batch = client.post(
        f"{resource.path}/batch/update",
        json_body={"items": [{"id": record["id"], "changes": {column: alice.user_id}}]},
        **as_alice,
    )
    assert batch.status == 200, batch.body
    assert [(r["status"], r["error"]["code"]) for r in batch.json()["results"]] == [(403, "not_owner")]

    after = client.get(path, auth=tenant.key_auth).json()
    assert after[column] == tenant.owner.user_id
    assert after["version"] == record["version"]
    problem(client.delete(path, **as_alice), 403, "not_owner")
    assert client.get(path, auth=tenant.key_auth).status == 200


@pytest.mark.parametrize(("resource", "column"), OWNED, ids=IDS)
def test_an_owner_hands_a_record_on_and_an_admin_reassigns_any(client, tenant, team, resource, column):
    crm = Crm(client, tenant)
    alice, bob, admin = team["alice"], team["bob"], team["admin"]
    as_alice = {"auth": alice.auth, "org": tenant.org_id}
    as_bob = {"auth": bob.auth, "org": tenant.org_id}
    record = MAKE[resource.table](crm, **{column: alice.user_id})
    path = f"{resource.path}/{record['id']}"

    # Members still edit what they do not own; only the owner columns are guarded.
    edited = client.patch(path, json_body=EDIT[resource.table], **as_bob)
    assert edited.status == 200, edited.body
    problem(client.patch(path, json_body={column: bob.user_id}, **as_bob), 403, "not_owner")
    handed = client.patch(path, json_body={column: bob.user_id}, **as_alice)
    assert handed.status == 200, handed.body
    assert handed.json()[column] == bob.user_id
    # Handed on, it is no longer Alice's: she cannot take it back or delete it.
    problem(client.patch(path, json_body={column: alice.user_id}, **as_alice), 403, "not_owner")
    problem(client.delete(path, **as_alice), 403, "not_owner")
    # An admin reassigns any record.
    back = client.patch(path, json_body={column: alice.user_id}, auth=admin.auth, org=tenant.org_id)
    assert back.status == 200, back.body
    # Bob's once, Alice's again: Bob may not delete or restore it, Alice may.
    problem(client.delete(path, **as_bob), 403, "not_owner")
    assert client.delete(path, **as_alice).status == 204
    problem(client.post(f"{path}/restore", **as_bob), 403, "not_owner")
    assert client.post(f"{path}/restore", **as_alice).status == 200


def test_the_creator_owns_what_they_created_whoever_it_is_assigned_to(client, tenant, team):
    alice, bob = team["alice"], team["bob"]
    as_alice = {"auth": alice.auth, "org": tenant.org_id}
    made = client.post("/v1/companies", json_body={"name": "Mine", "owner_id": bob.user_id}, **as_alice)
    assert made.status == 201
    path = f"/v1/companies/{made.json()['id']}"
    assert client.patch(path, json_body={"owner_id": alice.user_id}, **as_alice).status == 200
    assert client.delete(path, **as_alice).status == 204


def test_an_upsert_cannot_claim_a_record(client, tenant, team):
    crm = Crm(client, tenant)
    alice = team["alice"]
    company = crm.company(domain="claimed.example", owner_id=tenant.owner.user_id)
    upsert = client.put(
        "/v1/companies",
        query="match=domain",
        json_body={"name": "Claimed", "domain": "claimed.example", "owner_id": alice.user_id},
        auth=alice.auth,
        org=tenant.org_id,
    )
    problem(upsert, 403, "not_owner")
    after = client.get(f"/v1/companies/{company['id']}", auth=tenant.key_auth).json()
    assert (after["name"], after["owner_id"]) == (company["name"], tenant.owner.user_id)
