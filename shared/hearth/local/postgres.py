"""PostgreSQL for local runs and tests: the given server, or an embedded one.

``DATABASE_URL`` (an administrative user) when given; otherwise a server started from the
``pgserver`` package with its data in a local folder, kept between runs::

    admin_url = server_url(Path(".hearth/pg"))
    app_url = role_url(admin_url, "hearth_app")
"""

from __future__ import annotations

import contextlib
from pathlib import Path

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


def embedded_server(data_dir: Path) -> str:
    """Start (or reuse) the embedded server in ``data_dir``; returns its admin URL."""
    import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(data_dir), cleanup_mode=None)
    return str(server.get_uri())


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
