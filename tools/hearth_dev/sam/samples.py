"""Sample events for ``events/``: what ``sam local invoke -e`` and ``hearth invoke`` feed each
function. API samples are generated from the route (the demo tenant's principal, path ids, the
body model's first JSON-schema example); queue and schedule samples are written by hand.

    hearth samples            # write the missing samples
    hearth samples --force    # rewrite every generated sample
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hearth import rbac
from hearth.principal import Principal
from hearth_dev import demo
from hearth_dev.sam import events
from hearth_dev.sam.functions import load_module
from hearth_dev.sam.template import FunctionSpec, Template

SAMPLE_ID = "3f6d2a9c-1b7e-4c5d-8e2f-6a9b0c1d2e3f"
SAMPLE_TIME = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
_FIXED_PATH_IDS = {"user_id": str(demo.DEMO_USER_ID), "key_id": str(demo.DEMO_API_KEY_ID)}

DEMO_PRINCIPAL = Principal(
    kind="api_key",
    user_id=demo.DEMO_USER_ID,
    api_key_id=demo.DEMO_API_KEY_ID,
    org_id=demo.DEMO_ORG_ID,
    role=rbac.Role.OWNER,
    rate_limit=60,
)


def _example_body(fn: FunctionSpec) -> dict[str, Any] | None:
    from hearth.http.api import Api

    api = getattr(load_module(fn), "api", None)
    if not isinstance(api, Api) or api.spec is None or api.spec.body_model is None:
        return None
    schema = api.spec.body_model.model_json_schema()
    examples = schema.get("examples") or [{}]
    body: dict[str, Any] = examples[0]
    return body


def api_sample(fn: FunctionSpec) -> dict[str, Any]:
    route = fn.routes[0]
    params = {
        name: _FIXED_PATH_IDS.get(name, SAMPLE_ID) for name in re.findall(r"\{([^}+]+)\+?\}", route.path)
    }
    path = route.path
    for name, value in params.items():
        path = re.sub(r"\{" + name + r"\+?\}", value, path)
    body = _example_body(fn)
    headers = {"authorization": f"Bearer {demo.DEMO_API_KEY}", "user-agent": "sam-local-invoke"}
    raw = None
    if body is not None:
        headers["content-type"] = "application/json"
        raw = json.dumps(body).encode()
    return events.http_event(
        route.method,
        path,
        route_key=route.route_key,
        headers=headers,
        body=raw,
        path_parameters=params or None,
        authorizer=dict(DEMO_PRINCIPAL.to_context()),
        request_id="sample-request-0001",
        now=SAMPLE_TIME,
    )


def authorizer_sample() -> dict[str, Any]:
    request = events.http_event(
        "GET",
        "/v1/orgs/current",
        route_key="GET /v1/orgs/current",
        headers={"authorization": f"Bearer {demo.DEMO_API_KEY}", "user-agent": "sam-local-invoke"},
        request_id="sample-request-0001",
        now=SAMPLE_TIME,
    )
    return events.authorizer_event(request, [f"Bearer {demo.DEMO_API_KEY}"])


def generate(fn: FunctionSpec, template: Template) -> dict[str, Any] | None:
    """The generated sample of ``fn``, or ``None`` for functions whose samples are hand-written."""
    auth = template.authorizer
    if auth is not None and auth[0].logical_id == fn.logical_id:
        return authorizer_sample()
    if fn.routes and fn.routes[0].authorized:
        return api_sample(fn)
    return None  # a provider webhook's sample is signed by hand (events/<Function>.json)


def write_samples(template: Template, *, force: bool = False) -> list[Path]:
    written = []
    for fn in template.functions.values():
        target = fn.sample_event
        if target.exists() and not force:
            continue
        sample = generate(fn, template)
        if sample is None:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(sample, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(target)
    return written
