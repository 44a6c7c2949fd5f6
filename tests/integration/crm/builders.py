"""Making CRM records through the API, as a tenant's owner API key, for the tests::

crm = Crm(client, tenant)
company = crm.company(name="Acme")          # the created record (JSON)
deal = crm.deal(company_id=company["id"])
"""

from __future__ import annotations

import uuid
from functools import cached_property
from typing import Any

from tests.api_client import ApiClient, Tenant


def marker(label: str = "x") -> str:
    """A unique, recognisable string (to spot leaks)."""
    return f"{label}-{uuid.uuid4().hex[:12]}"


class Crm:
    def __init__(self, client: ApiClient, tenant: Tenant) -> None:
        self.client = client
        self.tenant = tenant

    @property
    def auth(self) -> str:
        return self.tenant.key_auth

    def post(self, path: str, body: Any, **kw: Any) -> Any:
        response = self.client.post(path, auth=self.auth, json_body=body, **kw)
        assert response.status in (200, 201), (path, response.status, response.body[:500])
        return response.json()

    def get(self, path: str, **kw: Any) -> Any:
        response = self.client.get(path, auth=self.auth, **kw)
        assert response.status == 200, (path, response.status, response.body[:500])
        return response.json()

    def company(self, **fields: Any) -> Any:
        return self.post("/v1/companies", {"name": marker("Company"), **fields})

    def person(self, **fields: Any) -> Any:
        return self.post("/v1/people", {"first_name": marker("Person"), **fields})

    def deal(self, **fields: Any) -> Any:
        return self.post("/v1/deals", {"name": marker("Deal"), **fields})

    def task(self, **fields: Any) -> Any:
        return self.post("/v1/tasks", {"title": marker("Task"), **fields})

    def note(self, **fields: Any) -> Any:
        return self.post("/v1/notes", {"body": marker("Note"), **fields})

    def interaction(self, **fields: Any) -> Any:
        if not {"person_id", "company_id", "deal_id"} & set(fields):
            fields["company_id"] = self.company()["id"]
        return self.post("/v1/interactions", {"type": "call", "summary": marker("Call"), **fields})

    def project(self, **fields: Any) -> Any:
        return self.post("/v1/projects", {"name": marker("Project"), **fields})

    def time_entry(self, **fields: Any) -> Any:
        if "project_id" not in fields:
            fields["project_id"] = self.project()["id"]
        return self.post("/v1/time-entries", {"minutes": 30, "entry_date": "2026-01-15", **fields})

    def pipeline(self, **fields: Any) -> Any:
        body = {"name": marker("Pipeline"), "stages": [{"name": "One", "probability": 10}], **fields}
        return self.post("/v1/pipelines", body)

    @cached_property
    def default_pipeline(self) -> Any:
        pipelines = self.get("/v1/pipelines", query="filter[is_default]=true")["data"]
        assert len(pipelines) == 1
        return pipelines[0]

    def count(self, path: str, query: str = "") -> int:
        return len(self.get(path, query="limit=200" + (f"&{query}" if query else ""))["data"])


def problem(response, status: int, code: str | None = None) -> dict[str, Any]:
    """Assert an RFC 9457 answer; returns the document."""
    assert response.status == status, (response.status, response.body[:600])
    assert response.header("content-type") == "application/problem+json"
    doc = response.json()
    assert doc["status"] == status
    assert doc["request_id"]
    if code is not None:
        assert doc["code"] == code, doc
    return doc


def fields(doc: dict[str, Any]) -> list[str]:
    return [e["field"] for e in doc.get("errors") or []]
