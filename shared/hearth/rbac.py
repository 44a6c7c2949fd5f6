"""Roles and permissions: the one table that says who may do what.

A permission is ``resource:action``. Each role holds a permission with a scope: ``all`` (any
record of the org) or ``own`` (records the caller owns or created). Anything not in the table is
denied::

    scope = rbac.scope("member", "api_keys:delete")   # "own"
    rbac.allows("viewer", "members:update")           # False

An API key acts for the user who created it, with at most that user's role, but never holds the
permissions that decide who can act for the org: creating keys, and changing membership (adding,
changing or removing members; invitations). Those need a signed-in user, whatever the role::

    rbac.scope("owner", "api_keys:create", credential="api_key")   # None
    rbac.scope("owner", "members:read", credential="api_key")      # "all"
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

Scope = Literal["all", "own"]
#: The kind of credential a request came with (``Principal.kind``).
Credential = Literal["user", "api_key"]


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"


#: Higher rank may do at least what a lower rank may.
RANK: dict[Role, int] = {Role.VIEWER: 0, Role.MEMBER: 1, Role.ADMIN: 2, Role.OWNER: 3}

_A: Scope = "all"
_O: Scope = "own"

# permission -> (owner, admin, member, viewer); None = denied.
_TABLE: dict[str, tuple[Scope | None, Scope | None, Scope | None, Scope | None]] = {
    # organization and its people
    "orgs:read": (_A, _A, _A, _A),
    "orgs:update": (_A, _A, None, None),
    # Deleting the org (and restoring it within the grace period): owners, signed in.
    "orgs:delete": (_A, None, None, None),
    "orgs:restore": (_A, None, None, None),
    "members:read": (_A, _A, _A, _A),
    "members:update": (_A, _A, None, None),
    "members:delete": (_A, _A, _O, _O),  # anyone may leave; admins remove others
    # Joining is by invitation only (accepting one needs no role: the invited user has none yet).
    "invitations:read": (_A, _A, None, None),
    "invitations:create": (_A, _A, None, None),
    "invitations:delete": (_A, _A, None, None),
    "api_keys:read": (_A, _A, _O, None),
    "api_keys:create": (_A, _A, _A, None),
    "api_keys:delete": (_A, _A, _O, None),
    "audit_logs:read": (_A, _A, None, None),
    # -- CRM ----------------------------------------------------------------------------------
    # Viewers read; members create and edit, and delete (or restore) what they own or created;
    # pipelines are org configuration (admins). Reading soft-deleted records: admins.
    "companies:read": (_A, _A, _A, _A),
    "companies:create": (_A, _A, _A, None),
    "companies:update": (_A, _A, _A, None),
    "companies:delete": (_A, _A, _O, None),
    "people:read": (_A, _A, _A, _A),
    "people:create": (_A, _A, _A, None),
    "people:update": (_A, _A, _A, None),
    "people:delete": (_A, _A, _O, None),
    "pipelines:read": (_A, _A, _A, _A),
    "pipelines:create": (_A, _A, None, None),
    "pipelines:update": (_A, _A, None, None),
    "pipelines:delete": (_A, _A, None, None),
    "deals:read": (_A, _A, _A, _A),
    "deals:create": (_A, _A, _A, None),
    "deals:update": (_A, _A, _A, None),
    "deals:delete": (_A, _A, _O, None),
    "tasks:read": (_A, _A, _A, _A),
    "tasks:create": (_A, _A, _A, None),
    "tasks:update": (_A, _A, _A, None),
    "tasks:delete": (_A, _A, _O, None),
    "notes:read": (_A, _A, _A, _A),
    "notes:create": (_A, _A, _A, None),
    "notes:update": (_A, _A, _A, None),
    "notes:delete": (_A, _A, _O, None),
    "interactions:read": (_A, _A, _A, _A),
    "interactions:create": (_A, _A, _A, None),
    "interactions:update": (_A, _A, _A, None),
    "interactions:delete": (_A, _A, _O, None),
    "projects:read": (_A, _A, _A, _A),
    "projects:create": (_A, _A, _A, None),
    "projects:update": (_A, _A, _A, None),  # also adds and removes project members
    "projects:delete": (_A, _A, _O, None),
    "time_entries:read": (_A, _A, _A, _A),
    "time_entries:create": (_A, _A, _A, None),
    "time_entries:update": (_A, _A, _A, None),
    "time_entries:delete": (_A, _A, _O, None),
    "deleted_records:read": (_A, _A, None, None),
    # -- events and webhooks ------------------------------------------------------------------
    # Admin-level: events span every resource type (a member or viewer could read through them
    # what their own role hides), and endpoints decide where the org's data is sent.
    "events:read": (_A, _A, None, None),
    "webhook_endpoints:read": (_A, _A, None, None),
    "webhook_endpoints:create": (_A, _A, None, None),
    "webhook_endpoints:update": (_A, _A, None, None),
    "webhook_endpoints:delete": (_A, _A, None, None),
    "webhook_deliveries:read": (_A, _A, None, None),
    "webhook_deliveries:retry": (_A, _A, None, None),
    # -- integrations -------------------------------------------------------------------------
    # Provider credentials: admin-level to read too (which providers are wired, which accounts).
    "integrations:read": (_A, _A, None, None),
    "integrations:write": (_A, _A, None, None),
    # -- AI assistant ----------------------------------------------------------------------------
    # Runs spend the org's token allowance: members and up ask, and see and apply their own runs;
    # admins see and apply all. Viewers have no AI (a viewer reads the CRM, it does not spend).
    # Settings (what is redacted) are read by members, changed by admins.
    "ai_runs:read": (_A, _A, _O, None),
    "ai_runs:create": (_A, _A, _A, None),
    "ai_runs:apply": (_A, _A, _O, None),
    "ai_usage:read": (_A, _A, _O, None),  # own: members see the org's totals, their own runs
    "ai_settings:read": (_A, _A, _A, None),
    "ai_settings:update": (_A, _A, None, None),
    # -- billing -----------------------------------------------------------------------------------
    # Members see the plan, its limits and the month's usage (what they may still do); owners and
    # admins subscribe, open the portal and read invoices.
    "billing:read": (_A, _A, _A, None),
    "billing:manage": (_A, _A, None, None),
    "billing_invoices:read": (_A, _A, None, None),
    # -- Telephony -------------------------------------------------------------------------------
    # Numbers cost money and are the org's identity: admins attach, buy, release and assign them;
    # everyone reads them. Members send SMS and read the org's messages; viewers read only.
    "phone_numbers:read": (_A, _A, _A, _A),
    "phone_numbers:write": (_A, _A, None, None),
    "sms_messages:send": (_A, _A, _A, None),
    "sms_messages:read": (_A, _A, _A, _A),
    "telephony_settings:read": (_A, _A, _A, None),
    "telephony_settings:update": (_A, _A, None, None),
    # Calls: members place calls and read the org's calls and recordings; viewers read the log.
    "calls:read": (_A, _A, _A, _A),
    "calls:create": (_A, _A, _A, None),
    # -- inbound email ---------------------------------------------------------------------------
    # Everyone reads the org's received and BCC-logged email and its addresses (members BCC the
    # logging address); admins change the address or rotate the BCC address.
    "inbound_emails:read": (_A, _A, _A, _A),
    "email_inbound_address:read": (_A, _A, _A, _A),
    "email_inbound_address:update": (_A, _A, None, None),
    # -- sign-in security --------------------------------------------------------------------------
    # Whether members need a second factor, and the org's idle limit: every member reads them
    # (the front end says why a request was refused); only owners change them.
    "security_settings:read": (_A, _A, _A, _A),
    "security_settings:update": (_A, None, None, None),
    # Members' sign-ins, lockouts, MFA changes: admins and owners (each user sees their own at
    # /v1/me/security-events, outside any org).
    "security_events:read": (_A, _A, None, None),
    # -- notifications -----------------------------------------------------------------------------
    # Everyone reads and marks their own notifications and keeps their own preferences (a
    # user's alone, by row-level security: "own" for every role, admins included).
    "notifications:read": (_O, _O, _O, _O),
    "notifications:update": (_O, _O, _O, _O),
    # -- email -------------------------------------------------------------------------------------
    # Sending domains and the default sender are the org's identity: admins add and remove them;
    # members read them. Members send email and manage templates; viewers read the log. Lifting a
    # suppression (sending again to an address that bounced or complained) is for admins.
    "email_domains:read": (_A, _A, _A, None),
    "email_domains:write": (_A, _A, None, None),
    "email_settings:read": (_A, _A, _A, None),
    "email_settings:update": (_A, _A, None, None),
    "emails:send": (_A, _A, _A, None),
    "emails:read": (_A, _A, _A, _A),
    "email_templates:read": (_A, _A, _A, _A),
    "email_templates:write": (_A, _A, _A, None),
    "email_suppressions:read": (_A, _A, _A, None),
    "email_suppressions:write": (_A, _A, None, None),
    # -- data lifecycle ----------------------------------------------------------------------------
    # How long the org's data is kept: every member reads it (nothing in it is sensitive, and it
    # is the org's answer to "how long do you keep my data?"); admins and owners keep kinds longer.
    "retention:read": (_A, _A, _A, _A),
    "retention:update": (_A, _A, None, None),
    # Exports: owners and admins export the org or a project and see every export; anyone exports
    # their own data and sees their own exports.
    "exports:create": (_A, _A, _O, _O),
    "exports:read": (_A, _A, _O, _O),
    # Purging a deleted project (for good, with its own tasks and notes): admins and owners.
    "projects:purge": (_A, _A, None, None),
}

_ORDER = (Role.OWNER, Role.ADMIN, Role.MEMBER, Role.VIEWER)

#: Resources whose every action but ``read`` changes who belongs to the org (a resource added
#: here later, or an action added to one, is covered without a route of its own saying so).
MEMBERSHIP_RESOURCES = ("members", "invitations")
#: Other permissions only a signed-in user holds: a key minting keys would outlive its parent.
_USERS_ONLY = frozenset({"api_keys:create", "orgs:delete", "orgs:restore"})


def users_only(permission: str) -> bool:
    """True for a permission no API key holds, whatever its role (see the module docstring)."""
    resource, _, action = permission.partition(":")
    return permission in _USERS_ONLY or (resource in MEMBERSHIP_RESOURCES and action != "read")


def scope(role: Role | str | None, permission: str, *, credential: Credential = "user") -> Scope | None:
    """The scope ``role`` holds ``permission`` with, or ``None`` when denied (an API key is
    denied the :func:`users_only` permissions)."""
    if role is None or (credential != "user" and users_only(permission)):
        return None
    try:
        row = _TABLE[permission]
        return row[_ORDER.index(Role(role))]
    except (KeyError, ValueError):
        return None


def allows(role: Role | str | None, permission: str, *, credential: Credential = "user") -> bool:
    return scope(role, permission, credential=credential) is not None


def refusal(role: Role | str | None, permission: str, *, credential: Credential = "user") -> str:
    """Why :func:`scope` denies ``permission`` (the 403's detail)."""
    if credential != "user" and users_only(permission) and scope(role, permission) is not None:
        return f"API keys cannot {permission}: creating keys and changing membership need a signed-in user."
    return f"Your role ({role}) does not allow {permission}."


def permissions(role: Role | str, *, credential: Credential = "user") -> dict[str, Scope]:
    """Every permission ``role`` holds, with its scope."""
    idx = _ORDER.index(Role(role))
    return {
        perm: row[idx]  # type: ignore[misc]
        for perm, row in sorted(_TABLE.items())
        if row[idx] is not None and not (credential != "user" and users_only(perm))
    }


def table() -> dict[str, dict[str, Scope | None]]:
    """The whole table, for docs and tests."""
    return {perm: {r.value: row[i] for i, r in enumerate(_ORDER)} for perm, row in sorted(_TABLE.items())}


def at_most(role: Role | str, ceiling: Role | str) -> bool:
    """True when ``role`` does not exceed ``ceiling``."""
    return RANK[Role(role)] <= RANK[Role(ceiling)]


def lesser(a: Role | str, b: Role | str) -> Role:
    """The lower of two roles."""
    return Role(a) if RANK[Role(a)] <= RANK[Role(b)] else Role(b)
