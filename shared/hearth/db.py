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

A route's transaction is *deferred* (:meth:`Database.begin` with ``defer=True``): its prelude
(the rate-limit count and the credential check), its opening and the route's first statements
are queued in pipeline mode and sent together when the route first reads a result. A read
(``read_only=True``) is an implicit transaction that the pipeline's Sync commits, with the
prelude queued after its statements, so a one-statement read is one round trip; a write's
statements stay pipelined until it commits::

    tx = database("app").begin(org, user, prelude=Prelude(sql, params), defer=True, read_only=True)
    tx.on_prelude = check            # called with the prelude's rows before any result is read
    row = tx.conn.execute("SELECT ...").fetchone()   # the one round trip
    tx.commit()                      # nothing left to send
"""

from __future__ import annotations

import contextlib
import logging
import random
import select
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Self
from uuid import UUID

import psycopg
from psycopg import pq
from psycopg.conninfo import make_conninfo
from psycopg.rows import DictRow, dict_row

from hearth.settings import ConfigurationError, settings

logger = logging.getLogger(__name__)

Role = Literal["app", "system"]
Connection = psycopg.Connection[DictRow]

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


_IDLE = pq.TransactionStatus.IDLE


def _plain(conn: Connection) -> psycopg.Cursor[DictRow]:
    """A cursor that bypasses the deferred transaction's hooks (for the kit's own statements)."""
    return psycopg.Cursor(conn)


class _Cursor(psycopg.Cursor[DictRow]):
    """The cursor of every connection: before a route reads a result, its deferred transaction
    (if any) sends what it queued (see :class:`Transaction`)."""

    def _hearth_tx(self) -> Transaction | None:
        return getattr(self.connection, "hearth_tx", None)

    def _hearth_results(self, *, sync: bool = False) -> None:
        tx = self._hearth_tx()
        if tx is not None:
            tx._before_results(self if sync else None)

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None
    ) -> Self:
        tx = self._hearth_tx()
        if tx is None:
            return super().execute(query, params, prepare=prepare, binary=binary)
        tx._before_statement()
        try:
            super().execute(query, params, prepare=prepare, binary=binary)
        except psycopg.Error as exc:
            tx._statement_failed(exc)
            raise
        if tx._pending:
            tx._route_cursors.append(self)
        return self

    def executemany(self, query: Any, params_seq: Iterable[Any], *, returning: bool = False) -> None:
        tx = self._hearth_tx()
        if tx is None:
            return super().executemany(query, params_seq, returning=returning)
        tx._before_statement()
        try:
            super().executemany(query, params_seq, returning=returning)
        except psycopg.Error as exc:
            tx._statement_failed(exc)
            raise
        if tx._pending:
            tx._route_cursors.append(self)

    def fetchone(self) -> DictRow | None:
        self._hearth_results()
        return super().fetchone()

    def fetchmany(self, size: int = 0) -> list[DictRow]:
        self._hearth_results()
        return super().fetchmany(size)

    def fetchall(self) -> list[DictRow]:
        self._hearth_results()
        return super().fetchall()

    def __iter__(self) -> Self:
        self._hearth_results()
        return super().__iter__()

    # Psycopg fetches a pipelined result for fetch*() itself, not for these.
    @property
    def rowcount(self) -> int:
        self._hearth_results(sync=True)
        return super().rowcount

    @property
    def statusmessage(self) -> str | None:
        self._hearth_results(sync=True)
        return super().statusmessage


class _Connection(psycopg.Connection[DictRow]):
    #: The deferred transaction open on this connection, if any.
    hearth_tx: Transaction | None = None

    def cursor(self, *args: Any, **kwargs: Any) -> Any:
        if self.hearth_tx is not None and (args or kwargs.get("name")):
            self.hearth_tx._leave_pipeline()  # server-side cursors do not work in pipeline mode
        return super().cursor(*args, **kwargs)


def _idle_and_alive(conn: Connection) -> bool:
    """Whether an idle connection still looks usable, without a round trip: nothing may have
    arrived while it was idle (a backend that was killed sends its goodbye and closes)."""
    if conn.closed or conn.broken or conn.info.transaction_status != _IDLE:
        return False
    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    return not readable


class PreludeFailed(psycopg.OperationalError):
    """The prelude of a deferred transaction failed (not the route's own statements): the
    request cannot be counted or checked, so it is refused as the database being unavailable."""


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
        return Transaction(self, conn, [], deferred=(params, prelude, read_only))

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
                tx = Transaction(self, conn, prelude_rows)
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


# Appended to the opening statement: the prelude, and a deferred read (whose only write is its
# count), commit without waiting for the WAL flush.
_ASYNC_COMMIT = ", set_config('synchronous_commit', 'off', true)"


def _queue_open(conn: Connection, params: dict[str, str], *, read_only: bool) -> None:
    """Queue a transaction's opening. A deferred read has no BEGIN: its statements up to the
    pipeline's Sync are one implicit transaction, which the Sync commits (no COMMIT to send)."""
    if read_only:
        _plain(conn).execute(_OPEN_SQL + _ASYNC_COMMIT, params)
        return
    _plain(conn).execute("BEGIN")
    _plain(conn).execute(_OPEN_SQL, params)


def _queue_prelude(
    conn: Connection, params: dict[str, str], prelude: Prelude
) -> list[psycopg.Cursor[DictRow]]:
    """Queue the prelude as a transaction of its own (the route's user is set for it; no audit
    context: it writes no audit rows). Returns the cursors of its statements."""
    _plain(conn).execute("BEGIN")
    _plain(conn).execute(_OPEN_SQL + ("" if prelude.durable else _ASYNC_COMMIT), {**params, "audit": ""})
    cursors = _queue_statements(conn, prelude)
    _plain(conn).execute("COMMIT")
    return cursors


def _queue_statements(conn: Connection, prelude: Prelude) -> list[psycopg.Cursor[DictRow]]:
    cursors = []
    for sql, values in ((prelude.sql, prelude.params), *prelude.more):
        cur = _plain(conn)
        cur.execute(sql, values)
        cursors.append(cur)
    return cursors


def _rollback_quietly(conn: Connection) -> None:
    if conn.broken or conn.closed:
        return
    with contextlib.suppress(psycopg.Error):
        conn.rollback()


@dataclass(frozen=True, slots=True)
class Prelude:
    """Statements committed on their own *before* a transaction opens, sent with the
    transaction's opening in one round trip — for bookkeeping that must count even when the
    request then fails (rate limits) and checks that must see the database as it is now
    (revocation). ``durable=False`` commits them without waiting for the WAL flush."""

    sql: str
    params: dict[str, Any]
    durable: bool = True
    #: Further statements of the prelude, each with its parameters (one row each is returned).
    more: tuple[tuple[str, dict[str, Any]], ...] = ()


class Transaction:
    """An open transaction of a :class:`Database` (see :meth:`Database.begin`).

    A deferred one keeps its connection in pipeline mode and queues its statements until a
    result is read (or the transaction ends); that round trip also carries the prelude, whose
    rows are handed to :attr:`on_prelude` (``enforce=True``: it may raise to stop the
    transaction) before any of the route's results is.

    A write queues the prelude as a transaction of its own, then ``BEGIN`` and the tenant
    setting; it stays in pipeline mode (results are fetched when read) until :meth:`commit`
    sends ``COMMIT``. A read has no BEGIN: the tenant setting, the route's statements and the
    prelude (queued last, so its row locks are held for no longer than the Sync) are one
    implicit transaction, which the Sync of that round trip commits. When a statement of the
    route fails, the prelude did not run: it is sent again on its own (failed reads count too).
    A statement after the first round trip opens another read the same way.
    """

    def __init__(
        self,
        database: Database,
        conn: Connection,
        prelude_rows: list[DictRow | None],
        *,
        deferred: tuple[dict[str, str], Prelude | None, bool] | None = None,
    ) -> None:
        self._database = database
        self.conn = conn
        self.prelude_rows: list[DictRow | None] = prelude_rows
        #: Why the prelude failed, when it did (its statements, not the route's).
        self.prelude_error: psycopg.Error | None = None
        #: ``on_prelude(rows, enforce)``: see the class docstring.
        self.on_prelude: Callable[[Sequence[DictRow | None], bool], None] | None = None
        self.open = True
        self._stack: contextlib.ExitStack | None = None
        self._pipeline: psycopg.Pipeline | None = None
        self._prelude_cursors: list[psycopg.Cursor[DictRow]] = []
        self._pending = False  # things are queued that no round trip has sent yet
        self._reported = deferred is None
        self._read_only = False
        self._params: dict[str, str] = {}
        self._prelude: Prelude | None = None
        self._route_cursors: list[psycopg.Cursor[DictRow]] = []  # a read's, before its round trip
        if deferred is not None:
            params, prelude, read_only = deferred
            self._params, self._prelude, self._read_only = params, prelude, read_only
            self._enter_pipeline()
            try:
                if prelude is not None and not read_only:
                    self._prelude_cursors = _queue_prelude(conn, params, prelude)
                _queue_open(conn, params, read_only=read_only)
            except BaseException as exc:
                self._leave_quietly()
                _rollback_quietly(conn)
                # psycopg reads whatever results are in while it queues: a prelude statement
                # that already failed surfaces here, not at the first result. It is still the
                # prelude's failure, not the route's (nothing of the route was queued yet).
                failed = isinstance(exc, psycopg.Error) and not isinstance(exc, psycopg.OperationalError)
                if failed and prelude is not None and not read_only:
                    raise PreludeFailed(f"the request's prelude failed: {exc}") from exc
                raise
            if isinstance(conn, _Connection):
                conn.hearth_tx = self

    @property
    def prelude_row(self) -> DictRow | None:
        """The first prelude statement's row (sends what is queued, for a deferred transaction)."""
        if self._pending:
            self._round_trip()
        return self.prelude_rows[0] if self.prelude_rows else None

    # -- the deferred machinery -------------------------------------------------------------

    def _enter_pipeline(self) -> None:
        self._stack = contextlib.ExitStack()
        self._pipeline = self._stack.enter_context(self.conn.pipeline())
        self._pending = True

    def _leave_quietly(self) -> None:
        stack, self._stack, self._pipeline = self._stack, None, None
        if stack is not None:
            with contextlib.suppress(psycopg.Error):
                stack.close()

    def _collect(self, error: psycopg.Error | None) -> None:
        """The prelude's rows, once its results are in (psycopg attached them to its cursors)."""
        if self._reported:
            return
        if any(cur.pgresult is None for cur in self._prelude_cursors):
            self.prelude_rows = []
            self.prelude_error = PreludeFailed(f"the request's prelude failed: {error or 'aborted'}")
        else:
            self.prelude_rows = [cur.fetchone() for cur in self._prelude_cursors]

    def _report(self, *, enforce: bool) -> None:
        if self._reported:
            return
        self._reported = True
        if self.prelude_error is not None:
            if enforce:
                raise self.prelude_error
            return
        if self.on_prelude is not None:
            self.on_prelude(self.prelude_rows, enforce)

    def _finish_read(self) -> psycopg.Error | None:
        """A read's round trip: its count queued after its statements, then the Sync that
        commits them; returns the error of the route's statements, if any."""
        self._pending = False
        counting = self._prelude is not None and not self._reported
        error: psycopg.Error | None = None
        try:
            if counting:
                assert self._prelude is not None
                self._prelude_cursors = _queue_statements(self.conn, self._prelude)
            stack, self._stack, self._pipeline = self._stack, None, None
            assert stack is not None
            stack.close()  # Sync: everything runs, the implicit read transaction commits
        except psycopg.Error as exc:
            error = exc
            self._leave_quietly()
        route_failed = any(cur.pgresult is None for cur in self._route_cursors)
        self._route_cursors = []
        if counting and error is not None and route_failed:
            self._count_alone()
        else:
            self._collect(error)
        return error

    def _count_alone(self) -> None:
        """The prelude as a transaction of its own (the read it went with failed before it)."""
        assert self._prelude is not None
        error: psycopg.Error | None = None
        try:
            with self.conn.pipeline():
                self._prelude_cursors = _queue_prelude(self.conn, self._params, self._prelude)
        except psycopg.Error as exc:
            error = exc
            _rollback_quietly(self.conn)
        self._collect(error)

    def _round_trip(self) -> None:
        """Send what is queued and wait for all of it (a read also ends its transaction here)."""
        error: psycopg.Error | None = None
        if self._read_only:
            error = self._finish_read()
        else:
            self._pending = False
            try:
                assert self._pipeline is not None
                self._pipeline.sync()
            except psycopg.Error as exc:
                error = exc
            self._collect(error)
        if error is not None and self.prelude_error is not None:
            self._report(enforce=True)  # raises PreludeFailed
        # The prelude decides first (a spent rate limit or a revoked key wins over a failed
        # statement of the route's).
        self._report(enforce=True)
        if error is not None:
            raise error

    def _statement_failed(self, error: psycopg.Error) -> None:
        """An error arrived while a statement was being sent (in pipeline mode the server may
        answer an error before the Sync): everything before it has its results, so the prelude's
        answer is heard first, as in :meth:`_round_trip`."""
        if self._reported:
            return
        self._pending = False
        if self._read_only:  # the read's count was not queued yet: end the read, count alone
            self._route_cursors = []
            self._leave_quietly()
            if self._prelude is not None:
                self._count_alone()
        else:
            self._collect(error)
        self._report(enforce=True)  # raises PreludeFailed, or the prelude's refusal

    def _before_results(self, cursor: psycopg.Cursor[DictRow] | None) -> None:
        if self._pending:
            self._round_trip()
        elif cursor is not None and cursor.pgresult is None and self._pipeline is not None:
            self._pipeline.sync()

    def _before_statement(self) -> None:
        if self._read_only and self._pipeline is None and self.conn.info.transaction_status == _IDLE:
            # The read transaction ended with its first round trip: open another, queued with
            # this statement.
            self._enter_pipeline()
            _queue_open(self.conn, self._params, read_only=True)

    def _leave_pipeline(self) -> None:
        """Continue without pipeline mode (for a server-side cursor)."""
        if self._pending:
            self._round_trip()
        if self._pipeline is not None:
            stack, self._stack, self._pipeline = self._stack, None, None
            assert stack is not None
            stack.close()
        if self._read_only and self.conn.info.transaction_status == _IDLE:
            self._read_only = False  # from here on, an ordinary transaction
            with self.conn.pipeline():
                _plain(self.conn).execute("BEGIN READ ONLY")
                _plain(self.conn).execute(_OPEN_SQL, self._params)

    # -- ending -----------------------------------------------------------------------------

    def _release(self) -> None:
        self.open = False
        if isinstance(self.conn, _Connection) and self.conn.hearth_tx is self:
            self.conn.hearth_tx = None
        self._database._end()

    def commit(self) -> None:
        """Commit. A deferred transaction first hears its prelude (which may raise: the
        transaction is then still open, for :meth:`rollback`)."""
        if not self.open:
            raise RuntimeError("the transaction has ended")
        if self._pending:
            self._round_trip()
        self._report(enforce=True)
        try:
            if self._pipeline is not None:
                _plain(self.conn).execute("COMMIT")
                stack, self._stack, self._pipeline = self._stack, None, None
                assert stack is not None
                stack.close()
            elif self.conn.info.transaction_status != _IDLE:
                self.conn.commit()
        except BaseException:
            self._leave_quietly()
            _rollback_quietly(self.conn)
            self._release()
            raise
        self._release()

    def rollback(self) -> None:
        """Roll back (a deferred transaction's prelude still commits; its rows are collected
        and reported with ``enforce=False``)."""
        if not self.open:
            return
        try:
            if self._pipeline is not None and self._read_only:
                # Nothing of a read's is undone: its count commits, its statements changed nothing.
                self._finish_read()
            elif self._pipeline is not None:
                error: psycopg.Error | None = None
                self._pending = False
                try:
                    _plain(self.conn).execute("ROLLBACK")
                    stack, self._stack, self._pipeline = self._stack, None, None
                    assert stack is not None
                    stack.close()
                except psycopg.Error as exc:
                    error = exc
                    self._leave_quietly()
                self._collect(error)
            _rollback_quietly(self.conn)
            self._report(enforce=False)
        finally:
            self._release()


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


#: SQLSTATEs of a transaction that lost a deadlock or a serialization failure: nothing it did was
#: kept, and running it again may succeed. (psycopg's DeadlockDetected and SerializationFailure
#: are not subclasses of its TransactionRollback, so they are told by their SQLSTATE.)
_CONFLICT_STATES = frozenset({"40001", "40P01"})


def is_transaction_conflict(exc: BaseException) -> bool:
    """Whether ``exc`` is a deadlock or a serialization failure (worth running the whole
    transaction again)."""
    return isinstance(exc, psycopg.Error) and exc.sqlstate in _CONFLICT_STATES


def pause_after_conflict(attempt: int) -> None:
    """A short, jittered wait before running a transaction again after its ``attempt``-th try
    lost a conflict (so that the two sides do not collide again at once)."""
    time.sleep(random.uniform(0.005, 0.02) * attempt)  # noqa: S311 (jitter, not a secret)


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
