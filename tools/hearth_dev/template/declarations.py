"""The functions of ``functions/<area>/``, as their modules declare them.

A function is a module with a handler and one declaration: a route (``api = Api()`` and its
decorator, or a route family of the kit), a provider webhook (``hook = Hook()`` and its
decorator), a queue consumer (``consumer = Consumer(...)``) or a schedule
(``schedule = Schedule(...)``). Its logical id comes from where it lives::

    functions/crm/companies/list.py                -> CompaniesListFunction     (stack Crm)
    functions/webhooks/consumers/event_dispatch.py -> EventDispatchFunction     (stack Webhooks)

``functions/authorizer/`` belongs to the root stack, which declares it by hand.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hearth.deployment import Consumer, Schedule
from hearth.hooks import Hook, HookSpec
from hearth.http import Api, RouteSpec
from hearth.needs import Need
from hearth_dev.sam.functions import load_source

#: Folders whose name is the kind of function, not part of its logical id.
KIND_FOLDERS = ("consumers", "schedules")
#: Folders of ``functions/`` that are not areas (their functions are declared in template.yaml).
ROOT_FOLDERS = ("authorizer", "cognito_triggers")
HANDLER = "handler"


def camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


@dataclass(frozen=True)
class Declared:
    logical_id: str
    area: str  # the folder under functions/ (the nested stack)
    folder: str  # the folder under the area: the function's CodeUri
    module: str  # the module's name: the handler is <module>.handler
    source: Path
    description: str
    needs: tuple[Need, ...]
    route: RouteSpec | None = None
    hook: HookSpec | None = None
    consumer: Consumer | None = None
    schedule: Schedule | None = None

    @property
    def stack(self) -> str:
        return camel(self.area)

    @property
    def endpoint(self) -> RouteSpec | HookSpec | None:
        """What the function serves over the HTTP API: a route, or a provider webhook."""
        return self.route or self.hook


def logical_id(folder: str, module: str) -> str:
    prefix = "" if folder in KIND_FOLDERS else camel(folder)
    return f"{prefix}{camel(module)}Function"


def _description(module: Any, fallback: str) -> str:
    doc = inspect.getdoc(module) or fallback
    first = doc.strip().split("\n\n", 1)[0].replace("\n", " ")
    return first if len(first) <= 256 else first[:255] + "…"


def declare(area: str, source: Path) -> Declared:
    """Load ``source`` and read its declaration (``TypeError`` when it has none, or two)."""
    folder, module_name = source.parent.name, source.stem
    ident = logical_id(folder, module_name)
    module = load_source(ident, source)
    if not callable(getattr(module, HANDLER, None)):
        raise TypeError(f"{source}: no `{HANDLER}`")
    api = getattr(module, "api", None)
    hook = getattr(module, "hook", None)
    consumer = getattr(module, "consumer", None)
    schedule = getattr(module, "schedule", None)
    found = [d for d in (api, hook, consumer, schedule) if d is not None]
    if len(found) != 1:
        raise TypeError(f"{source}: declare exactly one of `api`, `hook`, `consumer` or `schedule`")

    def declared(description: str, needs: tuple[Need, ...], **kind: Any) -> Declared:
        return Declared(ident, area, folder, module_name, source, description, needs, **kind)

    if isinstance(api, Api):
        if api.spec is None:
            raise TypeError(f"{source}: its `api` declares no route")
        return declared(_description(module, api.spec.route_key), api.spec.needs, route=api.spec)
    if isinstance(hook, Hook):
        if hook.spec is None:
            raise TypeError(f"{source}: its `hook` declares no webhook")
        return declared(_description(module, hook.spec.route_key), hook.spec.needs, hook=hook.spec)
    if isinstance(consumer, Consumer):
        return declared(consumer.description, consumer.declared, consumer=consumer)
    if isinstance(schedule, Schedule):
        return declared(schedule.description, schedule.declared, schedule=schedule)
    kind = type(found[0]).__name__
    raise TypeError(f"{source}: `{kind}` is not a route, webhook, consumer or schedule declaration")


def areas(functions: Path) -> list[str]:
    return sorted(
        p.name
        for p in functions.iterdir()
        if p.is_dir() and p.name not in ROOT_FOLDERS and not p.name.startswith((".", "_"))
    )


def discover(functions: Path) -> dict[str, list[Declared]]:
    """Every declared function, by area, in a stable order; logical ids are unique."""
    found: dict[str, list[Declared]] = {}
    seen: dict[str, Path] = {}
    for area in areas(functions):
        declared = []
        for source in sorted((functions / area).glob("*/*.py")):
            if source.name.startswith("_"):
                continue
            fn = declare(area, source)
            if fn.logical_id in seen:
                raise ValueError(f"{source} and {seen[fn.logical_id]} are both {fn.logical_id}")
            seen[fn.logical_id] = source
            declared.append(fn)
        if declared:
            found[area] = declared
    return found
