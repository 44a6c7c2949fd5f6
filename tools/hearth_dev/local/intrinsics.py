"""CloudFormation's intrinsic functions, resolved against the local stack.

``Ref``, ``Fn::GetAtt``, ``Fn::Sub``, ``Fn::If`` (with the template's ``Conditions``),
``Fn::Equals``/``Not``/``And``/``Or``, ``Fn::Join``, ``Fn::Select``, ``Fn::Split``,
``Fn::FindInMap``, ``Fn::Base64``, ``Fn::GetAZs`` and ``Fn::ToJsonString``. Template
parameters come from the given values, else their defaults; resources are looked up through
the ``ref``/``getatt`` callables (the local stack answers with what it created in moto)::

    resolver = Resolver(template.raw, parameters={"Stage": "dev"}, ref=aws.ref, getatt=aws.getatt)
    resolver.resolve({"Fn::Sub": "${AWS::Region}-${Stage}"})  # "us-east-1-dev"
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from hearth_dev.sam.events import ACCOUNT_ID, REGION


class Unresolvable(ValueError):
    """The value cannot be computed locally (an import, an unknown attribute, ...)."""


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


#: ``Ref: AWS::NoValue`` — removed from the list or mapping that holds it.
NO_VALUE: Any = _NoValue()

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def references(value: Any) -> set[str]:
    """The names a value refers to (``Ref``, ``GetAtt`` targets and ``Sub`` variables)."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" and isinstance(arg, str):
                return {arg}
            if key == "Fn::GetAtt":
                target = arg[0] if isinstance(arg, list) else str(arg).split(".", 1)[0]
                return {str(target)}
            if key == "Fn::Sub":
                text, mapping = (arg[0], arg[1]) if isinstance(arg, list) else (arg, {})
                for name in _SUB_VARIABLE.findall(str(text)):
                    if not name.startswith("!") and name not in mapping:
                        found.add(name.split(".", 1)[0])
                return found | references(mapping)
        for item in value.values():
            found |= references(item)
    return found


class Resolver:
    def __init__(
        self,
        raw: Mapping[str, Any],
        *,
        parameters: Mapping[str, str] | None = None,
        ref: Callable[[str], Any] | None = None,
        getatt: Callable[[str, str], Any] | None = None,
        stack_name: str = "hearth-local",
        region: str = REGION,
        account: str = ACCOUNT_ID,
    ) -> None:
        self.raw = raw
        self.stack_name = stack_name
        self.region = region
        self.account = account
        self._ref = ref
        self._getatt = getatt
        self.parameters = self._parameter_values(parameters or {})
        self._conditions: dict[str, bool] = {}

    # -- parameters and conditions --------------------------------------------------------------

    def _parameter_values(self, given: Mapping[str, str]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, declared in (self.raw.get("Parameters") or {}).items():
            decl = declared or {}
            raw = given.get(name, decl.get("Default"))
            if raw is None:
                raw = ""
            kind = str(decl.get("Type", "String"))
            if kind.startswith("List<") or kind == "CommaDelimitedList":
                values[name] = (
                    [] if raw in ("", []) else (raw if isinstance(raw, list) else str(raw).split(","))
                )
            else:
                values[name] = str(raw)
        unknown = set(given) - set(values)
        if unknown:
            raise Unresolvable(f"the template has no parameter(s) {', '.join(sorted(unknown))}")
        return values

    def unset_parameters(self) -> list[str]:
        """Parameters that have neither a value nor a default (they resolve to "")."""
        declared = self.raw.get("Parameters") or {}
        return sorted(
            name for name, value in self.parameters.items() if value in ("", []) and name in declared
        )

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            conditions = self.raw.get("Conditions") or {}
            if name not in conditions:
                raise Unresolvable(f"unknown condition {name}")
            self._conditions[name] = bool(self._evaluate_condition(conditions[name]))
        return self._conditions[name]

    def _evaluate_condition(self, expr: Any) -> bool:  # noqa: PLR0911
        if isinstance(expr, dict) and len(expr) == 1:
            ((key, arg),) = expr.items()
            if key == "Condition":
                return self.condition(str(arg))
            if key == "Fn::Equals":
                left, right = (self.resolve(v) for v in arg)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self._evaluate_condition(arg[0])
            if key == "Fn::And":
                return all(self._evaluate_condition(a) for a in arg)
            if key == "Fn::Or":
                return any(self._evaluate_condition(a) for a in arg)
        value = self.resolve(expr)
        if isinstance(value, bool):
            return value
        return str(value).lower() == "true"

    # -- resolution -----------------------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic function replaced by its local value."""
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                if key == "Ref" or key.startswith("Fn::") or key == "Condition":
                    return self._intrinsic(key, arg)
            resolved = {k: self.resolve(v) for k, v in value.items()}
            return {k: v for k, v in resolved.items() if v is not NO_VALUE}
        return value

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:aws:cloudformation:{self.region}:{self.account}:stack/{self.stack_name}/local"
            ),
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in (self.raw.get("Resources") or {}) and self._ref is not None:
            return self._ref(name)
        raise Unresolvable(f"Ref to unknown name {name}")

    def getatt(self, logical_id: str, attribute: str) -> Any:
        if logical_id not in (self.raw.get("Resources") or {}) or self._getatt is None:
            raise Unresolvable(f"GetAtt of unknown resource {logical_id}")
        return self._getatt(logical_id, attribute)

    def _intrinsic(self, key: str, arg: Any) -> Any:  # noqa: PLR0911, PLR0912
        if key == "Ref":
            return self.ref(str(arg))
        if key == "Condition":
            return self.condition(str(arg))
        if key == "Fn::GetAtt":
            target, attribute = arg if isinstance(arg, list) else str(arg).split(".", 1)
            return self.getatt(str(self.resolve(target)), str(self.resolve(attribute)))
        if key == "Fn::Sub":
            return self._sub(arg)
        if key == "Fn::If":
            name, when_true, when_false = arg
            return self.resolve(when_true if self.condition(str(name)) else when_false)
        if key in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or"):
            return self._evaluate_condition({key: arg})
        if key == "Fn::Join":
            delimiter, items = arg
            resolved = self.resolve(items)
            return str(delimiter).join(str(v) for v in resolved)
        if key == "Fn::Select":
            index, items = arg
            return self.resolve(items)[int(self.resolve(index))]
        if key == "Fn::Split":
            delimiter, text = arg
            return str(self.resolve(text)).split(str(delimiter))
        if key == "Fn::FindInMap":
            name, top, second = (self.resolve(v) for v in arg[:3])
            try:
                return (self.raw.get("Mappings") or {})[name][top][second]
            except KeyError as exc:
                if len(arg) > 3 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                    return self.resolve(arg[3]["DefaultValue"])
                raise Unresolvable(f"FindInMap {name}/{top}/{second}") from exc
        if key == "Fn::Base64":
            return base64.b64encode(str(self.resolve(arg)).encode()).decode()
        if key == "Fn::GetAZs":
            return [f"{self.region}{zone}" for zone in "abc"]
        if key == "Fn::ToJsonString":
            return json.dumps(self.resolve(arg), separators=(",", ":"))
        if key == "Fn::Length":
            return len(self.resolve(arg))
        raise Unresolvable(f"{key} cannot be resolved locally")

    def _sub(self, arg: Any) -> str:
        text, mapping = (arg[0], arg[1]) if isinstance(arg, list) else (arg, {})
        variables = {k: self.resolve(v) for k, v in (mapping or {}).items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                target, attribute = name.split(".", 1)
                return str(self.getatt(target, attribute))
            value = self.ref(name)
            return ",".join(value) if isinstance(value, list) else str(value)

        return _SUB_VARIABLE.sub(replace, str(text))
