"""Secret rotation: for 24 hours both secrets sign every delivery, then only the new one."""

from __future__ import annotations

from datetime import timedelta

import pytest
import standardwebhooks

from tests.integration.webhooks.conftest import create_endpoint, emit


def test_both_secrets_verify_during_the_window_then_only_the_new_one(client, tenant, aws, receivers):
    receiver = receivers()
    endpoint = create_endpoint(client, tenant, receiver.url())
    old = endpoint["secret"]
    rotated = client.post(f"/v1/webhook-endpoints/{endpoint['id']}/rotate-secret", auth=tenant.key_auth)
    assert rotated.status == 200, rotated.body
    new = rotated.json()["secret"]
    assert new.startswith("whsec_")
    assert new != old
    assert rotated.json()["previous_secret_expires_at"]

    emit(tenant.org_id)
    aws.drain()
    during = receiver.requests[-1]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    standardwebhooks.Webhook(old).verify(during.body, during.headers)
    standardwebhooks.Webhook(new).verify(during.body, during.headers)
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        standardwebhooks.Webhook("whsec_" + "A" * 43 + "=").verify(during.body, during.headers)

    aws.clock.advance(timedelta(hours=24, seconds=1))
    emit(tenant.org_id)
    aws.drain()
    after = receiver.requests[-1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    standardwebhooks.Webhook(new).verify(after.body, after.headers)
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        standardwebhooks.Webhook(old).verify(after.body, after.headers)


def test_rotating_again_keeps_only_the_latest_previous_secret(client, tenant, aws, receivers):
    receiver = receivers()
    endpoint = create_endpoint(client, tenant, receiver.url())
    first = endpoint["secret"]
    path = f"/v1/webhook-endpoints/{endpoint['id']}/rotate-secret"
    second = client.post(path, auth=tenant.key_auth).json()["secret"]
    third = client.post(path, auth=tenant.key_auth).json()["secret"]
    emit(tenant.org_id)
    aws.drain()
    request = receiver.requests[-1]
    standardwebhooks.Webhook(third).verify(request.body, request.headers)
    standardwebhooks.Webhook(second).verify(request.body, request.headers)
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        standardwebhooks.Webhook(first).verify(request.body, request.headers)
