"""Loading and invoking handler modules the way the Lambda Python runtime does, in process::

fn = load_template().functions["OrgsCreateFunction"]
result = invoke(fn, event)
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from hearth_dev.sam.template import FunctionSpec

_lock = threading.Lock()
_modules: dict[str, ModuleType] = {}


class LambdaContext:
    """The context object a handler receives (the attributes Powertools and handlers read)."""

    def __init__(self, fn: FunctionSpec, memory_mb: int = 512) -> None:
        self.function_name = fn.logical_id
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{fn.logical_id}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{fn.logical_id}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self._deadline = time.monotonic() + fn.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_source(name: str, source: Path) -> ModuleType:
    """Import the module at ``source`` once per process as ``hearth_functions.<name>`` (two
    functions may both have a ``list.py``)."""
    with _lock:
        module = _modules.get(name)
        if module is None:
            qualified = f"hearth_functions.{name}"
            spec = importlib.util.spec_from_file_location(qualified, source)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {source}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[qualified] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(qualified, None)
                raise
            _modules[name] = module
        return module


def load_module(fn: FunctionSpec) -> ModuleType:
    """The handler module of ``fn``, imported the way the Lambda runtime does, once."""
    return load_source(fn.logical_id, fn.source)


def handler_of(fn: FunctionSpec) -> Callable[[Any, Any], Any]:
    handler: Callable[[Any, Any], Any] = getattr(load_module(fn), fn.attribute)
    return handler


def invoke(fn: FunctionSpec, event: Any, context: LambdaContext | None = None) -> Any:
    return handler_of(fn)(event, context or LambdaContext(fn))


def forget_modules() -> None:
    """Unload every handler module (tests that change settings between cold starts)."""
    with _lock:
        for logical_id in list(_modules):
            sys.modules.pop(f"hearth_functions.{logical_id}", None)
        _modules.clear()
