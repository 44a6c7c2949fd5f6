"""Integration rules: admins and owners connect a provider with its credentials (one integration
per provider and org), replace them (secrets left out keep their values), test them against the
provider, and remove them. Secrets are write-only: sealed at rest, bound to the org, provider
and field; reads and audit rows show a secret's last four characters at most (audit rows only
its name). Replacing the secret a provider signs webhooks with keeps the old one valid for 24
hours, so deliveries signed during the rotation still verify.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hearth import clock
from hearth.http import Reply, RequestContext
from hearth.integrations import providers, store
from hearth.integrations.models import (
    Integration,
    IntegrationList,
    IntegrationPut,
    IntegrationTest,
    ProviderError,
    SecretHint,
)
from hearth.integrations.providers import IntegrationProvider
from hearth.integrations.secrets import binding, hint
from hearth.problems import NotFound, PreconditionFailed, Unprocessable, field_error

ROTATION_OVERLAP = timedelta(hours=24)


def _provider(name: str) -> IntegrationProvider:
    found = providers.get(name)
    if found is None:
        problem = NotFound("provider", code="provider_unknown")
        problem.detail = f"No such provider; Hearth knows {', '.join(sorted(providers.PROVIDERS))}."
        raise problem
    return found


def _shown(row: dict[str, Any]) -> Integration:
    secrets = {
        s["field"]: SecretHint(hint="…" + s["last4"], updated_at=s["updated_at"]) for s in row["secrets"]
    }
    previous = [s["previous_valid_until"] for s in row["secrets"] if s["previous_valid_until"] is not None]
    last_test = None
    if row["tested_at"] is not None:
        error = None
        if row["status"] == "failed":
            error = ProviderError(
                code=row["test_error_code"] or "failed", message=row["test_error_message"] or ""
            )
        last_test = IntegrationTest(ok=row["status"] == "ok", error=error, tested_at=row["tested_at"])
    return Integration(
        provider=row["provider"],
        account=row["account"],
        config=row["config"],
        secrets=secrets,
        status=row["status"],
        last_test=last_test,
        previous_signing_secret_valid_until=max(previous) if previous else None,
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


def list_integrations(ctx: RequestContext) -> IntegrationList:
    return IntegrationList(data=[_shown(row) for row in store.list_all(ctx.db)])


def _get(ctx: RequestContext, provider: str, *, lock: bool = False) -> dict[str, Any]:
    row = store.get(ctx.db, provider, lock=lock)
    if row is None:
        raise NotFound("integration", provider, code="integration_not_found")
    return row


def _checked(provider: IntegrationProvider, body: IntegrationPut, stored: set[str]) -> None:
    """422 naming every field that is unknown, malformed or missing (nothing is changed)."""
    errors = []
    for part, declared, given in (
        ("config", provider.config_fields, body.config),
        ("secrets", provider.secret_fields, body.secrets),
    ):
        for name, value in sorted(given.items()):
            spec = declared.get(name)
            if spec is None:
                errors.append(
                    field_error(f"{part}.{name}", f"{provider.title} has no such field", "unknown_field")
                )
            elif not spec.accepts(value):
                errors.append(field_error(f"{part}.{name}", f"must match {spec.pattern}", "invalid_format"))
        for name in sorted(declared):
            if name not in given and (part == "config" or name not in stored):
                errors.append(field_error(f"{part}.{name}", f"{provider.title} needs it", "required"))
    if errors:
        raise Unprocessable("validation_failed", "The request has invalid fields.", errors=errors)


def put(ctx: RequestContext, provider_name: str, body: IntegrationPut) -> Reply:
    """Create (201) or replace (200) the org's integration with the provider."""
    provider = _provider(provider_name)
    row = store.get(ctx.db, provider.name, lock=True)
    if row is None:
        if ctx.if_match() is not None:
            raise PreconditionFailed("stale_version", f"The org has no {provider.title} integration.")
    else:
        ctx.check_if_match(row["version"])
    stored = {s["field"]: s for s in (row or {}).get("secrets", [])}
    _checked(provider, body, set(stored))

    config = {name: body.config[name] for name in provider.config_fields}
    account = config.get(provider.account_field) if provider.account_field else None
    changed = [f"config.{name}" for name in config if row is None or row["config"].get(name) != config[name]]
    claiming = account is not None and (row is None or row["account"] != account)
    # The stored secrets, read once: to prove a claimed account, to compare what is sent again.
    sealed = (
        store.sealed_secrets(ctx.db, provider.name) if row is not None and (claiming or body.secrets) else {}
    )
    secrets = _changed_secrets(ctx, provider, body.secrets, sealed)
    changed += [f"secrets.{name}" for name in secrets]
    if row is not None and not changed:
        ctx.set_etag(row["version"])
        return Reply(_shown(row), 200)

    if claiming:
        _prove_account(ctx, provider, config, body.secrets, sealed)
    if row is None:
        store.insert(ctx.db, provider.name, account=account, config=config, created_by=_creator(ctx))
    else:
        store.replace(ctx.db, provider.name, account=account, config=config)
        if row["account"] != account:
            store.drop_previous_secrets(ctx.db, provider.name)  # no overlap across accounts
    now = clock.now()
    for name, value in secrets.items():
        signs = name == provider.signing_field
        overlap = signs and name in stored and (row is not None and row["account"] == account)
        store.put_secret(
            ctx.db,
            provider.name,
            name,
            sealed=binding(ctx.org_id, provider.name, name).seal(value),
            last4=hint(value),
            signs=signs,
            now=now,
            previous_valid_until=now + ROTATION_OVERLAP if overlap else None,
        )
    ctx.audit(
        "integration.put",
        "integration",
        provider.name,
        changes={"created": row is None, "fields": sorted(changed)},
    )
    updated = _get(ctx, provider.name)
    ctx.set_etag(updated["version"])
    return Reply(_shown(updated), 201 if row is None else 200)


def _prove_account(
    ctx: RequestContext,
    provider: IntegrationProvider,
    config: dict[str, Any],
    given: dict[str, str],
    sealed: dict[str, dict[str, Any]],
) -> None:
    """An org claims a provider account (one account, one org: inbound webhooks naming it are
    verified with this org's keys) only with credentials the provider accepts for it, so no org
    can take an account it does not hold, nor learn that another org holds one it only knows
    the id of (422 before any 409). Secrets left out are the stored ones."""
    credentials = dict(config)
    for name, secret in sealed.items():
        if name not in given:
            credentials[name] = binding(ctx.org_id, provider.name, name).open(secret["sealed"])
    credentials.update(given)
    result = provider.test(credentials)
    if not result.ok:
        raise Unprocessable(
            "credentials_rejected",
            f"{provider.title} refused these credentials for the account"
            f" ({result.code or 'failed'}: {result.message or 'no reason given'}); nothing was changed.",
        )


def _changed_secrets(
    ctx: RequestContext,
    provider: IntegrationProvider,
    given: dict[str, str],
    sealed: dict[str, dict[str, Any]],
) -> dict[str, str]:
    """The secrets sent whose values differ from the stored ones (``sealed``: sending a secret
    again changes nothing: a signing secret is not rotated onto itself)."""
    changed = {}
    for name, value in given.items():
        current = sealed.get(name)
        if current is None or binding(ctx.org_id, provider.name, name).open(current["sealed"]) != value:
            changed[name] = value
    return changed


def _creator(ctx: RequestContext) -> str:
    kind, actor_id = ctx.actor
    return f"{kind}:{actor_id}"


def delete(ctx: RequestContext, provider_name: str) -> None:
    provider = _provider(provider_name)
    row = _get(ctx, provider.name, lock=True)
    ctx.check_if_match(row["version"])
    store.delete(ctx.db, provider.name)
    ctx.audit("integration.delete", "integration", provider.name, changes={"account": row["account"]})


def test(ctx: RequestContext, provider_name: str) -> IntegrationTest:
    """Call the provider with the stored credentials; store and return the result (stored only
    while the credentials tested are still the integration's)."""
    provider = _provider(provider_name)
    row = _get(ctx, provider.name)
    sealed = store.sealed_secrets(ctx.db, provider.name)
    credentials = dict(row["config"])
    for name, secret in sealed.items():
        credentials[name] = binding(ctx.org_id, provider.name, name).open(secret["sealed"])
    result = provider.test(credentials)
    recorded = store.record_test(
        ctx.db, provider.name, row["version"], ok=result.ok, code=result.code, message=result.message
    )
    tested_at = recorded["tested_at"] if recorded is not None else clock.now()
    if recorded is not None:
        ctx.set_etag(recorded["version"])
    ctx.audit(
        "integration.test", "integration", provider.name, changes={"ok": result.ok, "code": result.code}
    )
    error = None if result.ok else ProviderError(code=result.code or "failed", message=result.message or "")
    return IntegrationTest(ok=result.ok, error=error, tested_at=tested_at)
