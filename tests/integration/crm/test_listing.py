"""The list syntax through a real route: filters of every operator, sort, search, cursors, and a
clear problem for every malformed parameter."""

from __future__ import annotations

import pytest

from tests.integration.crm.builders import fields, problem


@pytest.fixture
def companies(crm):
    made = [
        crm.company(
            name="Alpha",
            domain="alpha.example",
            employee_count=10,
            tags=["a", "b"],
            properties={"tier": "gold"},
        ),
        crm.company(
            name="beta_co", industry="Retail", employee_count=200, tags=["b"], properties={"tier": "silver"}
        ),
        crm.company(name="Gamma 100%", industry="Retail", tags=[], address={"country": "DE"}),
    ]
    return {c["name"]: c for c in made}


def names(crm, query):
    return [c["name"] for c in crm.get("/v1/companies", query=query)["data"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sort=name", ["Alpha", "Gamma 100%", "beta_co"]),
        ("sort=-created_at", ["Gamma 100%", "beta_co", "Alpha"]),
        ("", ["Gamma 100%", "beta_co", "Alpha"]),
        ("filter[name]=Alpha", ["Alpha"]),
        ("filter[name][eq]=alpha", []),
        ("filter[industry][ne]=Retail", ["Alpha"]),
        ("filter[employee_count][gt]=10", ["beta_co"]),
        ("filter[employee_count][gte]=10&sort=employee_count", ["Alpha", "beta_co"]),
        ("filter[employee_count][lt]=200", ["Alpha"]),
        ("filter[employee_count][lte]=200&sort=-employee_count", ["beta_co", "Alpha"]),
        ("filter[employee_count][in]=10,11,12", ["Alpha"]),
        ("filter[employee_count][is_null]=true", ["Gamma 100%"]),
        ("filter[name][contains]=TA_", ["beta_co"]),
        ("filter[name][ilike]=100%25", ["Gamma 100%"]),
        ("filter[name][contains]=%25", ["Gamma 100%"]),
        ("filter[tags][contains]=b&sort=name", ["Alpha", "beta_co"]),
        ("filter[tags][in]=a,z", ["Alpha"]),
        ("filter[tags][is_null]=true", ["Gamma 100%"]),
        ("filter[properties.tier]=gold", ["Alpha"]),
        ("filter[properties.tier][in]=gold,silver&sort=name", ["Alpha", "beta_co"]),
        ("filter[properties.tier][is_null]=true", ["Gamma 100%"]),
        ("filter[address.country]=DE", ["Gamma 100%"]),
        ("filter[industry]=Retail&filter[employee_count][is_null]=false", ["beta_co"]),
        ("filter[domain][is_null]=false", ["Alpha"]),
        ("q=ALPHA.EX", ["Alpha"]),
        ("q=a&sort=name", ["Alpha", "Gamma 100%", "beta_co"]),
        ("sort=-employee_count,name", ["beta_co", "Alpha", "Gamma 100%"]),
        ("sort=industry,-name", ["beta_co", "Gamma 100%", "Alpha"]),
        ("filter[created_at][gte]=2000-01-01&sort=name&limit=1", ["Alpha"]),
        ("filter[created_at][lt]=2000-01-01T00:00:00Z", []),
    ],
)
def test_filters_and_sorts(crm, companies, query, expected):
    assert names(crm, query) == expected


def test_filter_by_id(crm, companies):
    alpha = companies["Alpha"]["id"]
    assert names(crm, f"filter[id]={alpha}") == ["Alpha"]
    assert names(crm, f"filter[id][ne]={alpha}&sort=name") == ["Gamma 100%", "beta_co"]


@pytest.mark.parametrize(
    ("sort"), ["name", "-name", "employee_count", "-employee_count", "industry,-created_at"]
)
def test_paging_by_one_returns_the_same_order(crm, companies, sort):
    whole = [c["id"] for c in crm.get("/v1/companies", query=f"sort={sort}")["data"]]
    seen, cursor = [], None
    while True:
        page = crm.get(
            "/v1/companies", query=f"sort={sort}&limit=1" + (f"&cursor={cursor}" if cursor else "")
        )
        seen.extend(c["id"] for c in page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == whole
    assert len(whole) == 3


@pytest.mark.parametrize(
    ("query", "param", "code"),
    [
        ("filter[colour]=red", "filter[colour]", "unknown_filter_field"),
        ("filter[name][like]=x", "filter[name][like]", "unsupported_filter_operator"),
        ("filter[tags][gt]=x", "filter[tags][gt]", "unsupported_filter_operator"),
        ("filter[employee_count][gt]=many", "filter[employee_count][gt]", "invalid_filter_value"),
        ("filter[employee_count][in]=", "filter[employee_count][in]", "invalid_filter_value"),
        ("filter[created_at][gt]=yesterday", "filter[created_at][gt]", "invalid_filter_value"),
        ("filter[owner_id]=42", "filter[owner_id]", "invalid_filter_value"),
        ("filter[industry][is_null]=perhaps", "filter[industry][is_null]", "invalid_filter_value"),
        ("filter[name][is_null]=true", "filter[name][is_null]", "unsupported_filter_operator"),
        ("filter[properties]=x", "filter[properties]", "unknown_filter_field"),
        ("filter[properties.Bad]=x", "filter[properties.Bad]", "invalid_filter_field"),
        ("filter=name", "filter", "invalid_filter"),
        ("filter[name][eq][x]=1", "filter[name][eq][x]", "invalid_filter"),
        ("sort=colour", "sort", "invalid_sort"),
        ("sort=tags", "sort", "invalid_sort"),
        ("sort=name,-name", "sort", "invalid_sort"),
        ("sort=name,industry,domain,employee_count", "sort", "invalid_sort"),
        ("cursor=abc", "cursor", "invalid_cursor"),
    ],
)
def test_malformed_list_parameters(client, tenant, crm, query, param, code):
    doc = problem(client.get("/v1/companies", auth=tenant.key_auth, query=query), 422, "validation_failed")
    assert fields(doc) == [param]
    assert doc["errors"][0]["code"] == code
    assert doc["errors"][0]["in"] == "query"


def test_a_cursor_belongs_to_its_sort(client, tenant, crm, companies):
    page = crm.get("/v1/companies", query="sort=name&limit=1")
    doc = problem(
        client.get(
            "/v1/companies", auth=tenant.key_auth, query=f"sort=-name&limit=1&cursor={page['next_cursor']}"
        ),
        422,
    )
    assert fields(doc) == ["cursor"]


def test_limits(client, tenant, crm, companies):
    problem(client.get("/v1/companies", auth=tenant.key_auth, query="limit=201"), 422)
    problem(client.get("/v1/companies", auth=tenant.key_auth, query="limit=0"), 422)
    many = "&".join(f"filter[name][ne]=n{i}" for i in range(21))
    problem(client.get("/v1/companies", auth=tenant.key_auth, query=many), 422)
    values = ",".join(str(i) for i in range(101))
    problem(
        client.get("/v1/companies", auth=tenant.key_auth, query=f"filter[employee_count][in]={values}"), 422
    )
    assert len(crm.get("/v1/companies", query="limit=200")["data"]) == 3
