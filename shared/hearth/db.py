"""PostgreSQL access: one lazily opened connection per role per execution environment.

Request-path code runs inside :func:`tenant_transaction`, which sets ``app.org_id`` for that
transaction only (``set_config(..., true)``), so row-level security scopes every statement and a
reused connection carries nothing into the next request::

    with tenant_transaction(org_id) as conn:
        conn.execute("SELECT name FROM orgs").fetchone()

The few cross-tenant jobs (authorizer lookups, purges, outbox relay) use :func:`system_transaction`,
which connects as the separate, narrowly granted system role.

The connection is checked before use without an extra round trip: the statement that opens a
transaction is the check. If it fails because the backend went away while the function was
frozen (nothing has run yet), the connection is replaced and the transaction started again.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg.rows import DictRow, dict_row

from hearth.settings import ConfigurationError, settings

logger = logging.getLogger(__name__)

Role = Literal["app", "system"]
Connection = psycopg.Connection[DictRow]

_ASYNC_COMMIT_SQL = "SELECT set_config('synchronous_commit', 'off', true)"
_OPEN_SQL = (
    "SELECT set_config('app.org_id', %(org)s, true),"
    " set_config('app.user_id', %(user)s, true),"
    " set_config('app.audit_context', %(audit)s, true),"
    " set_config('statement_timeout', %(timeout)s, true)"
)


def _secret_conninfo(secret_arn: str, *, refresh: bool) -> str:
    from aws_lambda_powertools.utilities import parameters

    secret: Any = parameters.get_secret(secret_arn, transform="json", max_age=300, force_fetch=refresh)
    cfg = settings()
    return make_conninfo(
        host=cfg.db_host or secret["host"],
        port=str(secret.get("port", 5432)),
        dbname=cfg.db_name or secret.get("dbname"),
        user=secret["username"],
        password=secret["password"],
        sslmode=cfg.db_sslmode,
    )


def conninfo(role: Role, *, refresh: bool = False) -> str:
    """The connection string for ``role`` from the settings (URL locally, secret on AWS)."""
    cfg = settings()
    url, secret = (
        (cfg.database_url, cfg.db_secret_arn)
        if role == "app"
        else (cfg.system_database_url, cfg.system_db_secret_arn)
    )
    if url:
        return url
    if secret:
        return _secret_conninfo(secret, refresh=refresh)
    prefix = "" if role == "app" else "SYSTEM_"
    raise ConfigurationError(
        f"missing configuration: set HEARTH_{prefix}DATABASE_URL or HEARTH_{prefix}DB_SECRET_ARN"
    )


class Database:
    """The one connection of a role in this execution environment, opened on first use."""

    def __init__(self, role: Role) -> None:
        self.role = role
        self._conn: Connection | None = None
        self._lock = threading.RLock()
        self._depth = 0

    def _connect(self) -> Connection:
        def attempt(refresh: bool) -> Connection:
            return psycopg.connect(
                conninfo(self.role, refresh=refresh),
                prepare_threshold=None,  # works behind RDS Proxy (no named prepared statements)
                row_factory=dict_row,
                connect_timeout=5,
                application_name=f"hearth-{self.role}",
            )

        try:
            return attempt(refresh=False)
        except psycopg.OperationalError:
            if self.role == "app" and not settings().db_secret_arn:
                raise
            if self.role == "system" and not settings().system_db_secret_arn:
                raise
            # The secret may have been rotated since it was cached: fetch it again once.
            return attempt(refresh=True)

    def connection(self) -> Connection:
        """The open connection, opening it if there is none or the last one broke."""
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = self._connect()
        return self._conn

    def discard(self) -> None:
        """Drop the connection (it will be reopened on next use)."""
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None

    def _begin(
        self, params: dict[str, str], prelude: Prelude | None, *, open_after: bool = True
    ) -> tuple[Connection, DictRow | None]:
        """Start a transaction; the first statement doubles as the liveness check. A prelude is
        sent ahead in the same round trip and committed on its own (see :class:`Prelude`);
        ``open_after=False`` sends only the prelude."""
        for attempt in (1, 2):
            conn = self.connection()
            try:
                if prelude is None:
                    conn.execute(_OPEN_SQL, params)
                    return conn, None
                with conn.pipeline():
                    conn.execute(_OPEN_SQL, {**params, "user": "", "audit": ""})
                    if not prelude.durable:
                        conn.execute(_ASYNC_COMMIT_SQL)
                    cur = conn.execute(prelude.sql, prelude.params)
                    conn.commit()
                    if open_after:
                        conn.execute(_OPEN_SQL, params)
                return conn, cur.fetchone()
            except psycopg.OperationalError:
                if attempt == 2 or not conn.broken:
                    if not conn.broken:
                        conn.rollback()
                    raise
                logger.warning("database connection was lost while idle; reconnecting")
                self.discard()
            except BaseException:
                if not conn.broken:
                    conn.rollback()
                raise
        raise AssertionError("unreachable")

    def begin(
        self, org_id: str = "", user_id: str = "", prelude: Prelude | None = None, audit_context: str = ""
    ) -> Transaction:
        """Open a transaction with ``app.org_id``/``app.user_id`` (and ``app.audit_context``, who
        its audit rows name: ``hearth.audit.context``) set for it alone; the caller ends it with
        :meth:`Transaction.commit` or :meth:`Transaction.rollback` on this thread."""
        params = {
            "org": org_id,
            "user": user_id,
            "audit": audit_context,
            "timeout": str(settings().statement_timeout_ms),
        }
        self._lock.acquire()
        try:
            if self._depth:
                raise RuntimeError("a transaction is already open on this connection")
            conn, prelude_row = self._begin(params, prelude)
        except BaseException:
            self._lock.release()
            raise
        self._depth += 1
        return Transaction(self, conn, prelude_row)

    def _end(self) -> None:
        self._depth -= 1
        self._lock.release()

    @contextlib.contextmanager
    def transaction(self, org_id: str = "", user_id: str = "") -> Iterator[Connection]:
        """A transaction with ``app.org_id``/``app.user_id`` set for it alone: committed when
        the block ends, rolled back when it raises."""
        tx = self.begin(org_id, user_id)
        try:
            yield tx.conn
        except BaseException:
            tx.rollback()
            raise
        tx.commit()

    def run_once(
        self, sql: str, params: dict[str, Any], org_id: str = "", *, durable: bool = True
    ) -> DictRow | None:
        """One statement in its own transaction, sent with the tenant setting and the COMMIT in a
        single round trip (pipeline mode). Returns the statement's first row.

        ``durable=False`` commits without waiting for the WAL flush (``synchronous_commit=off``):
        for bookkeeping such as rate-limit counters, where losing the last few increments in a
        server crash is harmless and the flush would be most of the statement's cost."""
        params_ = {"org": org_id, "user": "", "audit": "", "timeout": str(settings().statement_timeout_ms)}
        with self._lock:
            if self._depth:
                raise RuntimeError("a transaction is already open on this connection")
            _conn, row = self._begin(params_, Prelude(sql, params, durable), open_after=False)
        return row


@dataclass(frozen=True, slots=True)
class Prelude:
    """A statement committed on its own *before* a transaction opens, sent with the transaction's
    opening in one round trip — for bookkeeping that must count even when the request then fails
    (rate limits). ``durable=False`` commits it without waiting for the WAL flush."""

    sql: str
    params: dict[str, Any]
    durable: bool = True


class Transaction:
    """An open transaction of a :class:`Database` (see :meth:`Database.begin`)."""

    def __init__(self, database: Database, conn: Connection, prelude_row: DictRow | None) -> None:
        self._database = database
        self.conn = conn
        self.prelude_row = prelude_row
        self.open = True

    def commit(self) -> None:
        if not self.open:
            raise RuntimeError("the transaction has ended")
        self.open = False
        try:
            self.conn.commit()
        except BaseException:
            if not self.conn.broken:
                with contextlib.suppress(psycopg.Error):
                    self.conn.rollback()
            raise
        finally:
            self._database._end()

    def rollback(self) -> None:
        if not self.open:
            return
        self.open = False
        try:
            if not self.conn.broken:
                self.conn.rollback()
        finally:
            self._database._end()


# One connection per role per execution environment. In Lambda an environment runs one
# invocation at a time; the local stack runs concurrent invocations on threads, so each thread
# stands for an environment of its own.
_local = threading.local()
_all: list[Database] = []
_all_lock = threading.Lock()


def database(role: Role = "app") -> Database:
    """The :class:`Database` of ``role`` for this execution environment."""
    registry: dict[Role, Database] | None = getattr(_local, "databases", None)
    if registry is None:
        registry = _local.databases = {}
    db = registry.get(role)
    if db is None:
        db = registry[role] = Database(role)
        with _all_lock:
            _all.append(db)
    return db


def tenant_transaction(
    org_id: UUID | str, *, user_id: UUID | str | None = None
) -> contextlib.AbstractContextManager[Connection]:
    """A transaction as the app role, scoped by row-level security to ``org_id``."""
    org = str(org_id)
    if not org:
        raise ValueError("tenant_transaction needs an org id")
    return database("app").transaction(org, str(user_id or ""))


def system_transaction() -> contextlib.AbstractContextManager[Connection]:
    """A transaction as the system role, for the named cross-tenant jobs only."""
    return database("system").transaction()


def reset() -> None:
    """Close every connection of this process (tests, and after a fork)."""
    with _all_lock:
        for db in _all:
            db.discard()
        _all.clear()
    _local.__dict__.clear()
