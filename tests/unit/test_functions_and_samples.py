"""template.yaml, the handler modules and the sample events agree."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.utilities.data_classes import (
    APIGatewayProxyEventV2,
    EventBridgeEvent,
    SQSEvent,
)
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerEventV2,
)
from hearth_dev.sam.functions import load_module
from hearth_dev.sam.samples import generate
from hearth_dev.sam.template import load_template

from hearth.hooks import Hook
from hearth.http.api import Api
from tests.conftest import ROOT

TEMPLATE = load_template(ROOT)
FUNCTIONS = sorted(TEMPLATE.functions)


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_every_function_has_its_handler_and_sample_event(logical_id):
    fn = TEMPLATE.functions[logical_id]
    assert fn.source.is_file(), f"{logical_id}: {fn.source} is missing"
    assert callable(getattr(load_module(fn), fn.attribute))
    assert fn.sample_event.is_file(), f"{logical_id}: no sample event at {fn.sample_event}"
    sample = json.loads(fn.sample_event.read_text())
    auth = TEMPLATE.authorizer
    if auth and auth[0].logical_id == logical_id:
        event = APIGatewayAuthorizerEventV2(sample)
        assert event.identity_source
    elif fn.routes:
        event = APIGatewayProxyEventV2(sample)
        assert f"{event.request_context.http.method} " in event.route_key
        assert event.route_key == fn.routes[0].route_key
        if fn.routes[0].authorized:
            assert event.request_context.authorizer.get_lambda["org_id"]
        else:  # a provider webhook: signed, with no authorizer
            assert event.body
            # signed in a header, or (the one-click unsubscribe link) by the token in its query
            assert any("signature" in name.lower() for name in event.headers) or (
                event.query_string_parameters or {}
            ).get("t")
    elif fn.sqs:
        records = list(SQSEvent(sample).records)
        assert records
        assert all(r.message_id and r.receipt_handle for r in records)
    elif fn.schedules:
        assert EventBridgeEvent(sample).detail_type == "Scheduled Event"


@pytest.mark.parametrize("logical_id", [f for f in FUNCTIONS if TEMPLATE.functions[f].routes])
def test_route_modules_declare_the_route_the_template_gives_them(logical_id):
    fn = TEMPLATE.functions[logical_id]
    module = load_module(fn)
    if fn.routes[0].authorized:
        api = getattr(module, "api", None)
        assert isinstance(api, Api), f"{logical_id}: no route kit `api`"
        spec = api.spec
    else:
        hook = getattr(module, "hook", None)
        assert isinstance(hook, Hook), f"{logical_id}: a route without the authorizer is a provider `hook`"
        spec = hook.spec
    assert spec is not None
    assert [r.route_key for r in fn.routes] == [spec.route_key]


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_generated_samples_are_current(logical_id):
    fn = TEMPLATE.functions[logical_id]
    expected = generate(fn, TEMPLATE)
    if expected is None:
        pytest.skip("hand-written sample")
    assert json.loads(fn.sample_event.read_text()) == expected, "run `hearth samples --force`"


def test_route_modules_stay_light():
    """Cold start: route modules import no provider SDK and no AWS client at import time."""
    import subprocess
    import sys

    # (Powertools itself imports the bare botocore package, which is small; clients and sessions are not.)
    heavy = (
        "boto3",
        "botocore.session",
        "botocore.client",
        "stripe",
        "twilio",
        "anthropic",
        "sqlalchemy",
        "fastapi",
        "aws_xray_sdk",
    )
    code = (
        "import sys, json\n"
        "from hearth_dev.sam.template import load_template\n"
        "from hearth_dev.sam.functions import load_module\n"
        "t = load_template()\n"
        "[load_module(f) for f in t.functions.values() if f.routes]\n"
        f"print(json.dumps([m for m in {heavy!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_only_the_ai_worker_loads_anthropic():
    """Cold start: the anthropic SDK (its own layer) is loaded by the AI worker alone. Every other
    function module imports without it, consumers and schedules included (the integration test
    route, which may call Anthropic, imports it inside the call); the worker does load it, so this
    check can tell."""
    import subprocess
    import sys

    from hearth import needs

    code = (
        "import sys, json\n"
        "from hearth_dev.sam.template import load_template\n"
        "from hearth_dev.sam.functions import load_module\n"
        "t = load_template()\n"
        "leaks = []\n"
        "for name, f in sorted(t.functions.items()):\n"
        "    if name != 'AiWorkerFunction':\n"
        "        load_module(f)\n"
        "        if 'anthropic' in sys.modules and not leaks:\n"
        "            leaks.append(name)\n"
        "before = 'anthropic' in sys.modules\n"
        "load_module(t.functions['AiWorkerFunction'])\n"
        "print(json.dumps([leaks, before, 'anthropic' in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [[], False, True]
    from hearth_dev.template.declarations import discover

    declaring = {
        fn.logical_id
        for functions in discover(ROOT / "functions").values()
        for fn in functions
        if needs.ANTHROPIC_SDK in fn.needs
    }
    assert declaring == {"AiWorkerFunction", "IntegrationsTestFunction"}


def test_the_anthropic_sdk_is_imported_in_two_places_only():
    """Statically: the AI provider module (the worker's) and the integration test's call (inside
    the function that tests a key) are the only imports of the anthropic SDK in deployed code."""
    import ast

    importers = set()
    for path in [*(ROOT / "shared").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n == "anthropic" or n.startswith("anthropic.") for n in names):
                importers.add(str(path.relative_to(ROOT)))
    assert importers == {"shared/hearth/ai/provider.py", "shared/hearth/integrations/providers.py"}


def test_the_twilio_sdk_is_imported_where_twilio_is_called_only():
    """Statically: the webhook kit's Twilio verifier, the integration test's call, and telephony's
    provider module are the only imports of the twilio SDK in deployed code (each inside the
    function that uses it); and every function that may reach them declares the SDK's layer."""
    import ast

    from hearth_dev.template.declarations import discover

    from hearth import needs

    importers = set()
    for path in [*(ROOT / "shared").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n == "twilio" or n.startswith("twilio.") for n in names):
                importers.add(str(path.relative_to(ROOT)))
    assert importers == {
        "shared/hearth/hooks/providers/twilio.py",
        "shared/hearth/integrations/providers.py",
        "shared/hearth/telephony/provider.py",
    }
    telephony = {fn.logical_id: fn for fn in discover(ROOT / "functions")["telephony"]}
    calls_twilio = {
        "PhoneNumbersAttachFunction",
        "PhoneNumbersAvailableFunction",
        "PhoneNumbersBuyFunction",
        "PhoneNumbersReleaseFunction",
        "CallsCreateFunction",
        "SmsSenderFunction",
        "RecordingCopierFunction",
        "HooksSmsFunction",
        "HooksSmsStatusFunction",
        "HooksVoiceFunction",
        "HooksVoiceStatusFunction",
        "HooksRecordingFunction",
    }
    assert {name for name, fn in telephony.items() if needs.TWILIO_SDK in fn.needs} == calls_twilio


def test_no_telephony_function_loads_twilio_at_import():
    """Cold start: importing every telephony function module loads neither twilio nor phonenumbers
    (each is imported inside the call that uses it)."""
    import subprocess
    import sys

    code = (
        "import sys, json\n"
        "from hearth_dev.sam.template import load_template\n"
        "from hearth_dev.sam.functions import load_module\n"
        "t = load_template()\n"
        "[load_module(f) for f in t.functions.values() if 'telephony' in str(f.source)]\n"
        "print(json.dumps([m for m in ('twilio', 'phonenumbers') if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
