"""The templates as CloudFormation will see them: every template transformed offline by SAM's own
translator (the code `sam deploy` runs), with local paths standing in for what `sam package`
uploads."""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest
from hearth_dev.sam.template import Template, load_template

from tests.conftest import ROOT


class _NoManagedPolicies:
    """The translator asks IAM for managed policy ARNs by name only for names we never use."""

    def load(self) -> dict[str, str]:
        return {}


def transform(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` (long-form intrinsics) after the SAM transform."""
    from samtranslator.translator.transform import transform as sam_transform

    template = copy.deepcopy(raw)
    for resource in (template.get("Resources") or {}).values():
        props = resource.get("Properties") or {}
        if "CodeUri" in props:
            props["CodeUri"] = "s3://hearth-artifacts/code.zip"
        if "ContentUri" in props:
            props["ContentUri"] = "s3://hearth-artifacts/layer.zip"
        if resource.get("Type") == "AWS::Serverless::Application":
            props["Location"] = "https://s3.amazonaws.com/hearth-artifacts/stack.yaml"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    result: dict[str, Any] = sam_transform(template, {}, _NoManagedPolicies())
    return result


@pytest.fixture(scope="session")
def template() -> Template:
    return load_template(ROOT)


@pytest.fixture(scope="session")
def transformed(template: Template) -> dict[str | None, dict[str, Any]]:
    """Stack logical id (``None``: the root) -> its resources after the transform."""
    out: dict[str | None, dict[str, Any]] = {None: transform(template.raw)["Resources"]}
    for name, stack in template.stacks.items():
        out[name] = transform(stack.raw)["Resources"]
    return out
