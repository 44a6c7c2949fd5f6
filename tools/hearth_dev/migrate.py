"""The migration runner behind ``hearth migrate``.

``migrations/roles.sql`` (idempotent) runs first on every call, as the connecting user. Then each
numbered file ``NNNN_name.sql`` not yet applied runs, in order (gaps allowed, going back
not), in its own transaction as ``hearth_owner``
and is recorded in ``hearth_migrations`` with its checksum. A session advisory lock makes a second
concurrent run wait instead of racing; an applied file whose text changed is an error::

    applied = migrate("postgresql://postgres@127.0.0.1/hearth")
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg

LOCK_KEY = 0x4E415254_4D494752  # an arbitrary constant: one migration run per database at a time
FILE_PATTERN = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
OWNER_ROLE = "hearth_owner"


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def default_directory() -> Path:
    """``HEARTH_MIGRATIONS_DIR``, else ``migrations/`` of the source checkout."""
    env = os.environ.get("HEARTH_MIGRATIONS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "migrations"


def discover(directory: Path) -> list[Migration]:
    """The numbered migrations in ``directory``, in order; gaps and duplicates are errors."""
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = FILE_PATTERN.match(path.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), path))
        elif path.name != "roles.sql":
            raise MigrationError(f"{path.name}: migration files are named NNNN_name.sql")
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migrations share a version: {versions}")
    return found


def migrate(
    database_url: str,
    directory: Path | None = None,
    *,
    progress: Callable[[str], None] = lambda _msg: None,
) -> list[str]:
    """Apply what is pending; returns the names of the migrations applied by this call."""
    directory = directory or default_directory()
    migrations = discover(directory)
    applied_now: list[str] = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        try:
            with conn.transaction():
                conn.execute((directory / "roles.sql").read_text(encoding="utf-8"))
            with conn.transaction():
                conn.execute(f"SET LOCAL ROLE {OWNER_ROLE}")
                conn.execute(
                    """
                    CREATE TABLE IF NOT EXISTS hearth_migrations (
                      version     integer PRIMARY KEY,
                      name        text NOT NULL,
                      checksum    text NOT NULL,
                      applied_at  timestamptz NOT NULL DEFAULT now()
                    )
                    """
                )
            recorded = {
                row[0]: (row[1], row[2])
                for row in conn.execute("SELECT version, name, checksum FROM hearth_migrations")
            }
            newest = max(recorded, default=0)
            for index, migration in enumerate(migrations, start=1):
                label = f"{migration.version:04d}_{migration.name}"
                if migration.version in recorded:
                    if recorded[migration.version][1] != migration.checksum:
                        raise MigrationError(f"{label} was changed after it was applied")
                    continue
                if migration.version < newest:
                    raise MigrationError(f"{label} is older than the newest applied migration ({newest})")
                progress(f"[{index}/{len(migrations)}] applying {label}")
                with conn.transaction():
                    conn.execute(f"SET LOCAL ROLE {OWNER_ROLE}")
                    conn.execute(migration.sql)
                    conn.execute(
                        "INSERT INTO hearth_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                        (migration.version, migration.name, migration.checksum),
                    )
                applied_now.append(label)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
    return applied_now
