"""Envelope encryption of secrets at rest: KMS (through moto) and the local key."""

from __future__ import annotations

import base64

import boto3
import pytest
from moto import mock_aws

from hearth import crypto
from hearth.settings import ConfigurationError, settings
from tests.conftest import GITHUB_TEST_SETTINGS

CONTEXT = {"purpose": "test", "org_id": "o-1", "record": "r-1"}


@pytest.fixture
def kms_envelope():
    with mock_aws():
        client = boto3.client("kms")
        key_id = client.create_key(Description="hearth test")["KeyMetadata"]["KeyId"]
        calls = {"decrypt": 0}
        real_decrypt = client.decrypt

        def counting_decrypt(**kwargs):
            calls["decrypt"] += 1
            return real_decrypt(**kwargs)

        client.decrypt = counting_decrypt
        yield crypto.Envelope(crypto.KmsKeyWrapper(key_id, client)), calls


def test_kms_envelope_round_trip_bound_to_its_context(kms_envelope):
    envelope, calls = kms_envelope
    blob = envelope.seal(b"whsec_secret", CONTEXT)
    assert b"whsec_secret" not in blob
    assert envelope.open(blob, CONTEXT) == b"whsec_secret"
    assert envelope.open(blob, dict(CONTEXT)) == b"whsec_secret"
    assert calls["decrypt"] == 1  # the unwrapped data key is cached per environment
    with pytest.raises(crypto.DecryptionError):
        envelope.open(blob, {**CONTEXT, "org_id": "o-2"})
    tampered = bytearray(blob)
    tampered[-1] ^= 1
    with pytest.raises(crypto.DecryptionError):
        envelope.open(bytes(tampered), CONTEXT)
    assert envelope.seal(b"whsec_secret", CONTEXT) != blob  # a fresh data key and nonce each time


def test_local_envelope_and_key_kinds_do_not_mix(kms_envelope):
    kms, _ = kms_envelope
    local = crypto.Envelope(crypto.LocalKeyWrapper(b"k" * 32))
    blob = local.seal(b"value", CONTEXT)
    assert local.open(blob, CONTEXT) == b"value"
    with pytest.raises(crypto.DecryptionError):
        kms.open(blob, CONTEXT)
    with pytest.raises(crypto.DecryptionError):
        crypto.Envelope(crypto.LocalKeyWrapper(b"x" * 32)).open(blob, CONTEXT)
    with pytest.raises(crypto.DecryptionError):
        local.open(b"not a sealed value", CONTEXT)


def test_configuration_is_checked_at_cold_start(webhook_settings):
    webhook_settings.setenv("HEARTH_LOCAL_SECRETS_KEY", base64.b64encode(b"s" * 32).decode())
    settings.cache_clear()
    crypto.envelope.cache_clear()
    assert isinstance(crypto.envelope().wrapper, crypto.LocalKeyWrapper)
    webhook_settings.setenv("HEARTH_LOCAL_SECRETS_KEY", base64.b64encode(b"short").decode())
    settings.cache_clear()
    crypto.envelope.cache_clear()
    with pytest.raises(ConfigurationError, match="32 bytes"):
        crypto.envelope()
    webhook_settings.delenv("HEARTH_LOCAL_SECRETS_KEY")
    webhook_settings.delenv("HEARTH_WEBHOOK_ALLOWED_NETWORKS")
    webhook_settings.setenv("HEARTH_STAGE", "prod")
    for test_only in ("HEARTH_STRIPE_API_KEY", "HEARTH_STRIPE_WEBHOOK_SECRET"):  # the test stage's
        webhook_settings.delenv(test_only, raising=False)
    webhook_settings.delenv("HEARTH_JWT_DEV_SECRET", raising=False)
    for variable in GITHUB_TEST_SETTINGS:  # local-only values of the session's GitHub stand-in
        webhook_settings.delenv(variable, raising=False)
    settings.cache_clear()
    with pytest.raises(ConfigurationError, match="HEARTH_SECRETS_KMS_KEY_ID"):
        crypto.check_configuration()
    webhook_settings.setenv("HEARTH_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8")
    settings.cache_clear()
    with pytest.raises(ConfigurationError, match="local and test stages only"):
        settings()
