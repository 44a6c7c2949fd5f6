"""The process environment of the local stack's functions.

Each function's variables (``Globals`` + its own) are resolved against the local resources;
then the settings that only make sense on AWS are replaced by local ones: database URLs per role
instead of Secrets Manager ARNs, the development JWT secret and the API key pepper (kept in the
state folder, so tokens and the demo key stay valid between runs), and ``AWS_ENDPOINT_URL`` so
boto3 in the functions' unchanged code talks to moto. Functions run in one process, so they
share one environment: the union of their variables (a variable two functions resolve to
different values is reported as a conflict)::

    secrets = LocalSecrets.load(Path(".hearth"))
    env = function_environment(template, aws.resolver)
    env.variables  # {"HEARTH_EVENT_DISPATCH_QUEUE_URL": "http://127.0.0.1:…/…", ...}
"""

from __future__ import annotations

import json
import os
import secrets as random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hearth_dev.local.aws import LOCAL_CREDENTIALS
from hearth_dev.local.intrinsics import NO_VALUE, Resolver, Unresolvable
from hearth_dev.sam.events import REGION
from hearth_dev.sam.template import Stack, Template

SECRETS_FILE = "local-secrets.json"
DEV_ISSUER = "hearth-local"
DEV_AUDIENCE = "hearth"
#: The inbound email domain locally, when the template's InboundEmailDomain is left empty.
LOCAL_INBOUND_EMAIL_DOMAIN = "inbound.hearth.localhost"

#: The platform's system from-address locally (its identity is created by the demo seed).
LOCAL_SYSTEM_FROM = "notifications@demo.hearth.local"

#: Variables that name AWS-only configuration; locally the URLs and values below stand in.
AWS_ONLY = ("HEARTH_DB_SECRET_ARN", "HEARTH_SYSTEM_DB_SECRET_ARN", "HEARTH_DB_HOST")
#: Never passed on to local functions: they would point boto3 at a real account.
REAL_AWS = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DEFAULT_PROFILE")


@dataclass(frozen=True)
class LocalSecrets:
    """The development JWT secret and API key pepper of a state folder (``HEARTH_JWT_DEV_SECRET``
    and ``HEARTH_API_KEY_PEPPER`` win when set)."""

    jwt_dev_secret: str
    api_key_pepper: str

    @classmethod
    def load(cls, state_dir: Path, environ: Mapping[str, str] | None = None) -> LocalSecrets:
        env = os.environ if environ is None else environ
        path = state_dir / SECRETS_FILE
        stored: dict[str, str] = {}
        if path.exists():
            stored = json.loads(path.read_text(encoding="utf-8"))
        if not stored.get("jwt_dev_secret") or not stored.get("api_key_pepper"):
            stored = {
                "jwt_dev_secret": stored.get("jwt_dev_secret") or random.token_urlsafe(48),
                "api_key_pepper": stored.get("api_key_pepper") or random.token_urlsafe(32),
            }
            state_dir.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(json.dumps(stored, indent=2) + "\n", encoding="utf-8")
        return cls(
            jwt_dev_secret=env.get("HEARTH_JWT_DEV_SECRET") or stored["jwt_dev_secret"],
            api_key_pepper=env.get("HEARTH_API_KEY_PEPPER") or stored["api_key_pepper"],
        )


@dataclass
class FunctionEnvironment:
    variables: dict[str, str] = field(default_factory=dict)
    #: variable -> {function: value} where functions disagree
    conflicts: dict[str, dict[str, str]] = field(default_factory=dict)
    #: "Function.VARIABLE: why" for values that cannot be computed locally
    unresolved: list[str] = field(default_factory=list)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def stack_resolver(stack: Stack, root: Resolver) -> Resolver:
    """A resolver of a nested stack: its parameters are what the root gives it, resolved."""
    values: dict[str, Any] = {}
    for name, expression in stack.parameters.items():
        try:
            value = root.resolve(expression)
        except Unresolvable:
            value = ""
        values[name] = value if isinstance(value, list) else _as_text(value)
    return Resolver(stack.raw, parameters=values, stack_name=f"{root.stack_name}-{stack.logical_id}")


def function_environment(template: Template, resolver: Resolver) -> FunctionEnvironment:
    """The union of every function's resolved variables (its stack's ``Globals`` first, then its
    own), each resolved in its own stack."""
    result = FunctionEnvironment()
    owner: dict[str, str] = {}
    resolvers: dict[str | None, Resolver] = {None: resolver}
    for name, stack in template.stacks.items():
        resolvers[name] = stack_resolver(stack, resolver)
    for fn in sorted(template.functions.values(), key=lambda f: f.logical_id):
        for name, raw in template.environment_of(fn).items():
            try:
                value = resolvers[fn.stack].resolve(raw)
            except Unresolvable as exc:
                result.unresolved.append(f"{fn.logical_id}.{name}: {exc}")
                continue
            if value is NO_VALUE:  # `!If [cond, ..., !Ref AWS::NoValue]`: the variable is not set
                continue
            text = _as_text(value)
            if name not in result.variables:
                result.variables[name] = text
                owner[name] = fn.logical_id
            elif result.variables[name] != text:
                seen = result.conflicts.setdefault(name, {owner[name]: result.variables[name]})
                seen[fn.logical_id] = text
    return result


def local_overrides(
    *, app_url: str, system_url: str, secrets: LocalSecrets, aws_endpoint: str | None
) -> dict[str, str | None]:
    """What replaces AWS-only configuration locally (``None``: unset the variable)."""
    overrides: dict[str, str | None] = dict.fromkeys(AWS_ONLY + REAL_AWS)
    overrides.update(
        HEARTH_STAGE="local",
        HEARTH_DATABASE_URL=app_url,
        HEARTH_SYSTEM_DATABASE_URL=system_url,
        HEARTH_JWT_DEV_SECRET=secrets.jwt_dev_secret,
        HEARTH_API_KEY_PEPPER=secrets.api_key_pepper,
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_SAM_LOCAL="true",
        **LOCAL_CREDENTIALS,
    )
    if aws_endpoint:
        overrides["AWS_ENDPOINT_URL"] = aws_endpoint
    return overrides


def apply(
    variables: Mapping[str, str],
    overrides: Mapping[str, str | None],
    environ: dict[str, str] | None = None,
) -> dict[str, str]:
    """Set ``variables`` then ``overrides`` in ``environ`` (default ``os.environ``). Variables that
    resolved to "" (a parameter with no local value) are unset, as if not configured. The JWT
    issuer and audience, and the inbound email domain, default to the development ones when the
    template leaves them empty."""
    env: Any = os.environ if environ is None else environ
    for name, value in variables.items():
        if value == "":
            env.pop(name, None)
        else:
            env[name] = value
    for name, override in overrides.items():
        if override is None:
            env.pop(name, None)
        else:
            env[name] = override
    env.setdefault("HEARTH_JWT_ISSUER", DEV_ISSUER)
    env.setdefault("HEARTH_JWT_AUDIENCE", DEV_AUDIENCE)
    env.setdefault("HEARTH_EMAIL_INBOUND_DOMAIN", LOCAL_INBOUND_EMAIL_DOMAIN)
    env.setdefault("HEARTH_EMAIL_SYSTEM_FROM", LOCAL_SYSTEM_FROM)
    return dict(env)
