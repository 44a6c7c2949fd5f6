"""Cross-tenant cases: the CRM. The intruder names the victim's records by id (reads, changes,
deletes, restores, timelines, batches) and links its own new records to them: every answer is a
404 or a 422 naming the field, nothing of the victim's shows, and nothing changes on either side."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.integration.crm.builders import Crm, marker
from tests.integration.cross_tenant import assert_hidden, assert_not_leaked, case


class VictimData:
    """The victim's records, made on first use."""

    def __init__(self, client: Any, victim: Any) -> None:
        self.crm = Crm(client, victim)
        self.tenant = victim
        self._made: dict[str, Any] = {}

    def __getitem__(self, kind: str) -> Any:
        if kind not in self._made:
            self._made[kind] = self._make(kind)
        return self._made[kind]

    def _make(self, kind: str) -> Any:
        crm = self.crm
        if kind == "project":
            return crm.project(name=marker("VictimProject"))
        if kind == "time_entry":
            return crm.time_entry(project_id=self["project"]["id"], note=marker("VictimTime"))
        if kind == "interaction":
            return crm.interaction(company_id=self["company"]["id"], summary=marker("VictimCall"))
        if kind == "pipeline":
            return crm.pipeline(name=marker("VictimPipeline"))
        maker = getattr(crm, kind)
        return maker()


def _text(record: dict[str, Any]) -> list[str]:
    """The victim values that must never show: its id and its marker strings."""
    values = [record["id"]]
    for key in ("name", "first_name", "title", "body", "summary", "note"):
        if isinstance(record.get(key), str):
            values.append(record[key])
    return values


@dataclass(frozen=True)
class Spec:
    url: str
    kind: str
    patch: dict[str, Any]
    forged: Callable[[VictimData], dict[str, Any]]  # an intruder's create body linking victim records
    forged_field: str


SPECS = [
    Spec(
        "/v1/companies",
        "company",
        {"name": "Taken"},
        lambda v: {"name": "X", "owner_id": v.tenant.owner.user_id},
        "owner_id",
    ),
    Spec(
        "/v1/people",
        "person",
        {"job_title": "Taken"},
        lambda v: {"first_name": "X", "company_id": v["company"]["id"]},
        "company_id",
    ),
    Spec(
        "/v1/deals",
        "deal",
        {"name": "Taken"},
        lambda v: {"name": "X", "primary_contact_id": v["person"]["id"]},
        "primary_contact_id",
    ),
    Spec(
        "/v1/tasks",
        "task",
        {"title": "Taken"},
        lambda v: {"title": "X", "depends_on": [v["task"]["id"]]},
        "depends_on",
    ),
    Spec(
        "/v1/notes",
        "note",
        {"body": "Taken"},
        lambda v: {"body": "X", "links": [{"type": "company", "id": v["company"]["id"]}]},
        "links.0.id",
    ),
    Spec(
        "/v1/interactions",
        "interaction",
        {"summary": "Taken"},
        lambda v: {"type": "call", "person_id": v["person"]["id"]},
        "person_id",
    ),
    Spec(
        "/v1/projects",
        "project",
        {"name": "Taken"},
        lambda v: {"name": "X", "company_id": v["company"]["id"]},
        "company_id",
    ),
    Spec(
        "/v1/time-entries",
        "time_entry",
        {"minutes": 5},
        lambda v: {"project_id": v["project"]["id"], "minutes": 10, "entry_date": "2026-01-01"},
        "project_id",
    ),
]


def _unchanged(data: VictimData, spec: Spec) -> None:
    record = data[spec.kind]
    now = data.crm.get(f"{spec.url}/{record['id']}")
    assert now["version"] == record["version"], "the victim's record changed"
    assert now["deleted_at"] is None


def _register(spec: Spec) -> None:
    param = {
        "company": "company_id",
        "person": "person_id",
        "deal": "deal_id",
        "task": "task_id",
        "note": "note_id",
        "interaction": "interaction_id",
        "project": "project_id",
        "time_entry": "time_entry_id",
    }[spec.kind]
    item = f"{spec.url}/{{{param}}}"

    @case(f"GET {spec.url}")
    def listing(client, victim, intruder):
        data = VictimData(client, victim)
        record = data[spec.kind]
        mine = client.get(spec.url, auth=intruder.key_auth, query="limit=200&include_deleted=true")
        assert mine.status == 200
        assert_not_leaked(mine, *_text(record))
        by_id = client.get(spec.url, auth=intruder.key_auth, query=f"filter[id]={record['id']}")
        assert by_id.json()["data"] == []

    @case(f"GET {item}")
    def get_one(client, victim, intruder):
        record = VictimData(client, victim)[spec.kind]
        for query in ("", "include_deleted=true"):
            got = client.get(f"{spec.url}/{record['id']}", auth=intruder.key_auth, query=query)
            assert_hidden(got, *_text(record)[1:])

    @case(f"PATCH {item}")
    def patch_one(client, victim, intruder):
        data = VictimData(client, victim)
        record = data[spec.kind]
        changed = client.patch(f"{spec.url}/{record['id']}", auth=intruder.key_auth, json_body=spec.patch)
        assert_hidden(changed, *_text(record)[1:])
        _unchanged(data, spec)

    @case(f"DELETE {item}")
    def delete_one(client, victim, intruder):
        data = VictimData(client, victim)
        record = data[spec.kind]
        assert_hidden(client.delete(f"{spec.url}/{record['id']}", auth=intruder.key_auth), *_text(record)[1:])
        _unchanged(data, spec)

    @case(f"POST {item}/restore")
    def restore_one(client, victim, intruder):
        data = VictimData(client, victim)
        record = data[spec.kind]
        assert client.delete(f"{spec.url}/{record['id']}", auth=victim.key_auth).status == 204
        restored = client.post(f"{spec.url}/{record['id']}/restore", auth=intruder.key_auth)
        assert_hidden(restored, *_text(record)[1:])
        again = client.get(f"{spec.url}/{record['id']}", auth=victim.key_auth, query="include_deleted=true")
        assert again.json()["deleted_at"] is not None

    @case(f"POST {spec.url}")
    def create_linked(client, victim, intruder):
        data = VictimData(client, victim)
        body = spec.forged(data)
        before = Crm(client, intruder).count(spec.url)
        made = client.post(spec.url, auth=intruder.key_auth, json_body=body)
        assert made.status == 422, (made.status, made.body[:300])
        problem = made.json()
        assert problem["code"] == "reference_not_found"
        assert [e["field"] for e in problem["errors"]] == [spec.forged_field]
        assert_not_leaked(made, victim.org_id)
        assert Crm(client, intruder).count(spec.url) == before

    @case(f"POST {spec.url}/batch/create")
    def batch_create_linked(client, victim, intruder):
        data = VictimData(client, victim)
        made = client.post(
            f"{spec.url}/batch/create", auth=intruder.key_auth, json_body={"items": [spec.forged(data)]}
        )
        assert made.status == 200, made.body[:300]
        result = made.json()
        assert result["failed"] == 1
        assert result["results"][0]["status"] == 422
        assert result["results"][0]["error"]["code"] == "reference_not_found"
        assert Crm(client, intruder).count(spec.url) == 0

    @case(f"POST {spec.url}/batch/update")
    def batch_update_foreign(client, victim, intruder):
        data = VictimData(client, victim)
        record = data[spec.kind]
        items = [{"id": record["id"], "changes": spec.patch}]
        done = client.post(f"{spec.url}/batch/update", auth=intruder.key_auth, json_body={"items": items})
        assert done.status == 200
        assert done.json()["results"][0]["status"] == 404
        assert_not_leaked(done, *_text(record)[1:])
        _unchanged(data, spec)


for _spec in SPECS:
    _register(_spec)


@case("PUT /v1/companies", "PUT /v1/people")
def upsert_same_key(client, victim, intruder):
    # The same domain / email in another org is another record: the intruder's upsert creates its
    # own, and the victim's stays as it was.
    data = VictimData(client, victim)
    company = data.crm.company(domain="shared.example")
    person = data.crm.person(email="shared@example.com")
    made = client.put(
        "/v1/companies",
        auth=intruder.key_auth,
        query="match=domain",
        json_body={"name": "Mine", "domain": "shared.example"},
    )
    assert made.status == 201
    assert made.json()["id"] != company["id"]
    assert_not_leaked(made, *_text(company))
    made = client.put(
        "/v1/people",
        auth=intruder.key_auth,
        query="match=email",
        json_body={"first_name": "Mine", "email": "shared@example.com"},
    )
    assert made.status == 201
    assert made.json()["id"] != person["id"]
    assert_not_leaked(made, *_text(person))
    assert data.crm.get(f"/v1/companies/{company['id']}")["version"] == company["version"]
    assert data.crm.get(f"/v1/people/{person['id']}")["version"] == person["version"]


@case(
    "GET /v1/companies/{company_id}/timeline",
    "GET /v1/people/{person_id}/timeline",
    "GET /v1/deals/{deal_id}/timeline",
    "GET /v1/deals/{deal_id}/stage-history",
)
def timelines(client, victim, intruder):
    data = VictimData(client, victim)
    company, person, deal = data["company"], data["person"], data["deal"]
    data.crm.interaction(
        company_id=company["id"], person_id=person["id"], deal_id=deal["id"], summary="Secret"
    )
    for path in (
        f"/v1/companies/{company['id']}/timeline",
        f"/v1/people/{person['id']}/timeline",
        f"/v1/deals/{deal['id']}/timeline",
        f"/v1/deals/{deal['id']}/stage-history",
    ):
        assert_hidden(client.get(path, auth=intruder.key_auth), "Secret", company["name"], deal["name"])


@case("GET /v1/pipelines", "POST /v1/pipelines")
def pipelines(client, victim, intruder):
    data = VictimData(client, victim)
    pipeline = data["pipeline"]
    listed = client.get("/v1/pipelines", auth=intruder.key_auth, query="include_deleted=true")
    assert listed.status == 200
    assert [p["name"] for p in listed.json()["data"]] == ["Sales"]  # its own default only
    assert_not_leaked(listed, *_text(pipeline), pipeline["stages"][0]["id"])
    # The same name in another org is another pipeline.
    made = client.post(
        "/v1/pipelines",
        auth=intruder.key_auth,
        json_body={"name": pipeline["name"], "stages": [{"name": "A", "probability": 5}]},
    )
    assert made.status == 201
    assert made.json()["id"] != pipeline["id"]


@case(
    "GET /v1/pipelines/{pipeline_id}",
    "PATCH /v1/pipelines/{pipeline_id}",
    "DELETE /v1/pipelines/{pipeline_id}",
    "POST /v1/pipelines/{pipeline_id}/restore",
    "POST /v1/pipelines/{pipeline_id}/stages",
    "PATCH /v1/pipelines/{pipeline_id}/stages/{stage_id}",
    "DELETE /v1/pipelines/{pipeline_id}/stages/{stage_id}",
    "POST /v1/pipelines/{pipeline_id}/stages/{stage_id}/restore",
)
def pipeline_by_id(client, victim, intruder):
    data = VictimData(client, victim)
    pipeline = data["pipeline"]
    stage = pipeline["stages"][0]
    base = f"/v1/pipelines/{pipeline['id']}"
    hidden = _text(pipeline)[1:]
    assert_hidden(client.get(base, auth=intruder.key_auth), *hidden)
    assert_hidden(client.patch(base, auth=intruder.key_auth, json_body={"name": "Taken"}), *hidden)
    assert_hidden(client.delete(base, auth=intruder.key_auth), *hidden)
    assert_hidden(client.post(f"{base}/restore", auth=intruder.key_auth), *hidden)
    stage_body = {"name": "Sneaky", "probability": 1}
    assert_hidden(client.post(f"{base}/stages", auth=intruder.key_auth, json_body=stage_body), *hidden)
    stage_path = f"{base}/stages/{stage['id']}"
    assert_hidden(client.patch(stage_path, auth=intruder.key_auth, json_body={"probability": 99}), *hidden)
    assert_hidden(client.delete(stage_path, auth=intruder.key_auth), *hidden)
    assert_hidden(client.post(f"{stage_path}/restore", auth=intruder.key_auth), *hidden)
    # The victim's stage id under the intruder's own pipeline is not found either.
    own = Crm(client, intruder).default_pipeline
    foreign = f"/v1/pipelines/{own['id']}/stages/{stage['id']}"
    assert_hidden(client.patch(foreign, auth=intruder.key_auth, json_body={"probability": 99}), *hidden)
    assert data.crm.get(base) == {**pipeline}


@case(
    "GET /v1/projects/{project_id}/members",
    "POST /v1/projects/{project_id}/members",
    "DELETE /v1/projects/{project_id}/members/{user_id}",
    "GET /v1/projects/{project_id}/summary",
)
def project_members(client, victim, intruder):
    data = VictimData(client, victim)
    project = data["project"]
    owner = victim.owner.user_id
    data.crm.post(f"/v1/projects/{project['id']}/members", {"user_id": owner, "role": "lead"})
    base = f"/v1/projects/{project['id']}"
    assert_hidden(client.get(f"{base}/members", auth=intruder.key_auth), owner, victim.owner.email)
    assert_hidden(client.get(f"{base}/summary", auth=intruder.key_auth), project["name"])
    added = client.post(
        f"{base}/members", auth=intruder.key_auth, json_body={"user_id": intruder.owner.user_id}
    )
    assert_hidden(added, project["name"])
    assert_hidden(client.delete(f"{base}/members/{owner}", auth=intruder.key_auth), victim.owner.email)
    # The victim's user on the intruder's project: not a member of the intruder's org.
    own = Crm(client, intruder).project()
    foreign = client.post(
        f"/v1/projects/{own['id']}/members", auth=intruder.key_auth, json_body={"user_id": owner}
    )
    assert foreign.status == 422
    assert foreign.json()["errors"][0]["field"] == "user_id"
    members = data.crm.get(f"{base}/members")["data"]
    assert [m["user_id"] for m in members] == [owner]
