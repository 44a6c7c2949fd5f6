"""A provider webhook declared with the kit: its template section (no authorizer, its own
throttle, the public URL), its path, and its cold start (its own provider SDK only)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from hearth_dev.template.cfn import Ref
from hearth_dev.template.declarations import declare
from hearth_dev.template.stacks import build_stack, http_api_stage

from hearth.hooks import Hook, kit
from hearth.hooks.spec import DEFAULT_THROTTLE
from tests.conftest import ROOT

MODULE = '''"""Deliveries of a GitHub App's events."""

from hearth.deployment import Throttle
from hearth.hooks import Hook

hook = Hook()


@hook.post("/webhooks/github/events", provider="github", throttle=THROTTLE)
def on_event(ctx):
    return None


handler = hook.handler
'''


def _declared(tmp_path: Path, throttle: str = "Throttle(rate=5, burst=10)"):  # type: ignore[no-untyped-def]
    source = tmp_path / "hooks" / "events.py"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(MODULE.replace("THROTTLE", throttle), encoding="utf-8")
    return declare("github", source)


def test_a_webhook_route_has_no_authorizer_and_its_own_throttle(tmp_path: Path) -> None:
    fn = _declared(tmp_path)
    assert fn.logical_id == "HooksEventsFunction"
    assert fn.hook is not None
    assert fn.route is None
    stack = build_stack("github", [fn])
    resources = stack.template["Resources"]
    route = resources["HooksEventsRoute"]["Properties"]
    assert route["RouteKey"] == "POST /webhooks/github/events"
    assert route["AuthorizationType"] == "NONE"
    assert "AuthorizerId" not in route
    assert "AuthorizerId" not in stack.parameters
    env = resources["HooksEventsFunction"]["Properties"]["Environment"]["Variables"]
    assert env["HEARTH_PUBLIC_BASE_URL"] == Ref("PublicBaseUrl")
    assert "PublicBaseUrl" in stack.parameters
    settings = http_api_stage([stack])["Properties"]["RouteSettings"]
    assert settings["POST /webhooks/github/events"] == {
        "ThrottlingBurstLimit": 10,
        "ThrottlingRateLimit": 5.0,
    }


def test_a_webhook_without_a_throttle_gets_the_default_one(tmp_path: Path) -> None:
    source = tmp_path / "unthrottled" / "events.py"  # modules load once per process, by logical id
    source.parent.mkdir(parents=True)
    source.write_text(MODULE.replace(", throttle=THROTTLE", ""), encoding="utf-8")
    fn = declare("github", source)
    assert fn.hook is not None
    assert fn.hook.throttle == DEFAULT_THROTTLE


def test_a_webhook_lives_under_its_providers_path() -> None:
    with pytest.raises(ValueError, match="/webhooks/github/"):
        Hook().post("/webhooks/stripe", provider="github")
    with pytest.raises(ValueError, match="unknown provider"):
        Hook().post("/webhooks/acme/events", provider="acme")


def test_the_public_url_is_configured_and_the_stage_prefix_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kit, "settings", lambda: SimpleNamespace(public_base_url="https://api.example.com/"))
    event = {
        "rawPath": "/dev/webhooks/twilio/sms",
        "rawQueryString": "a=1&b=two",
        "headers": {"host": "evil.example.net", "x-forwarded-host": "evil.example.net"},
        "requestContext": {"stage": "dev", "http": {"method": "POST", "path": "/dev/webhooks/twilio/sms"}},
    }
    assert kit.public_url(event) == "https://api.example.com/webhooks/twilio/sms?a=1&b=two"
    event["requestContext"]["stage"] = "$default"
    event["rawPath"] = "/webhooks/twilio/sms"
    event["rawQueryString"] = ""
    assert kit.public_url(event) == "https://api.example.com/webhooks/twilio/sms"


HEAVY = ("twilio", "stripe", "anthropic", "boto3", "botocore.client", "fastapi", "sqlalchemy", "hearth.http")


@pytest.mark.parametrize(("provider", "sdk"), [("twilio", "twilio"), ("stripe", "stripe"), ("github", None)])
def test_a_webhook_function_imports_only_its_own_provider_sdk(provider: str, sdk: str | None) -> None:
    """Cold start: the kit and the provider load no SDK until a delivery is verified; verifying
    loads the provider's own SDK and nothing else heavy (not the route kit either)."""
    code = f"""
import json, sys
from hearth.hooks import InboundRequest, SignatureInvalid, provider_named
from hearth.hooks import SigningKey
provider = provider_named({provider!r})
if {provider!r} == "twilio":  # its keys come from the org's integration: one here, no database
    provider.keys = lambda account: [SigningKey("0" * 32)]
    import hearth.integrations.signing  # what its default key source loads
loaded_at_import = [m for m in {HEAVY!r} if m in sys.modules]
request = InboundRequest(
    method="POST", url="https://api.example.com/webhooks/{provider}/x", path="/webhooks/{provider}/x",
    raw_query="",
    headers={{"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": "bad",
             "stripe-signature": "t=1,v1=bad", "x-hub-signature-256": "sha256=00",
             "x-github-delivery": "d-1", "x-github-event": "ping"}},
    body=b"AccountSid=AC00000000000000000000000000000000&MessageSid=SM1",
)
try:
    provider.verify(request)
except SignatureInvalid:
    pass
print(json.dumps([loaded_at_import, [m for m in {HEAVY!r} if m in sys.modules]]))
"""
    env = {
        "PATH": "/usr/bin:/bin",
        "HEARTH_STAGE": "test",
        "HEARTH_PUBLIC_BASE_URL": "https://api.example.com",
        "HEARTH_STRIPE_WEBHOOK_SECRET": "whsec_test",
        "HEARTH_GITHUB_WEBHOOK_SECRET": "github-secret",
        "HEARTH_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=env
    )
    at_import, after_verify = json.loads(out.stdout.strip().splitlines()[-1])
    assert at_import == []
    assert after_verify == ([sdk] if sdk else [])
