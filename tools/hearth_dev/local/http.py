"""The local stack's HTTP front: FastAPI in front of :class:`hearth_dev.sam.gateway.Gateway`.

Every request that is not ``/openapi.json``, ``/docs`` or one of ``local_routes`` (the local
stack's ``/_local/`` pages) goes to the gateway exactly as it came
(method, path, raw query string, headers in order, raw body bytes), plus the headers API Gateway
adds (``x-forwarded-for``/``-proto``/``-port``, ``x-amzn-trace-id``). The gateway builds the
payload 2.0 event, runs the authorizer and the route's function on a worker thread (each thread
stands for a Lambda execution environment), and its response is sent back as it is: status,
headers (repeated ``set-cookie`` included) and body bytes::

    app = create_app(gateway, openapi=lambda: document, executor=pool)
    uvicorn.run(app)
"""

from __future__ import annotations

import asyncio
import functools
import secrets
import time
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response

from hearth_dev.sam.gateway import Gateway

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection"}


def _trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"


def docs_assets() -> Path | None:
    """Swagger UI's files, served locally so ``/docs`` works without reaching a CDN (``None``
    when the package that ships them is missing: the page then loads them from the CDN)."""
    try:
        import fastapi_offline
    except ImportError:
        return None
    return Path(fastapi_offline.__file__).parent / "static"


def create_app(
    gateway: Gateway,
    *,
    openapi: Callable[[], dict[str, Any]],
    executor: Executor,
    title: str = "Hearth (local)",
    local_routes: Callable[[FastAPI], None] | None = None,
) -> FastAPI:
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse, JSONResponse
    from fastapi.staticfiles import StaticFiles

    app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url=None)
    assets = docs_assets()
    if assets is not None:
        app.mount("/docs/static", StaticFiles(directory=assets), name="docs-static")

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi_document() -> JSONResponse:
        loop = asyncio.get_running_loop()
        return JSONResponse(await loop.run_in_executor(executor, openapi))

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        parameters = {"persistAuthorization": True, "displayRequestDuration": True}
        if assets is None:
            return get_swagger_ui_html(
                openapi_url="/openapi.json", title=f"{title} — API", swagger_ui_parameters=parameters
            )
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{title} — API",
            swagger_js_url="/docs/static/swagger-ui-bundle.js",
            swagger_css_url="/docs/static/swagger-ui.css",
            swagger_favicon_url="/docs/static/favicon.png",
            swagger_ui_parameters=parameters,
        )

    if local_routes is not None:
        local_routes(app)  # the local stack's own pages (/_local/), before the gateway takes the rest

    @app.api_route("/{path:path}", methods=METHODS, include_in_schema=False)
    async def api_gateway(request: Request) -> Response:
        body = await request.body()
        client = request.client.host if request.client else "127.0.0.1"
        server_port = (request.scope.get("server") or ("", 80))[1]
        pairs = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        pairs += [
            ("x-forwarded-for", client),
            ("x-forwarded-port", str(server_port)),
            ("x-forwarded-proto", request.url.scheme),
            ("x-amzn-trace-id", _trace_id()),
        ]
        call = functools.partial(
            gateway.handle,
            request.method,
            request.url.path,
            raw_query=request.scope.get("query_string", b"").decode("latin-1"),
            headers=pairs,
            body=body or None,
            source_ip=client,
        )
        result = await asyncio.get_running_loop().run_in_executor(executor, call)
        response = Response(content=result.body, status_code=result.status)
        for name, value in result.headers:
            if name.lower() in _HOP_BY_HOP:
                continue
            if name.lower() == "content-type":
                response.headers["content-type"] = value
            else:
                response.headers.append(name, value)
        return response

    return app
