"""``hearth local`` on Hearth's own ``template.yaml``, over HTTP, as a developer uses it: a fresh
database (the stack migrates and seeds it), the demo API key, user tokens from ``hearth token``,
``/openapi.json`` and ``/docs``, the template's queue consumers and schedules, ``hearth invoke``
with the sample events, and Ctrl-C.
"""

from __future__ import annotations

import json
import re
import secrets
import signal
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from hearth_dev import demo
from hearth_dev.local import postgres
from hearth_dev.local.aws import client
from hearth_dev.sam.template import load_template

from tests.e2e.conftest import ROOT, RunningStack, start_stack, wait_for

pytestmark = pytest.mark.e2e

TEMPLATE = load_template(ROOT)
KEY = {"authorization": f"Bearer {demo.DEMO_API_KEY}"}


@pytest.fixture(scope="module")
def database_url(database: dict[str, str]) -> Iterator[str]:
    name = f"hearth_e2e_{secrets.token_hex(4)}"
    url = postgres.create_database(database["server"], name, exist_ok=False)
    try:
        yield url
    finally:
        postgres.drop_database(database["server"], name)


@pytest.fixture(scope="module")
def stack(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    tmp = tmp_path_factory.mktemp("local-stack")
    with start_stack(tmp, "--schedules-every", "2", database_url=database_url) as running:
        yield running


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_first_start_migrates_and_seeds(stack: RunningStack) -> None:
    log = stack.log
    assert "applying 0001_platform" in log
    assert "demo org created" in log
    assert demo.DEMO_API_KEY in log
    assert "PostgreSQL     DATABASE_URL" in log


def test_demo_api_key(stack: RunningStack) -> None:
    response = stack.client.get("/v1/orgs/current", headers=KEY)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == str(demo.DEMO_ORG_ID)
    assert response.json()["name"] == "Demo Co"
    members = stack.client.get("/v1/members", headers=KEY).json()["data"]
    assert {m["role"] for m in members} == {"owner", "admin", "member", "viewer"}


def test_the_banner_token_works(stack: RunningStack) -> None:
    token = re.search(r"demo token\s+(\S+)", stack.log)
    assert token, stack.log
    response = stack.client.get("/v1/orgs/current", headers=bearer(token.group(1)))
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "owner"


def test_hearth_token_with_a_role(stack: RunningStack, database_url: str) -> None:
    minted = stack.hearth(
        "token", "--user", "e2e|alice", "--email", "alice@e2e.example", "--role", "member",
        "--database-url", database_url,
    )  # fmt: skip
    assert minted.returncode == 0, minted.stderr
    token = minted.stdout.strip()
    members = stack.client.get("/v1/members", headers=bearer(token))
    assert members.status_code == 200, members.text
    alice = [m for m in members.json()["data"] if m["email"] == "alice@e2e.example"]
    assert [m["role"] for m in alice] == ["member"]
    # a member may not edit the org: the route kit answers with a problem document
    denied = stack.client.patch("/v1/orgs/current", headers=bearer(token), json={"name": "Alice Co"})
    assert denied.status_code == 403
    assert denied.headers["content-type"].startswith("application/problem+json")

    promoted = stack.hearth("token", "--user", "e2e|alice", "--role", "admin", "--database-url", database_url)
    assert promoted.returncode == 0, promoted.stderr
    again = stack.client.get("/v1/members", headers=bearer(promoted.stdout.strip())).json()["data"]
    assert [m["role"] for m in again if m["email"] == "alice@e2e.example"] == ["admin"]
    audit = stack.client.get("/v1/audit-logs", headers=KEY, params={"action": "member.update"}).json()
    assert any(row["actor_id"] == "hearth token" for row in audit["data"]), audit


def test_a_token_without_membership_is_refused(stack: RunningStack) -> None:
    minted = stack.hearth("token", "--user", "e2e|stranger")
    assert minted.returncode == 0, minted.stderr
    response = stack.client.get("/v1/orgs/current", headers=bearer(minted.stdout.strip()))
    assert response.status_code == 403
    assert response.json() == {"message": "Forbidden"}


def test_answers_like_api_gateway(stack: RunningStack) -> None:
    unauthenticated = stack.client.get("/v1/members")
    assert unauthenticated.status_code == 401
    assert unauthenticated.json() == {"message": "Unauthorized"}
    unknown = stack.client.get("/v1/nothing-here", headers=KEY)
    assert unknown.status_code == 404
    assert unknown.json() == {"message": "Not Found"}
    invalid = stack.client.patch("/v1/orgs/current", headers=KEY, json={"name": ""})
    assert invalid.status_code in (400, 422)
    assert invalid.json()["errors"]


def test_openapi_and_docs(stack: RunningStack) -> None:
    document = stack.client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    routes = {(r.method.lower(), r.path) for fn in TEMPLATE.functions.values() for r in fn.routes}
    hooks = {
        (r.method.lower(), r.path)
        for fn in TEMPLATE.functions.values()
        for r in fn.routes
        if not r.authorized
    }
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    assert hooks, "the template has provider webhooks"
    assert routes - hooks == documented  # the API's routes; provider webhooks are not the API's

    page = stack.client.get("/docs")
    assert page.status_code == 200
    assert "/openapi.json" in page.text
    assert "/docs/static/swagger-ui-bundle.js" in page.text  # served locally, no CDN
    script = stack.client.get("/docs/static/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.text[:2000]


def _sample_body(sample: Any) -> str:
    try:
        return str(sample["Records"][0]["body"])
    except (KeyError, IndexError, TypeError):
        return "{}"


def test_queue_consumers_of_the_template_run(stack: RunningStack) -> None:
    consumers = [(fn, source) for fn in TEMPLATE.functions.values() for source in fn.sqs]
    if not consumers:
        pytest.skip("the template has no SQS consumer")
    sqs = client("sqs", stack.state["aws_endpoint"])
    for fn, source in consumers:
        queue_name = f"hearth-local-{source.queue}"
        url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
        sample = json.loads(fn.sample_event.read_text()) if fn.sample_event.exists() else None
        sqs.send_message(QueueUrl=url, MessageBody=_sample_body(sample))
        stack.wait_for_log(f"sqs {queue_name}: 1 received", timeout=60)
        line = next(x for x in stack.log.splitlines() if f"sqs {queue_name}: 1 received" in x)
        assert fn.logical_id in line


def test_a_write_reaches_the_event_consumer_through_the_outbox(stack: RunningStack) -> None:
    """POST a record: its domain event is published to the dispatch queue after the commit, and
    the queue's consumer runs — API, outbox, moto SQS and the poller together."""
    routes = TEMPLATE.routes()
    consumers = [fn.logical_id for fn in TEMPLATE.functions.values() if any(
        s.queue == "EventDispatchQueue" for s in fn.sqs)]  # fmt: skip
    if "POST /v1/companies" not in routes or not consumers:
        pytest.skip("the template has no company route or no event dispatch consumer")

    def dispatched() -> int:
        return sum(1 for x in stack.log.splitlines() if "sqs hearth-local-EventDispatchQueue" in x)

    before = dispatched()
    created = stack.client.post("/v1/companies", headers=KEY, json={"name": f"Outbox {secrets.token_hex(3)}"})
    assert created.status_code == 201, created.text
    wait_for(lambda: dispatched() > before, 30, "the event dispatch consumer to run")
    line = [x for x in stack.log.splitlines() if "sqs hearth-local-EventDispatchQueue" in x][-1]
    assert consumers[0] in line


def test_schedules_of_the_template_fire(stack: RunningStack) -> None:
    scheduled = [fn.logical_id for fn in TEMPLATE.functions.values() if fn.schedules]
    if not scheduled:
        pytest.skip("the template has no schedules")

    def fired() -> bool:
        lines = [x for x in stack.log.splitlines() if x.rstrip().endswith("schedule")]
        return all(any(name in x for x in lines) for name in scheduled)

    wait_for(fired, 30, f"every scheduled function to run: {scheduled}")


def test_invoke_with_the_sample_events(stack: RunningStack, database_url: str) -> None:
    route = stack.hearth("invoke", "OrgsGetCurrentFunction", "--database-url", database_url)
    assert route.returncode == 0, route.stderr
    response = json.loads(route.stdout)
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["id"] == str(demo.DEMO_ORG_ID)
    assert "OrgsGetCurrentFunction: ok" in route.stderr

    authorizer = stack.hearth("invoke", "AuthorizerFunction", "--database-url", database_url)
    assert authorizer.returncode == 0, authorizer.stderr
    assert json.loads(authorizer.stdout)["isAuthorized"] is True

    unknown = stack.hearth("invoke", "NoSuchFunction", "--database-url", database_url)
    assert unknown.returncode == 2
    assert "OrgsGetCurrentFunction" in unknown.stderr


def test_concurrent_requests_log_their_own_request_ids(stack: RunningStack) -> None:
    """The log line of each request names that request: its id (the X-Request-Id it answered
    with), its function and its org, however many requests ran at once."""
    paths = [f"/v1/{kind}/{uuid.uuid4()}" for kind in ("companies", "people") for _ in range(24)]

    def get(path: str) -> tuple[str, str]:
        response = httpx.get(f"{stack.url}{path}", headers=KEY, timeout=60)
        assert response.status_code == 404, response.text
        return path, response.headers["x-request-id"]

    with ThreadPoolExecutor(max_workers=12) as pool:
        answered = dict(pool.map(get, paths))

    def logged() -> dict[str, dict[str, Any]]:
        lines = {}
        for text in stack.log.splitlines():
            if text.startswith("{") and '"message":"request"' in text.replace(" ", ""):
                line = json.loads(text)
                if line.get("path") in answered:
                    lines[line["path"]] = line
        return lines if len(lines) == len(answered) else {}

    lines = wait_for(logged, 30, "a log line for every request")
    wrong = [path for path, request_id in answered.items() if lines[path].get("correlation_id") != request_id]
    assert not wrong, f"{len(wrong)} of {len(answered)} log lines name another request"
    functions = {path.split("/")[2]: set() for path in answered}
    for path, line in lines.items():
        functions[path.split("/")[2]].add(line["function_name"])
        assert line["org_id"] == str(demo.DEMO_ORG_ID)
    assert len(functions["companies"]) == len(functions["people"]) == 1
    assert functions["companies"] != functions["people"]


def test_ctrl_c_stops_everything(stack: RunningStack) -> None:
    stack.process.send_signal(signal.SIGINT)
    assert stack.process.wait(60) == 0
    assert stack.log.rstrip().endswith("stopped")
    assert not (stack.state_dir / "local-stack.json").exists()
