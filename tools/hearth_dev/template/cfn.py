"""CloudFormation YAML both ways: short tags (``!Ref``, ``!GetAtt``, ``!Sub``, …) read as their long
forms, and written back from small value classes::

    data = load_yaml(text)            # {"Ref": "Stage"} for `!Ref Stage`
    dump_yaml({"A": Ref("Stage")})    # 'A: !Ref Stage\\n'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml


class _CfnLoader(yaml.SafeLoader):
    """A YAML loader that keeps CloudFormation's short tags as their long forms."""


def _cfn_tag(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _cfn_tag)


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_CfnLoader)  # noqa: S506 (a SafeLoader with CloudFormation's tags)


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class GetAtt:
    resource: str
    attribute: str


@dataclass(frozen=True)
class Sub:
    text: str


@dataclass(frozen=True)
class Fn:
    """Any other intrinsic with a list argument: ``Fn("If", [...])`` is ``!If [...]``."""

    name: str
    args: list[Any]


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # lists indented under their key

    def ignore_aliases(self, data: Any) -> bool:
        return True  # no anchors: every value is written out where it is used


_Dumper.add_representer(Ref, lambda d, v: d.represent_scalar("!Ref", v.name))
_Dumper.add_representer(GetAtt, lambda d, v: d.represent_scalar("!GetAtt", f"{v.resource}.{v.attribute}"))
_Dumper.add_representer(Sub, lambda d, v: d.represent_scalar("!Sub", v.text))
_Dumper.add_representer(Fn, lambda d, v: d.represent_sequence(f"!{v.name}", v.args, flow_style=True))


#: A short tag's quoted argument that reads the same unquoted (PyYAML quotes every tagged scalar).
_QUOTED = re.compile(r"(!(?:Ref|GetAtt|Sub) )'([A-Za-z0-9$][^'\n]*)'")


def _unquote(match: re.Match[str]) -> str:
    tag, value = match.groups()
    line_start = match.string.rfind("\n", 0, match.start()) + 1
    in_flow = "[" in match.string[line_start : match.start()]
    unsafe = (": ", " #", *((",", "[", "]", "{", "}") if in_flow else ()))
    return match.group(0) if any(c in value for c in unsafe) else f"{tag}{value}"


def dump_yaml(data: Any) -> str:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=120)
    return _QUOTED.sub(_unquote, text)


def long_form(value: Any) -> Any:
    """A value built from the classes above, as :func:`load_yaml` reads it back."""
    if isinstance(value, Ref | GetAtt | Sub | Fn):
        return _INTRINSIC_FORMS[type(value)](value)
    if isinstance(value, dict):
        return {k: long_form(v) for k, v in value.items()}
    if isinstance(value, list):
        return [long_form(v) for v in value]
    return value


_INTRINSIC_FORMS: dict[type, Any] = {
    Ref: lambda v: {"Ref": v.name},
    GetAtt: lambda v: {"Fn::GetAtt": [v.resource, v.attribute]},
    Sub: lambda v: {"Fn::Sub": v.text},
    Fn: lambda v: {f"Fn::{v.name}": [long_form(a) for a in v.args]},
}
