"""Every route of template.yaml, called by every role: the kit answers 403 exactly where the
role table denies the route's permission."""

from __future__ import annotations

import re
import uuid

import pytest
from hearth_dev.sam.functions import load_module
from hearth_dev.sam.template import load_template

from hearth import rbac
from hearth.http.api import Api
from tests.conftest import ROOT

ROUTES = []
for fn in load_template(ROOT).functions.values():
    for route in fn.routes:
        api = getattr(load_module(fn), "api", None)
        if isinstance(api, Api) and api.spec is not None and api.spec.permission is not None:
            ROUTES.append((route.route_key, api.spec.permission))


@pytest.fixture(scope="module")
def staff(client):
    tenant = client.new_tenant("Matrix")
    people = {role: client.add_member(tenant, role) for role in ("admin", "member", "viewer")}
    people["owner"] = tenant.owner
    return tenant, people


def test_every_route_permission_is_in_the_table():
    assert ROUTES
    unknown = sorted({perm for _key, perm in ROUTES if perm not in rbac.table()})
    assert not unknown, f"routes declare permissions the role table does not know: {unknown}"


@pytest.mark.parametrize(("route_key", "permission"), sorted(ROUTES))
def test_route_permission_matrix(client, staff, route_key, permission):
    tenant, people = staff
    method, path = route_key.split(" ", 1)
    concrete = re.sub(r"\{[^}]+\}", lambda _m: str(uuid.uuid4()), path)
    for role, user in people.items():
        body = {} if method in ("POST", "PUT", "PATCH") else None
        response = client.request(method, concrete, auth=user.auth, org=tenant.org_id, json_body=body)
        denied = response.status == 403 and response.json().get("code") == "permission_denied"
        assert denied is (rbac.scope(role, permission) is None), (role, response.status, response.body[:300])
        assert response.status < 500, (role, response.status, response.body[:300])
