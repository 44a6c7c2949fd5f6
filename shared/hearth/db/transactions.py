"""Transactions of a :class:`hearth.db.Database`: the deferred machinery (the prelude, the
opening and the route's first statements queued in psycopg's pipeline mode and sent together
when a result is first read) and the cursor and connection classes that drive it. See the
package's docstring for how a route uses it."""

from __future__ import annotations

import contextlib
import select
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Self

import psycopg
from psycopg import pq
from psycopg.rows import DictRow

Connection = psycopg.Connection[DictRow]

_OPEN_SQL = (
    "SELECT set_config('app.org_id', %(org)s, true),"
    " set_config('app.user_id', %(user)s, true),"
    " set_config('app.audit_context', %(audit)s, true),"
    " set_config('statement_timeout', %(timeout)s, true)"
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
    """An open transaction of a :class:`hearth.db.Database` (see its ``begin``).

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
        on_end: Callable[[], None],
        conn: Connection,
        prelude_rows: list[DictRow | None],
        *,
        deferred: tuple[dict[str, str], Prelude | None, bool] | None = None,
    ) -> None:
        self._on_end = on_end  # the database's: its lock is released
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
        self._on_end()

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
