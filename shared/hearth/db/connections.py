"""One lazily opened connection per role per execution environment (:func:`database`), and
the transactions opened on it (:mod:`hearth.db.transactions`)."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import Any, Literal
from uuid import UUID

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg.rows import DictRow, dict_row

from hearth.db.transactions import (
    Connection,
    Prelude,
    Transaction,
    _Connection,
    _Cursor,
    _idle_and_alive,
    _queue_open,
    _queue_prelude,
    _rollback_quietly,
)
from hearth.settings import ConfigurationError, settings

logger = logging.getLogger(__name__)

Role = Literal["app", "system"]


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
            # Autocommit: transactions are opened with an explicit BEGIN, so one can be queued in
            # a pipeline with its first statements (psycopg's implicit BEGIN costs a round trip).
            return _Connection.connect(
                conninfo(self.role, refresh=refresh),
                autocommit=True,
                prepare_threshold=None,  # works behind RDS Proxy (no named prepared statements)
                row_factory=dict_row,
                cursor_factory=_Cursor,
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
    ) -> tuple[Connection, list[DictRow | None]]:
        """Start a transaction in one round trip; that round trip doubles as the liveness check.
        A prelude is sent ahead in the same round trip and committed on its own (see
        :class:`Prelude`); ``open_after=False`` sends only the prelude."""
        for attempt in (1, 2):
            conn = self.connection()
            try:
                with conn.pipeline():
                    cursors = _queue_prelude(conn, params, prelude) if prelude is not None else []
                    if open_after:
                        _queue_open(conn, params, read_only=False)
                return conn, [cur.fetchone() for cur in cursors]
            except psycopg.OperationalError:
                if attempt == 2 or not conn.broken:
                    _rollback_quietly(conn)
                    raise
                logger.warning("database connection was lost while idle; reconnecting")
                self.discard()
            except BaseException:
                _rollback_quietly(conn)
                raise
        raise AssertionError("unreachable")

    def _begin_deferred(
        self, params: dict[str, str], prelude: Prelude | None, *, read_only: bool
    ) -> Transaction:
        conn = self.connection()
        if not _idle_and_alive(conn):
            logger.warning("database connection was lost while idle; reconnecting")
            self.discard()
            conn = self.connection()
        return Transaction(self._end, conn, [], deferred=(params, prelude, read_only))

    def begin(
        self,
        org_id: str = "",
        user_id: str = "",
        prelude: Prelude | None = None,
        audit_context: str = "",
        *,
        defer: bool = False,
        read_only: bool = False,
    ) -> Transaction:
        """Open a transaction with ``app.org_id``/``app.user_id`` (and ``app.audit_context``, who
        its audit rows name: ``hearth.audit.context``) set for it alone; the caller ends it with
        :meth:`Transaction.commit` or :meth:`Transaction.rollback` on this thread.

        ``defer=True`` sends nothing yet: the prelude and the opening go with the first
        statements of the transaction (see :class:`Transaction`). ``read_only`` (deferred only):
        a route that only reads, committed by the round trip that brings its first result."""
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
            if defer:
                tx = self._begin_deferred(params, prelude, read_only=read_only)
            else:
                conn, prelude_rows = self._begin(params, prelude)
                tx = Transaction(self._end, conn, prelude_rows)
        except BaseException:
            self._lock.release()
            raise
        self._depth += 1
        return tx

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
        self, sql: str, params: dict[str, Any], org_id: str = "", *, durable: bool = True, user_id: str = ""
    ) -> DictRow | None:
        """One statement in its own transaction, sent with the tenant setting and the COMMIT in a
        single round trip (pipeline mode). Returns the statement's first row.

        ``durable=False`` commits without waiting for the WAL flush (``synchronous_commit=off``):
        for bookkeeping such as rate-limit counters, where losing the last few increments in a
        server crash is harmless and the flush would be most of the statement's cost."""
        params_ = {
            "org": org_id,
            "user": user_id,
            "audit": "",
            "timeout": str(settings().statement_timeout_ms),
        }
        with self._lock:
            if self._depth:
                raise RuntimeError("a transaction is already open on this connection")
            _conn, rows = self._begin(params_, Prelude(sql, params, durable), open_after=False)
        return rows[0] if rows else None


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
