"""The role table: every role x permission pair, and the rules around it."""

from __future__ import annotations

import itertools

import pytest

from hearth import rbac

ROLES = [r.value for r in rbac.Role]
PAIRS = [(perm, role) for perm in rbac.table() for role in ROLES]


@pytest.mark.parametrize(("permission", "role"), PAIRS)
def test_scope_follows_the_table(permission, role):
    expected = rbac.table()[permission][role]
    assert rbac.scope(role, permission) == expected
    assert rbac.allows(role, permission) is (expected is not None)
    assert (permission in rbac.permissions(role)) is (expected is not None)


def test_higher_roles_may_do_at_least_what_lower_roles_may():
    order = ["viewer", "member", "admin", "owner"]
    for permission, row in rbac.table().items():
        allowed = [row[r] is not None for r in order]
        assert allowed == sorted(allowed), f"{permission}: a higher role may do less than a lower one"
        for lower, higher in itertools.pairwise(order):
            if row[lower] == "all":
                assert row[higher] == "all", permission


def test_viewers_only_read():
    for permission in rbac.permissions("viewer"):
        action = permission.split(":")[1]
        # Beyond reading, a viewer may leave, and export their own data (a right of the person,
        # not a change to the org's data).
        assert action == "read" or (
            permission in ("members:delete", "notifications:update", "exports:create")
            and rbac.scope("viewer", permission) == "own"
        )


def test_unknown_roles_and_permissions_are_denied():
    assert rbac.scope("owner", "nothing:here") is None
    assert rbac.scope("superuser", "orgs:read") is None
    assert rbac.scope(None, "orgs:read") is None


def test_role_ceilings():
    assert rbac.at_most("admin", "owner")
    assert not rbac.at_most("owner", "admin")
    assert rbac.lesser("owner", "viewer") == "viewer"
    assert rbac.lesser("member", "admin") == "member"
