"""The API takes what its OpenAPI document describes, through the gateway: strict body types,
`null` only where the schema allows it, times that are times, documented headers checked where
they are documented, and the document naming the parameters and answers the server gives."""

from __future__ import annotations

import re

import pytest
from hearth_dev.sam.functions import load_module
from hearth_dev.sam.openapi import build_openapi


def _problem(response, status, field=None, code=None):  # type: ignore[no-untyped-def]
    assert response.status == status, response.body
    doc = response.json()
    if field is not None:
        assert [e["field"] for e in doc["errors"]] == [field], doc
    if code is not None:
        assert code in {doc["code"], *(e["code"] for e in doc.get("errors") or [])}, doc
    return doc


@pytest.fixture(scope="module")
def document(gateway):  # type: ignore[no-untyped-def]
    return build_openapi(gateway.template)


def test_a_boolean_is_not_a_number_and_a_number_not_a_time(client, tenant):
    auth = tenant.key_auth
    _problem(
        client.post("/v1/companies", auth=auth, json_body={"name": "Acme", "employee_count": True}),
        422,
        "employee_count",
    )
    pipeline = client.post(
        "/v1/pipelines", auth=auth, json_body={"name": "P", "stages": [{"name": "A", "probability": False}]}
    )
    _problem(pipeline, 422, "stages.0.probability")
    person = client.post("/v1/people", auth=auth, json_body={"first_name": "Ada"}).json()
    _problem(
        client.post(
            "/v1/interactions",
            auth=auth,
            json_body={"type": "call", "person_id": person["id"], "occurred_at": 1700000000},
        ),
        422,
        "occurred_at",
    )
    endpoint = client.post(
        "/v1/webhook-endpoints", auth=auth, json_body={"url": "https://hooks.example.com/in"}
    )
    if endpoint.status == 201:
        _problem(
            client.get(
                f"/v1/webhook-endpoints/{endpoint.json()['id']}/deliveries", auth=auth, query="since=0.5"
            ),
            422,
            "since",
        )
    _problem(client.get("/v1/events", auth=auth, query="until=0.5"), 422, "until")


def test_null_is_refused_on_the_field_where_the_schema_does_not_offer_it(client, tenant):
    auth = tenant.key_auth
    company = client.post("/v1/companies", auth=auth, json_body={"name": "Acme", "industry": "Tools"}).json()
    path = f"/v1/companies/{company['id']}"
    _problem(client.patch(path, auth=auth, json_body={"name": None}), 422, "name", "not_nullable")
    cleared = client.patch(path, auth=auth, json_body={"industry": None})
    assert cleared.status == 200, cleared.body
    assert cleared.json()["industry"] is None
    batch = client.post(
        "/v1/companies/batch/update",
        auth=auth,
        json_body={"items": [{"id": company["id"], "changes": {"tags": None}}]},
    )
    _problem(batch, 422, "items.0.changes.tags", "not_nullable")
    _problem(client.patch("/v1/orgs/current", auth=auth, json_body={"timezone": None}), 422, "timezone")


def test_documented_headers_are_checked_where_they_are_documented(client, tenant):
    auth = tenant.key_auth
    key = client.post("/v1/api-keys", **tenant.as_owner, json_body={"name": "spare"}).json()
    # DELETE /v1/api-keys/{id} documents If-Match: a malformed one is refused there too.
    _problem(
        client.delete(f"/v1/api-keys/{key['id']}", auth=auth, headers={"if-match": "yesterday"}),
        400,
        code="invalid_if_match",
    )
    _problem(
        client.post("/v1/companies", auth=auth, json_body={"name": "A"}, headers={"idempotency-key": "é"}),
        400,
        code="invalid_idempotency_key",
    )


def test_the_document_names_the_headers_filters_and_gateway_answers(gateway, document):
    specs = [
        load_module(fn).api.spec
        for fn in gateway.template.functions.values()
        if fn.routes and fn.routes[0].authorized  # a provider webhook is not the API's to document
    ]
    assert len(specs) > 100
    for spec in specs:
        op = document["paths"][spec.path][spec.method.lower()]
        names = {(p["in"], p["name"]) for p in op.get("parameters", [])}
        for status in ("401", "403"):
            assert "application/json" in op["responses"][status]["content"], (spec.route_key, status)
        assert (("header", "X-Hearth-Org") in names) == spec.tenant, spec.route_key
        assert (("header", "Idempotency-Key") in names) == (spec.tenant and spec.idempotent), spec.route_key
        if spec.tenant and spec.method in ("PATCH", "DELETE", "PUT"):
            assert ("header", "If-Match") in names, spec.route_key
        for param in op.get("parameters", []):
            assert {"type": "null"} not in param["schema"].get("anyOf", []), (spec.route_key, param["name"])
    companies = dict(document["paths"]["/v1/companies"]["get"].items())
    params = {p["name"]: p for p in companies["parameters"]}
    assert params["filter"]["style"] == "deepObject"
    schema = document["components"]["schemas"][params["filter"]["schema"]["$ref"].split("/")[-1]]
    assert set(schema["properties"]["employee_count"]["properties"]) >= {"eq", "gte", "in", "is_null"}
    sort = re.compile(params["sort"]["schema"]["pattern"])
    assert sort.search("-employee_count, name")
    assert not sort.search("name,-name")
    assert not sort.search("colour")
    assert document["components"]["schemas"]["PersonCreate"]["anyOf"]
    assert document["components"]["schemas"]["InteractionCreate"]["anyOf"]


def test_the_list_engine_takes_the_documented_value_forms_only(client, tenant):
    auth = tenant.key_auth
    for query in ("filter[employee_count][gte]=1_000", "filter[industry][is_null]=1", "filter[id]={x}"):
        _problem(client.get("/v1/companies", auth=auth, query=query), 422, query.split("=")[0])
    assert client.get("/v1/companies", auth=auth, query="filter[employee_count][gte]=-5").status == 200
