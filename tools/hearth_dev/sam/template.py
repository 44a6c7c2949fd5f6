"""``template.yaml`` and the stacks it nests, as typed specs::

    tpl = load_template()
    for fn in tpl.functions.values():          # the functions of every stack
        print(fn.logical_id, fn.stack, [r.route_key for r in fn.routes])

A function's routes come from SAM ``HttpApi`` events or from ``AWS::ApiGatewayV2::Route``
resources (the nested stacks add their routes to the root's API that way); its queues from SAM
``SQS`` events or ``AWS::Lambda::EventSourceMapping`` resources; its schedules from SAM
``Schedule``/``ScheduleV2`` events. A nested stack's parameter is followed to the root's value
it is given (``EventDispatchQueueArn`` -> ``!GetAtt EventDispatchQueue.Arn``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from hearth_dev.template.cfn import load_yaml


def repo_root() -> Path:
    """``HEARTH_ROOT``, else the checkout this package lives in."""
    env = os.environ.get("HEARTH_ROOT")
    return Path(env) if env else Path(__file__).resolve().parents[3]


@dataclass(frozen=True, slots=True)
class HttpRoute:
    method: str
    path: str
    #: False for a route with ``AuthorizationType: NONE`` (a provider's webhook): API Gateway
    #: calls no authorizer for it.
    authorized: bool = True

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True, slots=True)
class SqsSource:
    queue: str  # logical id of the queue (in the root stack)
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
class Stack:
    """A nested stack (``AWS::Serverless::Application`` with a local ``Location``)."""

    logical_id: str
    path: Path  # its template file
    raw: dict[str, Any]
    #: Its parameters as the root gives them (long-form intrinsics over the root's names).
    parameters: dict[str, Any]

    @property
    def global_environment(self) -> dict[str, Any]:
        return _global_environment(self.raw)


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
    #: The nested stack that declares it (``None``: the root stack).
    stack: str | None = None
    #: The folder its stack's template is in (CodeUri is relative to it).
    base: Path | None = None

    @property
    def module_name(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def attribute(self) -> str:
        return self.handler.rsplit(".", 1)[1]

    @property
    def source(self) -> Path:
        return (self.base or self.root) / self.code_uri / (self.module_name.replace(".", "/") + ".py")

    @property
    def sample_event(self) -> Path:
        """Its sample event, named after it: ``sam local invoke X -e events/X.json``."""
        return self.root / "events" / f"{self.logical_id}.json"

    @property
    def sam_id(self) -> str:
        """How ``sam local invoke`` names it: ``Stack/Function`` in a nested stack."""
        return f"{self.stack}/{self.logical_id}" if self.stack else self.logical_id


@dataclass(frozen=True, slots=True)
class Template:
    root: Path
    raw: dict[str, Any]
    functions: dict[str, FunctionSpec]
    stacks: dict[str, Stack] = field(default_factory=dict)

    @property
    def resources(self) -> dict[str, Any]:
        """The root stack's resources (queues, keys, the API: everything but the functions lives
        there)."""
        return dict(self.raw.get("Resources") or {})

    def of_type(self, cfn_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v.get("Type") == cfn_type}

    def routes(self) -> dict[str, FunctionSpec]:
        """``"METHOD /path"`` -> the function serving it."""
        return {route.route_key: fn for fn in self.functions.values() for route in fn.routes}

    @property
    def authorizer(self) -> tuple[FunctionSpec, int] | None:
        """The HTTP API's Lambda authorizer and its result TTL in seconds."""
        for api in self.of_type("AWS::Serverless::HttpApi").values():
            auth = (api.get("Properties") or {}).get("Auth") or {}
            default = auth.get("DefaultAuthorizer")
            cfg = (auth.get("Authorizers") or {}).get(default) or {}
            arn = cfg.get("FunctionArn") or {}
            target = (arn.get("Fn::GetAtt") or [None])[0]
            if target in self.functions:
                ttl = int((cfg.get("Identity") or {}).get("ReauthorizeEvery", 300))
                return self.functions[target], ttl
        for res in self.of_type("AWS::ApiGatewayV2::Authorizer").values():
            props = res.get("Properties") or {}
            uri = props.get("AuthorizerUri")
            text = uri.get("Fn::Sub") if isinstance(uri, dict) else None
            match = re.search(r"\$\{(\w+)\.Arn\}", text if isinstance(text, str) else "")
            if match and match.group(1) in self.functions:
                return self.functions[match.group(1)], int(props.get("AuthorizerResultTtlInSeconds", 300))
        return None

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self.raw.get("Parameters") or {})

    @property
    def global_environment(self) -> dict[str, Any]:
        return _global_environment(self.raw)

    def environment_of(self, fn: FunctionSpec) -> dict[str, Any]:
        """``fn``'s variables as its template writes them: its stack's Globals, then its own."""
        shared = self.stacks[fn.stack].global_environment if fn.stack else self.global_environment
        return {**shared, **fn.environment}


def _global_environment(raw: dict[str, Any]) -> dict[str, Any]:
    fn_globals = (raw.get("Globals") or {}).get("Function") or {}
    return dict((fn_globals.get("Environment") or {}).get("Variables") or {})


def _target(value: Any) -> str | None:
    """The logical id an intrinsic points at (``Ref X``, ``GetAtt X.attr``)."""
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref" and isinstance(arg, str):
            return arg
        if key == "Fn::GetAtt":
            return str(arg[0] if isinstance(arg, list) else str(arg).split(".", 1)[0])
    return None


def _queue_of(value: Any, parameters: dict[str, Any]) -> str | None:
    """The root queue an ARN value names, through a nested stack's parameter when it is one."""
    target = _target(value)
    if target is not None and target in parameters:
        return _target(parameters[target])
    return target


def _sam_events(props: dict[str, Any], parameters: dict[str, Any]) -> tuple[list[Any], list[Any], list[Any]]:
    routes, sqs, schedules = [], [], []
    for name, event in (props.get("Events") or {}).items():
        kind, eprops = event.get("Type"), event.get("Properties") or {}
        if kind == "HttpApi":
            auth = (eprops.get("Auth") or {}).get("Authorizer")
            routes.append(HttpRoute(str(eprops["Method"]).upper(), str(eprops["Path"]), auth != "NONE"))
        elif kind == "SQS":
            sqs.append(
                SqsSource(
                    queue=str(_queue_of(eprops.get("Queue"), parameters)),
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
    return routes, sqs, schedules


def _api_routes(resources: dict[str, Any]) -> dict[str, list[HttpRoute]]:
    """Function -> its routes, from ``AWS::ApiGatewayV2::Route`` -> integration -> function."""
    found: dict[str, list[HttpRoute]] = {}
    for res in resources.values():
        if res.get("Type") != "AWS::ApiGatewayV2::Route":
            continue
        props = res.get("Properties") or {}
        target = props.get("Target")
        text = target.get("Fn::Sub") if isinstance(target, dict) else target
        match = re.fullmatch(r"integrations/\$\{(\w+)\}", str(text))
        integration = resources.get(match.group(1)) if match else None
        function = _target((integration or {}).get("Properties", {}).get("IntegrationUri"))
        method, _, path = str(props.get("RouteKey", "")).partition(" ")
        if function is not None and path:
            authorized = props.get("AuthorizationType", "NONE") != "NONE"
            found.setdefault(function, []).append(HttpRoute(method.upper(), path, authorized))
    return found


def _event_sources(resources: dict[str, Any], parameters: dict[str, Any]) -> dict[str, list[SqsSource]]:
    found: dict[str, list[SqsSource]] = {}
    for res in resources.values():
        if res.get("Type") != "AWS::Lambda::EventSourceMapping":
            continue
        props = res.get("Properties") or {}
        function = _target(props.get("FunctionName"))
        queue = _queue_of(props.get("EventSourceArn"), parameters)
        if function is None or queue is None:
            continue
        found.setdefault(function, []).append(
            SqsSource(
                queue=queue,
                batch_size=int(props.get("BatchSize", 10)),
                window_seconds=int(props.get("MaximumBatchingWindowInSeconds", 0)),
                report_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                enabled=props.get("Enabled", True) is not False,
            )
        )
    return found


def _functions(
    raw: dict[str, Any], root: Path, base: Path, stack: str | None, parameters: dict[str, Any]
) -> dict[str, FunctionSpec]:
    globals_fn = (raw.get("Globals") or {}).get("Function") or {}
    resources = raw.get("Resources") or {}
    api_routes = _api_routes(resources)
    event_sources = _event_sources(resources, parameters)
    functions = {}
    for logical_id, res in resources.items():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        props = res.get("Properties") or {}
        routes, sqs, schedules = _sam_events(props, parameters)
        functions[logical_id] = FunctionSpec(
            logical_id=logical_id,
            code_uri=str(props.get("CodeUri") or globals_fn.get("CodeUri")).rstrip("/") + "/",
            handler=str(props.get("Handler") or globals_fn.get("Handler")),
            environment=dict((props.get("Environment") or {}).get("Variables") or {}),
            timeout=int(props.get("Timeout") or globals_fn.get("Timeout") or 3),
            routes=tuple(routes + api_routes.get(logical_id, [])),
            sqs=tuple(sqs + event_sources.get(logical_id, [])),
            schedules=tuple(schedules),
            root=root,
            stack=stack,
            base=base,
        )
    return functions


@lru_cache(maxsize=4)
def load_template(root: Path | None = None, filename: str = "template.yaml") -> Template:
    """The template ``filename`` in ``root`` (default: this checkout's ``template.yaml``) and the
    stacks it nests; code paths are relative to each template's folder, events to ``root``."""
    root = root or repo_root()
    raw = load_yaml((root / filename).read_text(encoding="utf-8"))
    functions = _functions(raw, root, root, None, {})
    stacks: dict[str, Stack] = {}
    for logical_id, res in (raw.get("Resources") or {}).items():
        if res.get("Type") != "AWS::Serverless::Application":
            continue
        props = res.get("Properties") or {}
        location = props.get("Location")
        if not isinstance(location, str) or "://" in location:
            continue  # a serverless-repo application: nothing of ours to run
        path = (root / location).resolve()
        child = load_yaml(path.read_text(encoding="utf-8"))
        stack = Stack(logical_id, path, child, dict(props.get("Parameters") or {}))
        stacks[logical_id] = stack
        for fn_id, fn in _functions(child, root, path.parent, logical_id, stack.parameters).items():
            if fn_id in functions:
                raise ValueError(f"{fn_id} is declared twice (in {stack.logical_id} and elsewhere)")
            functions[fn_id] = fn
    return Template(root=root, raw=raw, functions=functions, stacks=stacks)
