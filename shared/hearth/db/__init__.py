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

from hearth.db.conflicts import is_transaction_conflict, pause_after_conflict
from hearth.db.connections import (
    Database,
    Role,
    conninfo,
    database,
    reset,
    system_transaction,
    tenant_transaction,
)
from hearth.db.transactions import Connection, Prelude, PreludeFailed, Transaction

__all__ = [
    "Connection",
    "Database",
    "Prelude",
    "PreludeFailed",
    "Role",
    "Transaction",
    "conninfo",
    "database",
    "is_transaction_conflict",
    "pause_after_conflict",
    "reset",
    "system_transaction",
    "tenant_transaction",
]
