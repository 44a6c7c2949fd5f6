"""What the Lambda layers ship, and which way the deployed package's imports run.

The Hearth layer is ``shared/``: the ``hearth`` package only. The development tooling
(``tools/hearth_dev``: CLI, local stack, template generator) is installed for development and
never deployed, so nothing deployed may import it. Inside ``hearth`` imports run one way, from
the areas down to the platform (STYLE: functions -> area -> engine/kit -> db): a lower layer
never imports a higher one, lazily or not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hearth_dev.sam.template import load_template

from tests.conftest import ROOT

SHARED = ROOT / "shared"
#: Lower numbers are lower layers; a module may import its own layer and the ones below.
LAYERS: dict[str, int] = {
    **dict.fromkeys(
        (
            "__init__",
            "settings",
            "observability",
            "problems",
            "rbac",
            "clock",
            "needs",
            "principal",
            "standard_webhooks",
            "plans",
        ),
        0,
    ),
    **dict.fromkeys(
        ("aws", "db", "crypto", "queues", "batch", "audit", "deployment", "gateway", "platform_secrets"), 1
    ),
    **dict.fromkeys(("outbox", "auth"), 2),
    # What the provider senders share (claim, send concurrently, record; retries by SQS).
    **dict.fromkeys(("sending",), 2),
    # integrations sits with the kits: the inbound webhook kit finds a provider account's signing
    # keys in it (hearth.integrations.signing), and its routes' logic uses the route kit.
    **dict.fromkeys(("http", "hooks", "integrations"), 3),
    **dict.fromkeys(("listing", "records"), 4),
    **dict.fromkeys(
        (
            "orgs",
            "members",
            "invitations",
            "api_keys",
            "audit_logs",
            "events",
            "crm",
            "webhooks",
            "ai",
            "billing",
            "telephony",
            "email",
        ),
        5,
    ),
    # The GitHub integration links GitHub to the CRM's tasks (their keys): above the areas it uses.
    **dict.fromkeys(("github",), 6),
    **dict.fromkeys(("identity",), 5),
    # Notifications read the events of the areas below (tasks, deals, notes, invitations) and hand
    # emails to the email sender.
    **dict.fromkeys(("notifications",), 6),
    # The data lifecycle: the retention policy, the purges, the backup check (an area), and
    # exports and deletion, which read every area's tables and remove them.
    **dict.fromkeys(("lifecycle",), 6),
}
#: Only the development tooling and the tests use these.
DEVELOPMENT_ONLY = ("hearth_dev", "fastapi", "uvicorn", "moto", "pgserver", "yaml", "samtranslator", "pytest")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


DEPLOYED = sorted(SHARED.rglob("*.py")) + sorted((ROOT / "functions").rglob("*.py"))


def test_the_hearth_layer_is_the_hearth_package_alone():
    template = load_template(ROOT)
    contents = {
        (stack.path.parent / res["Properties"]["ContentUri"]).resolve()
        for stack in [*template.stacks.values()]
        for res in stack.raw["Resources"].values()
        if res["Type"] == "AWS::Serverless::LayerVersion"
        and res["Properties"]["ContentUri"].endswith("shared/")
    }
    contents |= {
        (ROOT / res["Properties"]["ContentUri"]).resolve()
        for res in template.of_type("AWS::Serverless::LayerVersion").values()
        if res["Properties"]["ContentUri"].endswith("shared/")
    }
    assert contents == {SHARED.resolve()}
    packages = {p.name for p in SHARED.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))}
    assert packages == {"hearth"}


@pytest.mark.parametrize("path", DEPLOYED, ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_deployed_imports_development_tooling(path):
    imported = {name.split(".")[0] for name in _imports(path)}
    assert not imported & set(DEVELOPMENT_ONLY), sorted(imported & set(DEVELOPMENT_ONLY))


@pytest.mark.parametrize(
    "path", sorted((SHARED / "hearth").rglob("*.py")), ids=lambda p: str(p.relative_to(SHARED))
)
def test_imports_run_down_the_layers(path):
    module = ".".join(path.relative_to(SHARED).with_suffix("").parts)
    own = LAYERS[_layer_of(module)]
    upward = sorted(
        name
        for name in _imports(path)
        if name.startswith("hearth.") and name.split(".")[1] in LAYERS and LAYERS[name.split(".")[1]] > own
    )
    assert not upward, f"{module} imports a higher layer: {upward}"


def test_every_package_of_hearth_has_a_layer():
    tops = {p.stem if p.is_file() else p.name for p in (SHARED / "hearth").iterdir()}
    tops -= {"py", "__pycache__"}
    unknown = {t for t in tops if not t.startswith(".") and t not in LAYERS and t != "py.typed"}
    assert not unknown, f"add these to LAYERS: {sorted(unknown)}"
