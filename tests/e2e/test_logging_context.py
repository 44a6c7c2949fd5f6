"""Each local invocation logs with its own context. ``hearth local`` runs concurrent invocations
on threads of one process, each thread standing for an execution environment; Powertools'
logger is one per process, and the keys an invocation sets (request id, function, org) used to be
process-wide, so a log line carried whichever invocation had set them last."""

from __future__ import annotations

import io
import json
import logging
import threading
from types import SimpleNamespace
from typing import Any

from aws_lambda_powertools.logging import correlation_paths

from hearth.observability import logger


def _context(name: str, request_id: str) -> Any:
    return SimpleNamespace(
        function_name=name,
        function_version="$LATEST",
        memory_limit_in_mb=512,
        invoked_function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
        aws_request_id=request_id,
    )


def test_concurrent_invocations_keep_their_own_keys() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    both_set = threading.Barrier(2, timeout=10)
    both_logged = threading.Barrier(2, timeout=10)

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
    def handle(event: dict[str, Any], context: Any) -> None:
        logger.append_keys(org_id=event["org"])
        both_set.wait()  # both invocations have set their keys before either logs
        logger.warning("request", extra={"path": event["rawPath"]})
        both_logged.wait()

    invocations = [
        (
            {"rawPath": f"/{x}", "org": f"org-{x}", "requestContext": {"requestId": f"req-{x}"}},
            _context(fn, f"lambda-{x}"),
        )
        for x, fn in (("a", "FnA"), ("b", "FnB"))
    ]
    try:
        threads = [threading.Thread(target=handle, args=invocation) for invocation in invocations]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
    finally:
        logger.removeHandler(handler)

    lines = {line["path"]: line for line in map(json.loads, out.getvalue().splitlines())}
    assert {path: lines[path]["correlation_id"] for path in ("/a", "/b")} == {"/a": "req-a", "/b": "req-b"}
    assert {path: lines[path]["function_name"] for path in ("/a", "/b")} == {"/a": "FnA", "/b": "FnB"}
    assert {path: lines[path]["function_request_id"] for path in ("/a", "/b")} == {
        "/a": "lambda-a",
        "/b": "lambda-b",
    }
    assert {path: lines[path]["org_id"] for path in ("/a", "/b")} == {"/a": "org-a", "/b": "org-b"}
    assert lines["/a"]["service"] == lines["/b"]["service"]  # the configured keys reach every thread


def test_a_new_thread_starts_from_the_configured_keys_only() -> None:
    logger.append_keys(org_id="set-in-another-thread")
    seen: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: seen.update(logger.get_current_keys()))
    thread.start()
    thread.join(10)
    logger.remove_keys(["org_id"])
    assert "org_id" not in seen
    assert seen["service"]
