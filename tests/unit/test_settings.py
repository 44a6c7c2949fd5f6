"""Settings parse once and fail loudly, naming the variable."""

from __future__ import annotations

import pytest

from hearth.settings import ConfigurationError, Settings, settings
from tests.conftest import GITHUB_TEST_SETTINGS


@pytest.fixture
def fresh(monkeypatch):
    for variable in GITHUB_TEST_SETTINGS:  # the session's GitHub stand-in (tests.conftest)
        monkeypatch.delenv(variable, raising=False)
    settings.cache_clear()
    yield monkeypatch
    settings.cache_clear()


def test_a_malformed_variable_is_named(fresh):
    fresh.setenv("HEARTH_STATEMENT_TIMEOUT_MS", "soon")
    with pytest.raises(ConfigurationError, match="HEARTH_STATEMENT_TIMEOUT_MS"):
        settings()
    fresh.setenv("HEARTH_STATEMENT_TIMEOUT_MS", "10000")
    fresh.setenv("HEARTH_STAGE", "production")
    with pytest.raises(ConfigurationError, match="HEARTH_STAGE"):
        settings()


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_dev_secret_is_refused_on_every_deployed_stage(fresh, stage):
    fresh.setenv("HEARTH_STAGE", stage)
    with pytest.raises(ConfigurationError, match="HEARTH_JWT_DEV_SECRET"):
        settings()
    fresh.delenv("HEARTH_JWT_DEV_SECRET")
    assert settings().stage == stage
    assert not settings().is_local


def test_a_missing_stage_fails_closed(fresh):
    # Not "local" (which would accept development tokens and the built-in secrets key).
    fresh.delenv("HEARTH_STAGE")
    with pytest.raises(ConfigurationError, match="HEARTH_STAGE"):
        settings()


def test_hs256_tokens_are_refused_on_a_deployed_stage_even_if_a_secret_slipped_through(fresh):
    from hearth.auth import tokens

    token = tokens.mint_dev_token("dev|someone")
    deployed = Settings.model_construct(**{**settings().model_dump(), "stage": "dev"})
    fresh.setattr(tokens, "settings", lambda: deployed)
    with pytest.raises(tokens.TokenError, match="algorithm_not_allowed"):
        tokens.verify(token)


def test_a_missing_requirement_names_its_variables(fresh):
    fresh.delenv("HEARTH_API_KEY_PEPPER", raising=False)
    with pytest.raises(ConfigurationError, match="HEARTH_API_KEY_PEPPER or HEARTH_API_KEY_PEPPER_PARAMETER"):
        settings().require("api_key_pepper", "api_key_pepper_parameter")


def test_the_authorizer_refuses_to_start_without_token_configuration(fresh):
    from hearth.auth import authorizer

    fresh.delenv("HEARTH_JWT_ISSUER")
    with pytest.raises(ConfigurationError, match="HEARTH_JWT_ISSUER"):
        authorizer.check_configuration()
    fresh.setenv("HEARTH_JWT_ISSUER", "hearth-local")
    fresh.setenv("HEARTH_JWT_DEV_SECRET", "short")
    settings.cache_clear()
    with pytest.raises(ConfigurationError, match="at least 32"):
        authorizer.check_configuration()


def test_rate_limits_by_plan(fresh):
    from hearth import plans

    fresh.setenv("HEARTH_RATE_LIMITS", '{"pro": 700}')
    fresh.setenv("HEARTH_RATE_LIMIT_PER_MINUTE", "60")
    settings.cache_clear()
    assert plans.requests_per_minute("pro") == 700
    assert plans.requests_per_minute("free") == 60
    assert plans.requests_per_minute("business") == plans.BUILT_IN["business"].limits.requests_per_minute


def test_the_database_needs_a_url_or_a_secret(fresh):
    from hearth import db

    fresh.delenv("HEARTH_DATABASE_URL")
    with pytest.raises(ConfigurationError, match="HEARTH_DATABASE_URL or HEARTH_DB_SECRET_ARN"):
        db.conninfo("app")


def test_the_plain_anthropic_key_is_for_local_and_test_only(fresh):
    fresh.setenv("HEARTH_ANTHROPIC_API_KEY", "sk-ant-local")
    assert settings().anthropic_api_key == "sk-ant-local"
    settings.cache_clear()
    fresh.setenv("HEARTH_STAGE", "prod")
    fresh.delenv("HEARTH_JWT_DEV_SECRET")
    with pytest.raises(ConfigurationError, match="HEARTH_ANTHROPIC_API_KEY_SECRET_ARN"):
        settings()
    fresh.delenv("HEARTH_ANTHROPIC_API_KEY")
    fresh.setenv("HEARTH_ANTHROPIC_API_KEY_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:1:secret:anthropic")
    assert settings().anthropic_api_key_secret_arn.endswith(":anthropic")
