"""The core layer ships what the functions depend on."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import ROOT


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=~ ;]", r.strip(), maxsplit=1)[0].lower() for r in requirements if r.strip()}


def test_core_layer_matches_the_project_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    layer = [
        line
        for line in (ROOT / "layers/core/requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    # boto3 comes with the Lambda runtime; everything else must be in the layer, with the same pins.
    assert _names(project) - {"boto3"} == _names(layer)
    assert {r.replace(" ", "") for r in project if not r.startswith("boto3")} == {
        r.replace(" ", "") for r in layer
    }


def test_pyjwt_is_pinned_to_a_version_whose_jwks_client_has_the_refresh_cooldown():
    # PyJWKClient(cooldown_duration=...) rate-limits refetches on unknown key ids: PyJWT 2.14+.
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pyjwt = next(Requirement(r) for r in project if r.lower().startswith("pyjwt"))
    assert "2.13.0" not in pyjwt.specifier
    assert "2.14.0" in pyjwt.specifier
    assert "3.0.0" not in pyjwt.specifier


def test_provider_sdk_layers_match_the_local_extra():
    """What a deployed function gets from an SDK layer is what the local stack and the tests run."""
    local = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["local"]
    pins = {_names([r]).pop(): r.replace(" ", "") for r in local}
    for sdk in ("twilio", "stripe", "anthropic"):
        layer = [
            line.replace(" ", "")
            for line in (ROOT / "layers" / sdk / "requirements.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")
        ]
        assert layer == [pins[sdk]], sdk
