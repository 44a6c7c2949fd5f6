"""PostgreSQL for local runs and tests: the given server, or an embedded one.

``DATABASE_URL`` (an administrative user) when given; otherwise a server started from the
``pgserver`` package with its data in a local folder, kept between runs::

    admin_url = embedded_server(Path(".hearth/pg"))
    app_url = role_url(admin_url, "hearth_app")

``EmbeddedPostgres`` is the same server held for the life of a command (``hearth local``): it is
stopped when the last process holding it lets go, so nothing is left running::

    with EmbeddedPostgres(Path(".hearth/pg")) as pg:
        admin_url = pg.url
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

APP_ROLE = "hearth_app"
SYSTEM_ROLE = "hearth_system"


def reachable(url: str, timeout: int = 2) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=timeout) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


LOCAL_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_for_tests(root: Path) -> str:
    """The server tests and benchmarks use (an administrative URL): ``HEARTH_TEST_DATABASE_URL``
    or ``DATABASE_URL``, else the server on 127.0.0.1:5432, else an embedded one under
    ``<root>/.hearth/test-pg``."""
    url = os.environ.get("HEARTH_TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        return url
    if reachable(LOCAL_SERVER_URL):
        return LOCAL_SERVER_URL
    return embedded_server(root / ".hearth" / "test-pg")


def embedded_server(data_dir: Path) -> str:
    """Start (or reuse) the embedded server in ``data_dir``; returns its admin URL."""
    import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(data_dir), cleanup_mode=None)
    return str(server.get_uri())


class EmbeddedPostgres:
    """The embedded server in ``data_dir``, started (``initdb`` on first use) or joined if it
    already runs, and stopped on :meth:`stop` once no other live process holds it.

    pgserver counts its holders by process id in the data folder; a holder that was killed
    without cleaning up would keep the server alive for ever, so dead holders are dropped first.
    """

    HANDLES = ".handle_pids.json"

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.initialised = (self.data_dir / "PG_VERSION").exists()  # False: this start runs initdb
        self._server: Any = None

    def start(self) -> EmbeddedPostgres:
        os.environ.setdefault("XDG_RUNTIME_DIR", _runtime_dir())  # pgserver keeps its lock there
        import pgserver
        from pgserver.postgres_server import PostgresServer

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        handles = self.data_dir / self.HANDLES
        if handles.exists():
            with PostgresServer._lock:
                _drop_dead_holders(handles)
        self._server = pgserver.get_server(str(self.data_dir), cleanup_mode="stop")
        return self

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the embedded server is not started")
        return str(self._server.get_uri())

    @property
    def pid(self) -> int | None:
        if self._server is None:
            return None
        pid = self._server.get_pid()
        return int(pid) if pid else None

    def stop(self) -> None:
        """Let go of the server; pgserver stops it when this was its last holder."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None

    def __enter__(self) -> EmbeddedPostgres:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _runtime_dir() -> str:
    import tempfile

    path = Path(tempfile.gettempdir()) / f"hearth-runtime-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    return str(path)


def process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _drop_dead_holders(handles: Path) -> None:
    try:
        pids = json.loads(handles.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and process_alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive), encoding="utf-8")


def stop_embedded_server(data_dir: Path) -> None:
    import pgserver

    with contextlib.suppress(Exception):
        pgserver.get_server(str(data_dir), cleanup_mode="stop").cleanup()


def with_database(url: str, dbname: str) -> str:
    params = conninfo_to_dict(url)
    params["dbname"] = dbname
    return make_conninfo(**{k: str(v) for k, v in params.items() if v is not None})


def role_url(admin_url: str, role: str, password: str | None = None) -> str:
    """The same server and database, as ``role`` (trust or password auth)."""
    params = {k: str(v) for k, v in conninfo_to_dict(admin_url).items() if v is not None}
    params["user"] = role
    params.pop("password", None)
    if password:
        params["password"] = password
    return make_conninfo(**params)


def create_database(admin_url: str, dbname: str, *, exist_ok: bool = True) -> str:
    """Create ``dbname`` on the server of ``admin_url``; returns its admin URL."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if exists and not exist_ok:
            raise RuntimeError(f"database {dbname} already exists")
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    return with_database(admin_url, dbname)


def drop_database(admin_url: str, dbname: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
