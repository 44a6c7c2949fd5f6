"""``hearth local``: the whole stack of ``template.yaml`` in one process tree.

PostgreSQL (``DATABASE_URL``, else the embedded server in the state folder) with the migrations
applied and the demo tenant seeded; a moto server holding the template's queues, buckets, keys,
secrets, parameters and buses; the functions' environment pointed at both; the HTTP gateway;
one SQS poller per queue event source; the scheduler. :meth:`LocalStack.stop` takes it all down
in the reverse order, the embedded server included::

    stack = LocalStack(StackOptions(root=Path.cwd()))
    stack.start()      # returns when the gateway answers (after printing the banner)
    stack.url          # http://127.0.0.1:3000
    stack.stop()
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hearth_dev.local import postgres
from hearth_dev.local.aws import LocalAws, client
from hearth_dev.local.consumers import BatchOutcome, SqsPoller
from hearth_dev.local.environment import (
    DEV_AUDIENCE,
    DEV_ISSUER,
    FunctionEnvironment,
    LocalSecrets,
    apply,
    function_environment,
    local_overrides,
)
from hearth_dev.local.moto_process import MotoProcess
from hearth_dev.local.schedules import Scheduler
from hearth_dev.local.standins import banner_lines, local_pages, start_standins
from hearth_dev.local.workers import Deadline, Workers
from hearth_dev.sam.functions import LambdaContext, invoke
from hearth_dev.sam.template import FunctionSpec, Template, load_template
from hearth_dev.standins.providers import StandIns

logger = logging.getLogger("hearth_dev.local")

STATE_FILE = "local-stack.json"
DATABASE_NAME = "hearth"
#: How long :meth:`LocalStack.stop` waits for invocations under way (then leaves them behind);
#: stopping moto and PostgreSQL comes on top, so Ctrl-C ends the stack within ten seconds.
STOP_SECONDS = 5.0
Say = Callable[[str], None]


@dataclass
class StackOptions:
    root: Path
    template_file: str = "template.yaml"
    host: str = "127.0.0.1"
    port: int = 3000
    state_dir: Path | None = None  # default: <root>/.hearth
    database_url: str | None = None  # an administrative URL; None: the embedded server
    parameters: dict[str, str] = field(default_factory=dict)
    schedules: bool = True
    schedules_every: float | None = None
    consumers: bool = True
    seed: bool = True
    seed_members: int = 0
    concurrency: int = 8

    @property
    def state(self) -> Path:
        return self.state_dir or self.root / ".hearth"

    @property
    def migrations(self) -> Path:
        return self.root / "migrations"


# -- pieces shared with `hearth invoke`, `hearth seed` and `hearth token` ------------------------


@dataclass
class Database:
    admin_url: str
    embedded: postgres.EmbeddedPostgres | None = None
    migrated: list[str] = field(default_factory=list)

    @property
    def app_url(self) -> str:
        return postgres.role_url(self.admin_url, postgres.APP_ROLE)

    @property
    def system_url(self) -> str:
        return postgres.role_url(self.admin_url, postgres.SYSTEM_ROLE)

    def describe(self) -> str:
        if self.embedded is not None:
            return f"embedded PostgreSQL, data in {self.embedded.data_dir}"
        from psycopg.conninfo import conninfo_to_dict

        params = conninfo_to_dict(self.admin_url)
        where = params.get("host") or "localhost"
        return f"DATABASE_URL ({where}:{params.get('port') or 5432}/{params.get('dbname') or ''})"

    def close(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None


def open_database(database_url: str | None, state_dir: Path, migrations: Path | None, say: Say) -> Database:
    """``database_url`` or the embedded server, migrated (when there are migrations)."""
    from hearth_dev.migrate import migrate

    if database_url:
        if not postgres.reachable(database_url):
            raise RuntimeError("DATABASE_URL does not answer")
        database = Database(database_url)
    else:
        embedded = postgres.EmbeddedPostgres(state_dir / "pg")
        say(
            "starting embedded PostgreSQL"
            + ("" if embedded.initialised else f" (first run: creating {embedded.data_dir})")
        )
        embedded.start()
        database = Database(postgres.create_database(embedded.url, DATABASE_NAME), embedded)
    try:
        if migrations is not None and migrations.is_dir():
            database.migrated = migrate(database.admin_url, migrations, progress=lambda m: say(f"  {m}"))
    except BaseException:
        database.close()
        raise
    return database


def configure(
    template: Template,
    aws: LocalAws | None,
    database: Database,
    secrets: LocalSecrets,
) -> FunctionEnvironment:
    """Resolve every function's environment and set the union (with local overrides) in
    ``os.environ``; settings are parsed afresh afterwards."""
    from hearth.settings import settings
    from hearth_dev.local.intrinsics import Resolver

    resolver = aws.resolver if aws is not None else Resolver(template.raw)
    env = function_environment(template, resolver)
    overrides = local_overrides(
        app_url=database.app_url,
        system_url=database.system_url,
        secrets=secrets,
        aws_endpoint=aws.endpoint if aws is not None else None,
    )
    pool = env.variables.get("HEARTH_COGNITO_USER_POOL_ID")
    if pool and aws is not None:  # the pool's keys, as moto serves them (not Cognito's public URL)
        env.variables["HEARTH_JWKS_URL"] = f"{aws.endpoint}/{pool}/.well-known/jwks.json"
    apply(env.variables, overrides)
    os.environ.setdefault("HEARTH_ROOT", str(template.root))
    settings.cache_clear()
    return env


def demo_token(secrets: LocalSecrets, *, ttl_seconds: int = 12 * 3600) -> str:
    from hearth.auth.tokens import mint_dev_token
    from hearth_dev import demo

    return mint_dev_token(
        demo.DEMO_USER_SUBJECT,
        email=demo.DEMO_USER_EMAIL,
        name="Demo Owner",
        org_id=str(demo.DEMO_ORG_ID),
        ttl_seconds=ttl_seconds,
        secret=secrets.jwt_dev_secret,
        # With the user pool, the configured issuer is the pool's: development tokens name their own.
        issuer=DEV_ISSUER
        if os.environ.get("HEARTH_COGNITO_CLIENT_ID")
        else os.environ.get("HEARTH_JWT_ISSUER") or DEV_ISSUER,
        audience=os.environ.get("HEARTH_JWT_AUDIENCE") or DEV_AUDIENCE,
    )


def running_stack(state_dir: Path) -> dict[str, Any] | None:
    """The state of a ``hearth local`` running from ``state_dir``, if one is."""
    path = state_dir / STATE_FILE
    try:
        state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if postgres.process_alive(int(state.get("pid", 0))) else None


# -- the invocation log -------------------------------------------------------------------------


class InvocationLog:
    """One line per invocation: time, function, outcome, duration."""

    def __init__(self, say: Say) -> None:
        self._say = say
        self._lock = threading.Lock()
        self.count = 0

    def line(self, function: str, outcome: str, seconds: float, detail: str = "") -> None:
        stamp = datetime.now(UTC).strftime("%H:%M:%S")
        text = f"{stamp}  {function:<34} {outcome:<6} {seconds * 1000:7.1f} ms"
        with self._lock:
            self.count += 1
            self._say(text + (f"  {detail}" if detail else ""))

    def http(self, function: str, status: int, seconds: float) -> None:
        self.line(function, str(status), seconds)

    def batch(self, poller: SqsPoller, outcome: BatchOutcome, seconds: float) -> None:
        detail = (
            f"sqs {poller.queue_name}: {outcome.received} received, {outcome.deleted} deleted,"
            f" {outcome.failed} left for retry"
        )
        if outcome.error:
            detail += f" ({outcome.error})"
        self.line(poller.function.logical_id, "error" if outcome.error else "ok", seconds, detail)


# -- the stack ----------------------------------------------------------------------------------


class LocalStack:
    def __init__(self, options: StackOptions, say: Say = print) -> None:
        self.options = options
        self.say = say
        self.template = load_template(options.root.resolve(), options.template_file)
        self.log = InvocationLog(say)
        self.url = ""
        self.database: Database | None = None
        self.moto: MotoProcess | None = None
        self.aws: LocalAws | None = None
        self.env: FunctionEnvironment | None = None
        self.secrets: LocalSecrets | None = None
        self.pollers: list[SqsPoller] = []
        self.scheduler: Scheduler | None = None
        self.standins: StandIns | None = None
        self.cognito: dict[str, str] | None = None
        self.seed_summary = ""
        self._executor: Workers | None = None
        self._server: Any = None
        self._server_thread: threading.Thread | None = None
        self._openapi: dict[str, Any] | None = None
        self._openapi_lock = threading.Lock()
        self.ready_seconds = 0.0

    # -- start ----------------------------------------------------------------------------------

    def start(self, started_at: float | None = None) -> None:
        began = started_at if started_at is not None else time.perf_counter()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        self.ready_seconds = time.perf_counter() - began
        self.say(self.banner())
        self._write_state()  # last: its appearance tells scripts and tests the stack is ready

    def _start(self) -> None:
        opts = self.options
        opts.state.mkdir(parents=True, exist_ok=True)
        self.secrets = LocalSecrets.load(opts.state)
        sock = self._bind()  # fail early if the port is taken
        self.moto = MotoProcess().launch()  # moto loads in its own process meanwhile
        self.database = open_database(opts.database_url, opts.state, opts.migrations, self.say)

        self.moto.ready()
        self.aws = LocalAws(self.moto.endpoint, self.template, parameters=opts.parameters)
        self.aws.provision()
        self.env = configure(self.template, self.aws, self.database, self.secrets)
        for name, values in sorted(self.env.conflicts.items()):
            self.say(f"warning: functions disagree on {name}: {values} (one process: the first wins)")
        for problem in self.env.unresolved:
            self.say(f"warning: not set locally: {problem}")
        self.standins = start_standins(opts.state, self.url)

        if opts.seed and opts.migrations.is_dir():
            from hearth_dev.local.seed import seed_demo, summary

            self.seed_summary = summary(
                seed_demo(self.database.admin_url, members=opts.seed_members, progress=_progress(self.say))
            )

        self.cognito = self._cognito_demo() if opts.seed else None

        from hearth_dev.sam.gateway import Gateway

        self._executor = Workers(opts.concurrency, "invoke")
        gateway = Gateway(self.template, on_invoke=self.log.http)
        self._serve(gateway, sock)
        if opts.consumers:
            self._start_pollers()
        if opts.schedules:
            self.scheduler = Scheduler(self.template, self._invoke_scheduled, every=opts.schedules_every)
            self.scheduler.start()
        threading.Thread(target=self._warm, name="warm-up", daemon=True).start()

    def _bind(self) -> socket.socket:
        sock = listening_socket(self.options.host)
        try:
            sock.bind((self.options.host, self.options.port))
        except OSError as exc:
            sock.close()
            raise RuntimeError(f"cannot listen on {self.options.host}:{self.options.port}: {exc}") from exc
        sock.listen(128)
        host, port = sock.getsockname()[:2]
        shown = "localhost" if host in ("127.0.0.1", "::1") else host
        self.url = f"http://{shown}:{port}"
        return sock

    def _serve(self, gateway: Any, sock: socket.socket) -> None:
        import uvicorn

        from hearth_dev.local.http import create_app

        assert self._executor is not None
        pages = local_pages(self.standins, self.aws.endpoint if self.aws else None)
        app = create_app(gateway, openapi=self.openapi, executor=self._executor, local_routes=pages)
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=2
        )
        self._server = uvicorn.Server(config)
        self._server_thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="http", daemon=True
        )
        self._server_thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._server_thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the HTTP gateway did not start")
            self._server_thread.join(0.02)

    def _start_pollers(self) -> None:
        assert self.aws is not None
        assert self.moto is not None
        sqs = client("sqs", self.moto.endpoint)
        for fn in sorted(self.template.functions.values(), key=lambda f: f.logical_id):
            for source in fn.sqs:
                if not source.enabled:
                    continue
                queue = self.aws.created.get(source.queue)
                if queue is None:
                    self.say(f"warning: {fn.logical_id} reads {source.queue}, which is not a queue here")
                    continue
                poller = SqsPoller(
                    fn,
                    source,
                    queue.ref,
                    queue.attributes["Arn"],
                    sqs,
                    invoke=self._invoke_quietly,
                    on_batch=self.log.batch,
                    concurrency=consumer_concurrency(self.template, fn),
                )
                poller.start()
                self.pollers.append(poller)

    def _invoke_quietly(self, fn: FunctionSpec, event: Any) -> Any:
        return invoke(fn, event, LambdaContext(fn))

    def _invoke_scheduled(self, fn: FunctionSpec, event: Any) -> Any:
        started = time.perf_counter()
        try:
            result = invoke(fn, event, LambdaContext(fn))
        except Exception as exc:
            self.log.line(fn.logical_id, "error", time.perf_counter() - started, f"schedule ({exc})")
            raise
        self.log.line(fn.logical_id, "ok", time.perf_counter() - started, "schedule")
        return result

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI document (built once, on first use)."""
        with self._openapi_lock:
            if self._openapi is None:
                self._openapi = local_openapi(self.template)
            return self._openapi

    def _warm(self) -> None:
        """Load every function module once in the background (their cold starts happen here
        instead of in the first requests; a module that fails to import is reported now)."""
        from hearth_dev.sam.functions import load_module

        for fn in self.template.functions.values():
            try:
                load_module(fn)
            except Exception as exc:
                self.say(f"warning: {fn.logical_id} fails to load: {type(exc).__name__}: {exc}")
        try:
            self.openapi()
        except Exception as exc:
            self.say(f"warning: the OpenAPI document cannot be built: {exc}")

    def _cognito_demo(self) -> dict[str, str] | None:
        """The template's user pool, in moto: a demo user with a password, an admin of the demo org."""
        from hearth_dev.cognito import local_demo

        assert self.aws is not None
        pool = os.environ.get("HEARTH_COGNITO_USER_POOL_ID")
        client = os.environ.get("HEARTH_COGNITO_CLIENT_ID")
        if not pool or not client:
            return None
        return local_demo(self.aws.endpoint, pool, client, self.options.state)

    def _write_state(self) -> None:
        state = {
            "pid": os.getpid(),
            "url": self.url,
            "aws_endpoint": self.moto.endpoint if self.moto else "",
            "moto_pid": self.moto.pid if self.moto else None,
            "ready_seconds": round(self.ready_seconds, 3),
            "postgres_pid": self.database.embedded.pid if self.database and self.database.embedded else None,
            "consumers": [p.function.logical_id for p in self.pollers],
            "schedules": [s.name for s in self.scheduler.schedules] if self.scheduler else [],
            "public_base_url": self.url,
            "standins": self.standins.state() if self.standins else {},
        }
        path = self.options.state / STATE_FILE
        written = path.with_suffix(".tmp")
        written.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
        written.replace(path)  # at once: whoever sees the file can read it whole

    # -- stop -----------------------------------------------------------------------------------

    def stop(self) -> list[str]:
        """Take everything down, newest first; safe to call more than once.

        Everything that runs functions is told to stop at once, then waited for within
        :data:`STOP_SECONDS` in all: an invocation still running then (a consumer retrying a slow
        endpoint, a long request) is left behind on its daemon thread, and its name returned.
        If anything is left behind, this process ends by itself a second after this returns, even
        if a thread the interpreter joins at exit (a library's ``ThreadPoolExecutor``) is busy."""
        from hearth import db

        left = self._stop_invocations(Deadline(STOP_SECONDS))
        if self.standins is not None:
            self.standins.stop()
            self.standins = None
        if left:
            self.say(f"not waiting for invocations still running: {', '.join(left)}")
        else:
            db.reset()  # (connections in use by a thread left behind are not closed under it)
        if self.moto is not None:
            self.moto.stop()
            self.moto = None
        if self.database is not None:
            self.database.close()
            self.database = None
        (self.options.state / STATE_FILE).unlink(missing_ok=True)
        if left:
            _exit_after(1.0)
        return left

    def _stop_invocations(self, deadline: Deadline) -> list[str]:
        """Stop the gateway, scheduler and pollers together; the threads still busy at the
        deadline."""
        if self._server is not None:
            self._server.should_exit = True
        for poller in self.pollers:
            poller.request_stop()
        left: list[str] = []
        if self._server is not None and self._server_thread is not None:
            self._server_thread.join(deadline.left(3.0))
            if self._server_thread.is_alive():
                self._server.force_exit = True
                self._server_thread.join(deadline.left(0.5))
        self._server = None
        if self.scheduler is not None:
            left += [t.name for t in self.scheduler.stop(deadline.left())]
            self.scheduler = None
        for poller in self.pollers:
            left += [t.name for t in poller.stop(deadline.left())]
        self.pollers = []
        if self._executor is not None:
            left += [t.name for t in self._executor.stop(deadline.left())]
            self._executor = None
        return left

    # -- the banner -----------------------------------------------------------------------------

    def banner(self) -> str:
        from hearth_dev import demo

        assert self.secrets is not None
        assert self.database is not None
        assert self.aws is not None
        lines = [
            "",
            f"Hearth local stack ready in {self.ready_seconds:.1f}s",
            "",
            f"  API            {self.url}",
            f"  docs           {self.url}/docs",
            f"  OpenAPI        {self.url}/openapi.json",
            f"  PostgreSQL     {self.database.describe()}",
            f"  AWS (moto)     {self.aws.endpoint}",
            f"  functions      {len(self.template.functions)}"
            f" ({sum(len(f.routes) for f in self.template.functions.values())} routes)"
            + (f" in {len(self.template.stacks)} nested stacks" if self.template.stacks else ""),
        ]
        for queue in self.aws.queues().values():
            readers = [p.function.logical_id for p in self.pollers if p.queue_url == queue.ref]
            lines.append(
                f"  queue          {queue.attributes['QueueName']}"
                + (f" -> {', '.join(readers)}" if readers else "")
            )
        if self.cognito:
            lines.append(
                f"  user pool      {self.cognito['pool_id']} (moto): sign in as {self.cognito['email']}"
            )
            lines.append(f"                 password {self.cognito['password']}  (`hearth token --cognito`)")
        if self.standins is not None:
            lines += banner_lines(self.standins, self.url)
        if self.scheduler is not None:
            for name, expression, when in self.scheduler.upcoming():
                at = when.strftime("%H:%M:%S UTC") if when else "never"
                lines.append(f"  schedule       {name} {expression}, next {at}")
        if self.seed_summary:
            token = demo_token(self.secrets)
            lines += [
                f"  demo org       {demo.DEMO_ORG_ID} ({self.seed_summary})",
                f"  demo API key   {demo.DEMO_API_KEY}",
                f"  demo token     {token}",
                "",
                f'  curl -H "Authorization: Bearer {demo.DEMO_API_KEY}" {self.url}/v1/orgs/current',
                "  hearth token --user SUBJECT --role member   # a token for another user",
            ]
        lines += ["", "Ctrl-C stops everything.", ""]
        return "\n".join(lines)

    def wait(self, stop: threading.Event) -> None:
        """Block until ``stop`` is set or the gateway dies."""
        while not stop.wait(0.5):
            if self._server_thread is not None and not self._server_thread.is_alive():
                self.say("the HTTP gateway stopped unexpectedly")
                return


def local_openapi(template: Template) -> dict[str, Any]:
    """The merged OpenAPI document of the route kit; for a template whose functions do not use
    the kit, a plain one listing its routes."""
    from hearth_dev.sam.openapi import build_openapi

    try:
        return build_openapi(template)
    except TypeError:
        paths: dict[str, dict[str, Any]] = {}
        for fn in template.functions.values():
            for route in fn.routes:
                paths.setdefault(route.path, {})[route.method.lower()] = {
                    "operationId": fn.logical_id,
                    "responses": {"default": {"description": "the function's response"}},
                }
        return {"openapi": "3.1.0", "info": {"title": "Local stack", "version": "0"}, "paths": paths}


#: The most batches of one queue a local consumer runs at once, whatever the template allows.
MAX_CONSUMER_CONCURRENCY = 5


def consumer_concurrency(template: Template, fn: FunctionSpec) -> int:
    """How many batches of its queue ``fn`` handles at once locally: the ``ScalingConfig``
    ``MaximumConcurrency`` its SQS event sources declare (SAM ``SQS`` events, or
    ``AWS::Lambda::EventSourceMapping`` resources of its stack), at most
    :data:`MAX_CONSUMER_CONCURRENCY`; one when they declare none."""
    stack = template.stacks.get(fn.stack) if fn.stack else None
    resources: dict[str, Any] = (stack.raw if stack else template.raw).get("Resources") or {}
    configs: list[dict[str, Any]] = []
    events = ((resources.get(fn.logical_id) or {}).get("Properties") or {}).get("Events") or {}
    for event in events.values():
        if isinstance(event, dict) and event.get("Type") == "SQS":
            configs.append(event.get("Properties") or {})
    for resource in resources.values():
        if isinstance(resource, dict) and resource.get("Type") == "AWS::Lambda::EventSourceMapping":
            props = resource.get("Properties") or {}
            if _names(props.get("FunctionName"), fn.logical_id):
                configs.append(props)
    declared = [
        int(config["ScalingConfig"]["MaximumConcurrency"])
        for config in configs
        if isinstance(config.get("ScalingConfig"), dict) and "MaximumConcurrency" in config["ScalingConfig"]
    ]
    return max(1, min([*declared, MAX_CONSUMER_CONCURRENCY])) if declared else 1


def _names(value: Any, logical_id: str) -> bool:
    """Whether a ``FunctionName`` value (a name, ``Ref`` or ``GetAtt``) is ``logical_id``."""
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            return bool(arg == logical_id)
        if key == "Fn::GetAtt":
            target = arg[0] if isinstance(arg, list) else str(arg).split(".", 1)[0]
            return bool(target == logical_id)
    return bool(value == logical_id)


def listening_socket(host: str) -> socket.socket:
    """A TCP socket for ``host`` (not yet bound) whose connections send small answers at once.

    The socket is made with ``IPPROTO_TCP`` named: asyncio sets ``TCP_NODELAY`` only on
    connections of such sockets, and without it every keep-alive answer written in two parts
    (head, then body) waited ~40 ms for the client's delayed ACK (Nagle's algorithm)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _exit_after(seconds: float) -> None:
    """End this process ``seconds`` from now if it has not ended by then: a busy thread the
    interpreter joins at exit (a ``ThreadPoolExecutor``'s) must not hold it."""

    def watchdog() -> None:
        time.sleep(seconds)
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(0)

    threading.Thread(target=watchdog, name="stop-watchdog", daemon=True).start()


def _progress(say: Say) -> Callable[[str, int, int], None]:
    def report(what: str, done: int, total: int) -> None:
        say(f"  seeding {what}: {done}/{total} ({done * 100 // max(total, 1)}%)")

    return report


def print_flush(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
