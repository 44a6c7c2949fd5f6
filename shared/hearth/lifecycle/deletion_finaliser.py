"""The org finaliser (a daily schedule, system role): every org deleted longer ago than its grace
period is removed for good::

    finalise()   # {"orgs": 1, "rows": 5321, "waiting": 0}

For each such org, oldest first:

1. ``org.deletion_finalising`` is emitted in the org's own outbox, carrying what the provider
   areas need to let go of it once its rows are gone (the Stripe subscription to cancel, the
   Twilio numbers to release, the GitHub installation to unlink), and ``org_deletions`` records
   that its removal began. Its rows are removed only once that event has been published for
   :data:`SETTLE` (the dispatch consumer reads it from the outbox): the next daily run.
2. Every version of its objects in the buckets (``recordings/<org>/``, ``exports/<org>/``) is
   deleted; then every tenant table, children before parents (foreign-key order read from the catalog), loses
   the org's rows in batches of :data:`BATCH` by primary key, each batch its own transaction, so
   a lock is held briefly and a run stopped at any point leaves whole batches done: the next run
   goes on from what is left. The system role reaches those rows only through each table's
   ``system_*_past_grace`` policies ("its org was deleted more than 30 days ago").
3. The org's row goes last, and ``org_deletions`` records when and how many rows were removed:
   the one record that the org existed and was deleted.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any
from uuid import UUID

from psycopg import sql

from hearth import clock, db, outbox
from hearth.db import Connection
from hearth.observability import logger
from hearth.settings import settings

BATCH = 5000
ORG_DELETION_FINALISING = "org.deletion_finalising"
#: How long the finalising event has been published before the rows go: the dispatch consumer
#: reads the event from the org's outbox to route it, so the outbox must outlive its dispatch.
SETTLE = timedelta(hours=1)


def deletion_order(conn: Connection) -> list[tuple[str, tuple[str, ...]]]:
    """``(table, primary key columns)`` of every tenant table, each after the tables that reference
    it (children first), ``orgs`` last. Raises on a cycle of foreign keys."""
    tables: dict[str, tuple[str, ...]] = {}
    for row in conn.execute(
        """
        SELECT c.relname AS name,
               ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY u(n, k)
                     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = u.n ORDER BY u.k)::text[] AS pk
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
        WHERE c.relkind IN ('r', 'p')
          AND (c.relname = 'orgs' OR EXISTS (
            SELECT 1 FROM pg_attribute a
            WHERE a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped))
        """
    ).fetchall():
        tables[row["name"]] = tuple(row["pk"])
    parents: dict[str, set[str]] = defaultdict(set)  # table -> tables it references
    for row in conn.execute(
        """
        SELECT cl.relname AS child, rf.relname AS parent FROM pg_constraint k
        JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_class rf ON rf.oid = k.confrelid
        WHERE k.contype = 'f' AND cl.relname <> rf.relname
        """
    ).fetchall():
        if row["child"] in tables and row["parent"] in tables:
            parents[row["child"]].add(row["parent"])
    children: dict[str, set[str]] = defaultdict(set)
    for child, refs in parents.items():
        for parent in refs:
            children[parent].add(child)
    order: list[str] = []
    left = set(tables)
    while left:
        ready = sorted(t for t in left if not (children[t] & left))
        if not ready:
            raise RuntimeError(f"foreign keys form a cycle among {sorted(left)}")
        order.extend(ready)
        left -= set(ready)
    return [(t, tables[t]) for t in order]


def _key_column(table: str) -> str:
    return "id" if table == "orgs" else "org_id"


def delete_batch(conn: Connection, table: str, pk: tuple[str, ...], org_id: UUID, limit: int = BATCH) -> int:
    """Delete up to ``limit`` of the org's rows of ``table``; how many went."""
    key = sql.Identifier(_key_column(table))
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in pk)
    query = sql.SQL(
        "WITH gone AS (DELETE FROM {t} WHERE ({cols}) IN (SELECT {cols} FROM {t} WHERE {key} = %s LIMIT %s)"
        " RETURNING 1) SELECT count(*) AS n FROM gone"
    ).format(t=sql.Identifier(table), cols=columns, key=key)
    row = conn.execute(query, (org_id, limit)).fetchone()
    return int(row["n"]) if row else 0


def _due(conn: Connection) -> list[dict[str, Any]]:
    """Orgs past their grace period (the setting's, never shorter than the policies' 30 days)."""
    cutoff = clock.now() - timedelta(days=settings().org_deletion_grace_days)
    return conn.execute(
        "SELECT id, deleted_at FROM orgs WHERE deleted_at IS NOT NULL AND deleted_at < %s"
        " AND hearth_org_past_grace(id) ORDER BY deleted_at",
        (cutoff,),
    ).fetchall()


def _announce(org_id: UUID, deleted_at: Any) -> bool:
    """Emit ``org.deletion_finalising`` once (with what the provider areas need) and record that
    the removal began; whether the event has been published, so that the rows may go."""
    with db.system_transaction() as conn:
        found = conn.execute(
            "SELECT e.published_at FROM org_deletions d JOIN domain_events e ON e.id = d.event_id"
            " WHERE d.id = %s",
            (org_id,),
        ).fetchone()
    if found is not None:
        published = found["published_at"]
        return published is not None and published <= clock.now() - SETTLE
    with db.tenant_transaction(org_id) as conn:
        links = conn.execute(
            """
            SELECT (SELECT stripe_subscription_id FROM billing_accounts) AS stripe_subscription_id,
                   (SELECT stripe_customer_id FROM billing_accounts) AS stripe_customer_id,
                   ARRAY(SELECT provider_sid FROM phone_numbers WHERE provider_sid IS NOT NULL
                         ORDER BY provider_sid) AS twilio_number_sids,
                   (SELECT installation_id FROM github_installations) AS github_installation_id
            """
        ).fetchone()
        event_id = outbox.emit(
            conn,
            org_id=org_id,
            actor=("system", None),
            type=ORG_DELETION_FINALISING,
            resource_type="org",
            resource_id=org_id,
            data={"org_id": str(org_id), **(links or {})},
        )
    # A run stopped between the two transactions emits the event again on the next: the areas
    # that act on it let go of what is already gone without complaint.
    with db.system_transaction() as conn:
        conn.execute(
            "INSERT INTO org_deletions (id, deleted_at, event_id) VALUES (%s, %s, %s)"
            " ON CONFLICT (id) DO NOTHING",
            (org_id, deleted_at, event_id),
        )
    outbox.after_commit(org_id, [event_id])
    return False  # the rows go once the event has settled (a later run)


#: The org's objects in the buckets: (the setting naming the bucket, the key prefix before the org).
OBJECT_PREFIXES = (("recordings_bucket", "recordings/"), ("exports_bucket", "exports/"))


def delete_objects(org_id: UUID) -> int:
    """Delete every version of the org's objects (call recordings, export zips); how many. The
    recordings bucket is versioned: deleting a key would only hide it behind a delete marker."""
    from hearth import aws

    s3 = aws.client("s3", read_timeout=30)
    deleted = 0
    for setting, prefix in OBJECT_PREFIXES:
        bucket = getattr(settings(), setting)
        if not bucket:
            continue
        pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=f"{prefix}{org_id}/")
        for page in pages:
            versions = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            ]
            for start in range(0, len(versions), 1000):
                chunk = versions[start : start + 1000]
                answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
                if answer.get("Errors"):
                    raise RuntimeError(f"{len(answer['Errors'])} objects of the org could not be deleted")
                deleted += len(chunk)
    return deleted


def finalise_org(org_id: UUID, order: list[tuple[str, tuple[str, ...]]]) -> int:
    """Remove the objects and every row of one org past its grace period; the rows removed by
    this call. Objects go first: a failure leaves the rows, and the next run tries again."""
    objects = delete_objects(org_id)
    if objects:
        logger.info("org objects deleted", extra={"org_id": str(org_id), "objects": objects})
    removed = 0
    for table, pk in order:
        while True:
            with db.system_transaction() as conn:
                n = delete_batch(conn, table, pk, org_id)
                if table == "orgs":
                    conn.execute(
                        "UPDATE org_deletions SET finalised_at = now(), rows_deleted = rows_deleted + %s"
                        " WHERE id = %s",
                        (removed + n, org_id),
                    )
            removed += n
            if n < BATCH:
                break
        if table != "orgs" and removed and removed % (BATCH * 20) < BATCH:
            logger.info("org finaliser progress", extra={"org_id": str(org_id), "rows": removed})
    return removed


def finalise(event: Any = None) -> dict[str, int]:
    """The schedule's handler: every org past its grace period, removed for good."""
    with db.system_transaction() as conn:
        due = _due(conn)
        order = deletion_order(conn) if due else []
    done = rows = waiting = 0
    for org in due:
        if not _announce(org["id"], org["deleted_at"]):
            waiting += 1  # the event is not published yet: the next run goes on
            continue
        rows += finalise_org(org["id"], order)
        done += 1
        logger.info("org removed for good", extra={"org_id": str(org["id"])})
    return {"orgs": done, "rows": rows, "waiting": waiting}
