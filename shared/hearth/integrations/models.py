from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hearth.integrations.providers import PROVIDERS

FieldValue = Annotated[str, StringConstraints(min_length=1, max_length=500)]


def _shape(names: dict[str, Any], *, required: bool) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            name: {"type": "string", "pattern": f"^(?:{f.pattern})$", "description": f.description}
            for name, f in names.items()
        },
        **({"required": sorted(names)} if required and names else {}),
        "additionalProperties": False,
    }


#: The fields of each provider, stated in the document (``anyOf``: the body's fields must be
#: those of the provider named in the path).
_PROVIDER_SHAPES: list[Any] = [
    {
        "title": provider.title,
        "properties": {
            "config": _shape(provider.config_fields, required=True),
            "secrets": _shape(provider.secret_fields, required=False),
        },
    }
    for provider in PROVIDERS.values()
]


class IntegrationPut(BaseModel):
    """A provider's credentials: all of its public fields; its secrets, of which those left out
    keep their stored values (all are needed to create the integration)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": _PROVIDER_SHAPES,
            "examples": [
                {
                    "config": {"account_sid": "AC" + "0123456789abcdef" * 2},
                    "secrets": {"auth_token": "fedcba9876543210" * 2},
                }
            ],
        },
    )

    config: dict[str, FieldValue] = Field(
        default_factory=dict, description="The provider's public fields (shown on reads)."
    )
    secrets: dict[str, FieldValue] = Field(
        default_factory=dict,
        description="The provider's secret fields: write-only, shown only as their last four characters.",
    )


class SecretHint(BaseModel):
    hint: str = Field(description="The secret's last four characters, after an ellipsis (`…1a2b`).")
    updated_at: datetime


class ProviderError(BaseModel):
    code: str = Field(description="The provider's error code (`20003`), or `unreachable`.")
    message: str = Field(description="The provider's message, without secrets.")


class IntegrationTest(BaseModel):
    """A provider test's result."""

    ok: bool
    error: ProviderError | None = None
    tested_at: datetime


class Integration(BaseModel):
    provider: str
    account: str | None = Field(description="The provider account the credentials belong to.")
    config: dict[str, str]
    secrets: dict[str, SecretHint]
    status: Literal["untested", "ok", "failed"] = Field(
        description="The last test's outcome (`untested` since the credentials last changed)."
    )
    last_test: IntegrationTest | None
    previous_signing_secret_valid_until: datetime | None = Field(
        description="Until then inbound webhooks signed with the replaced signing secret still verify."
    )
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class IntegrationList(BaseModel):
    data: list[Integration] = Field(description="At most one per provider, oldest first.")
