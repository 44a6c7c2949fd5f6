"""Every route, called as another tenant with the first tenant's ids: 404 (or nothing of the
first tenant's), never its data. The list of routes comes from template.yaml."""

from __future__ import annotations

import pytest
from hearth_dev.sam.template import load_template

from tests.integration.cross_tenant import load_all

CASES = load_all()
ROUTES = sorted(load_template().routes())


def test_every_route_has_a_cross_tenant_case():
    missing = sorted(set(ROUTES) - set(CASES))
    assert not missing, f"routes without a cross-tenant case: {missing}"
    unknown = sorted(set(CASES) - set(ROUTES))
    assert not unknown, f"cases for routes that are not in template.yaml: {unknown}"


@pytest.mark.parametrize("route_key", ROUTES)
def test_cross_tenant(route_key, client, tenant, other_tenant):
    CASES[route_key](client, victim=tenant, intruder=other_tenant)
