"""``template.yaml`` as typed specs::

tpl = load_template()
for fn in tpl.functions.values():
    print(fn.logical_id, [r.route_key for r in fn.routes])
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
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


def repo_root() -> Path:
    """``HEARTH_ROOT``, else the checkout this package lives in."""
    env = os.environ.get("HEARTH_ROOT")
    return Path(env) if env else Path(__file__).resolve().parents[3]


@dataclass(frozen=True, slots=True)
class HttpRoute:
    method: str
    path: str

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True, slots=True)
class SqsSource:
    queue: str  # logical id of the queue
    batch_size: int
    window_seconds: int
    report_failures: bool
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class ScheduleSource:
    name: str
    expression: str  # rate(...) or cron(...)
    enabled: bool
    payload: dict[str, Any] | None
    kind: str = "Schedule"  # Schedule (an EventBridge rule) or ScheduleV2 (EventBridge Scheduler)
    input: str | None = None  # the Input text as written (ScheduleV2 fills its <aws.scheduler.*> keys)
    timezone: str | None = None  # ScheduleV2's ScheduleExpressionTimezone (cron only)


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    logical_id: str
    code_uri: str
    handler: str
    environment: dict[str, Any]
    timeout: int
    routes: tuple[HttpRoute, ...] = ()
    sqs: tuple[SqsSource, ...] = ()
    schedules: tuple[ScheduleSource, ...] = ()
    root: Path = field(default_factory=repo_root)

    @property
    def module_name(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def attribute(self) -> str:
        return self.handler.rsplit(".", 1)[1]

    @property
    def source(self) -> Path:
        return self.root / self.code_uri / (self.module_name.replace(".", "/") + ".py")

    @property
    def sample_event(self) -> Path:
        """Its sample event, named after it: ``sam local invoke X -e events/X.json``."""
        return self.root / "events" / f"{self.logical_id}.json"


@dataclass(frozen=True, slots=True)
class Template:
    root: Path
    raw: dict[str, Any]
    functions: dict[str, FunctionSpec]

    @property
    def resources(self) -> dict[str, Any]:
        return dict(self.raw.get("Resources") or {})

    def of_type(self, cfn_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v.get("Type") == cfn_type}

    def routes(self) -> dict[str, FunctionSpec]:
        """``"METHOD /path"`` -> the function serving it."""
        return {route.route_key: fn for fn in self.functions.values() for route in fn.routes}

    @property
    def authorizer(self) -> tuple[FunctionSpec, int] | None:
        """The HTTP API's default Lambda authorizer and its result TTL in seconds."""
        for api in self.of_type("AWS::Serverless::HttpApi").values():
            auth = (api.get("Properties") or {}).get("Auth") or {}
            default = auth.get("DefaultAuthorizer")
            cfg = (auth.get("Authorizers") or {}).get(default) or {}
            arn = cfg.get("FunctionArn") or {}
            target = (arn.get("Fn::GetAtt") or [None])[0]
            if target in self.functions:
                ttl = int((cfg.get("Identity") or {}).get("ReauthorizeEvery", 300))
                return self.functions[target], ttl
        return None

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self.raw.get("Parameters") or {})

    @property
    def global_environment(self) -> dict[str, Any]:
        fn_globals = (self.raw.get("Globals") or {}).get("Function") or {}
        return dict((fn_globals.get("Environment") or {}).get("Variables") or {})


def _function(
    logical_id: str, resource: dict[str, Any], globals_fn: dict[str, Any], root: Path
) -> FunctionSpec:
    props = resource.get("Properties") or {}
    routes, sqs, schedules = [], [], []
    for name, event in (props.get("Events") or {}).items():
        kind, eprops = event.get("Type"), event.get("Properties") or {}
        if kind == "HttpApi":
            routes.append(HttpRoute(str(eprops["Method"]).upper(), str(eprops["Path"])))
        elif kind == "SQS":
            queue = (eprops.get("Queue") or {}).get("Fn::GetAtt", [None])[0]
            sqs.append(
                SqsSource(
                    queue=str(queue),
                    batch_size=int(eprops.get("BatchSize", 10)),
                    window_seconds=int(eprops.get("MaximumBatchingWindowInSeconds", 0)),
                    report_failures="ReportBatchItemFailures" in (eprops.get("FunctionResponseTypes") or []),
                    enabled=eprops.get("Enabled", True) is not False,
                )
            )
        elif kind in ("Schedule", "ScheduleV2"):
            expression = eprops.get("Schedule") or eprops.get("ScheduleExpression")
            enabled = (
                eprops.get("Enabled", True)
                if kind == "Schedule"
                else eprops.get("State", "ENABLED") == "ENABLED"
            )
            payload = eprops.get("Input")
            schedules.append(
                ScheduleSource(
                    name=name,
                    expression=str(expression),
                    enabled=bool(enabled),
                    payload=yaml.safe_load(payload) if isinstance(payload, str) else None,
                    kind=str(kind),
                    input=payload if isinstance(payload, str) else None,
                    timezone=eprops.get("ScheduleExpressionTimezone"),
                )
            )
    env = dict((props.get("Environment") or {}).get("Variables") or {})
    return FunctionSpec(
        logical_id=logical_id,
        code_uri=str(props.get("CodeUri") or globals_fn.get("CodeUri")).rstrip("/") + "/",
        handler=str(props.get("Handler") or globals_fn.get("Handler")),
        environment=env,
        timeout=int(props.get("Timeout") or globals_fn.get("Timeout") or 3),
        routes=tuple(routes),
        sqs=tuple(sqs),
        schedules=tuple(schedules),
        root=root,
    )


@lru_cache(maxsize=4)
def load_template(root: Path | None = None, filename: str = "template.yaml") -> Template:
    """The template ``filename`` in ``root`` (default: this checkout's ``template.yaml``); code and
    event paths in it are relative to ``root``."""
    root = root or repo_root()
    raw = yaml.load((root / filename).read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506
    globals_fn = (raw.get("Globals") or {}).get("Function") or {}
    functions = {
        logical_id: _function(logical_id, res, globals_fn, root)
        for logical_id, res in (raw.get("Resources") or {}).items()
        if res.get("Type") == "AWS::Serverless::Function"
    }
    return Template(root=root, raw=raw, functions=functions)
