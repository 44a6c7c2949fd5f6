"""People: validation of names, emails and E.164 phones, the company link, upsert by email."""

from __future__ import annotations

import pytest

from tests.integration.crm.builders import fields, problem


def test_create_normalises_emails_and_phones(client, tenant, crm, stored):
    company = crm.company()
    made = client.post(
        "/v1/people",
        auth=tenant.key_auth,
        json_body={
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "Ada@Example.COM",
            "other_emails": ["ada.l@example.org"],
            "phones": ["+49 (30) 123-456"],
            "company_id": company["id"],
            "sms_opt_out": True,
        },
    )
    assert made.status == 201, made.body
    person = made.json()
    assert person["email"] == "ada@example.com"
    assert person["phones"] == ["+4930123456"]
    assert person["company_id"] == company["id"]
    assert person["sms_opt_out"] is True
    assert [e["type"] for e in stored.events()][-1] == "person.created"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "ada@example.com"}, ""),  # neither first nor last name
        ({"first_name": "A", "email": "not-an-email"}, "email"),
        ({"first_name": "A", "other_emails": ["fine@example.com", "nope"]}, "other_emails.1"),
        ({"first_name": "A", "phones": ["030 123456"]}, "phones.0"),
        ({"first_name": "A", "phones": ["+0123456789"]}, "phones.0"),
        ({"first_name": "A", "phones": ["+1"] * 11}, "phones"),
        ({"first_name": "A", "sms_opt_out": "sometimes"}, "sms_opt_out"),
        ({"first_name": "A", "company_id": "3f6d2a9c-1b7e-4c5d-8e2f-6a9b0c1d2e3f"}, "company_id"),
    ],
)
def test_bad_people_are_refused(client, tenant, stored, body, field):
    doc = problem(client.post("/v1/people", auth=tenant.key_auth, json_body=body), 422)
    assert any(f.startswith(field) for f in fields(doc)) if field else doc["errors"], doc
    assert stored.count("people") == 0


def test_a_person_cannot_work_at_a_deleted_company_or_another_orgs(client, tenant, other_tenant, crm):
    mine = crm.company()
    theirs = client.post("/v1/companies", auth=other_tenant.key_auth, json_body={"name": "Theirs"}).json()
    person = crm.person(company_id=mine["id"])
    path = f"/v1/people/{person['id']}"
    doc = problem(
        client.patch(path, auth=tenant.key_auth, json_body={"company_id": theirs["id"]}),
        422,
        "reference_not_found",
    )
    assert fields(doc) == ["company_id"]
    gone = crm.company()
    assert client.delete(f"/v1/companies/{gone['id']}", auth=tenant.key_auth).status == 204
    problem(client.patch(path, auth=tenant.key_auth, json_body={"company_id": gone["id"]}), 422)
    other = crm.company()
    assert client.patch(path, auth=tenant.key_auth, json_body={"company_id": other["id"]}).status == 200
    problem(
        client.patch(path, auth=tenant.key_auth, json_body={"first_name": None}), 422
    )  # would be nameless
    cleared = client.patch(path, auth=tenant.key_auth, json_body={"first_name": None, "last_name": "Only"})
    assert cleared.status == 200


def test_email_unique_and_upsert_by_email(client, tenant, crm, stored):
    crm.person(email="grace@example.com")
    problem(
        client.post(
            "/v1/people", auth=tenant.key_auth, json_body={"first_name": "G", "email": "GRACE@example.com"}
        ),
        409,
        "email_taken",
    )
    updated = client.put(
        "/v1/people",
        auth=tenant.key_auth,
        query="match=email",
        json_body={"first_name": "Grace", "last_name": "Hopper", "email": "Grace@example.com"},
    )
    assert updated.status == 200
    assert updated.json()["last_name"] == "Hopper"
    created = client.put(
        "/v1/people", auth=tenant.key_auth, json_body={"first_name": "Alan", "email": "alan@example.com"}
    )
    assert created.status == 201  # match defaults to email
    problem(client.put("/v1/people", auth=tenant.key_auth, json_body={"first_name": "No email"}), 422)
    assert stored.count("people") == 2


def test_people_search_and_filters(client, tenant, crm):
    acme = crm.company()
    crm.person(first_name="Ada", last_name="Lovelace", email="ada@acme.example", company_id=acme["id"])
    crm.person(first_name="Grace", last_name="Hopper", other_emails=["grace@navy.example"], sms_opt_out=True)
    crm.person(first_name="Alan", last_name="Turing", phones=["+441234567890"])

    def names(query):
        return [p["first_name"] for p in crm.get("/v1/people", query=query)["data"]]

    assert names("q=ada%20love") == ["Ada"]
    assert names("q=NAVY") == ["Grace"]
    assert names(f"filter[company_id]={acme['id']}") == ["Ada"]
    assert names("filter[sms_opt_out]=true") == ["Grace"]
    assert names("filter[phones][contains]=%2B441234567890") == ["Alan"]
    assert names("filter[company_id][is_null]=true&sort=last_name") == ["Grace", "Alan"]
    assert names("sort=-first_name") == ["Grace", "Alan", "Ada"]
