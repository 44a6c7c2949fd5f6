"""A Cognito user pool in moto's server for the identity tests, with the authorizer pointed at
it the way the root template points it at the deployed pool (issuer, JWKS, app client, pool)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hearth_dev.cognito import LocalPool, PoolUser
from hearth_dev.local.aws import MotoServer

from hearth import aws
from hearth.auth import tokens
from hearth.settings import settings

PASSWORD = "Correct-horse-42"


def _fresh() -> None:
    settings.cache_clear()
    tokens._jwks_client.cache_clear()
    aws.reset("cognito-idp")


@pytest.fixture(scope="module")
def pool() -> Iterator[LocalPool]:
    with MotoServer() as moto, pytest.MonkeyPatch.context() as mp:
        made = LocalPool.create(moto.endpoint)
        for name, value in made.settings().items():
            mp.setenv(name, value)
        _fresh()
        try:
            yield made
        finally:
            mp.undo()
            _fresh()


@dataclass
class Person:
    user: PoolUser
    tokens: dict

    @property
    def auth(self) -> str:
        return f"Bearer {self.tokens['AccessToken']}"


def person(pool: LocalPool, label: str = "user") -> Person:
    """A confirmed pool user with a verified email, signed in."""
    user = pool.add_user(f"{label}-{uuid.uuid4().hex[:8]}@example.com", PASSWORD)
    return Person(user, pool.sign_in(user))
