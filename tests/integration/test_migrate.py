"""The migration runner: idempotent, ordered, checksummed, and safe to run twice at once."""

from __future__ import annotations

import shutil
import threading

import psycopg
import pytest
from hearth_dev.local import postgres
from hearth_dev.migrate import MigrationError, migrate

from tests.conftest import ROOT


@pytest.fixture
def scratch(database, tmp_path):
    name = f"{database['name']}_mig"
    url = postgres.create_database(database["server"], name)
    folder = tmp_path / "migrations"
    folder.mkdir()
    shutil.copy(ROOT / "migrations" / "roles.sql", folder / "roles.sql")
    (folder / "0001_first.sql").write_text("CREATE TABLE first_things (id uuid PRIMARY KEY);")
    yield url, folder
    postgres.drop_database(database["server"], name)


def test_applies_once_in_order_as_the_owner(scratch):
    url, folder = scratch
    (folder / "0003_third.sql").write_text("CREATE TABLE third_things (id uuid PRIMARY KEY);")
    assert migrate(url, folder) == ["0001_first", "0003_third"]
    assert migrate(url, folder) == []
    with psycopg.connect(url) as conn:
        owners = conn.execute(
            "SELECT relowner::regrole::text FROM pg_class WHERE relname IN ('first_things', 'third_things')"
        ).fetchall()
        assert owners == [("hearth_owner",), ("hearth_owner",)]
        applied = conn.execute("SELECT version, name FROM hearth_migrations ORDER BY version").fetchall()
        assert applied == [(1, "first"), (3, "third")]


def test_a_failing_migration_changes_nothing(scratch):
    url, folder = scratch
    (folder / "0002_broken.sql").write_text("CREATE TABLE half_done (id int); SELECT no_such_function();")
    with pytest.raises(psycopg.errors.UndefinedFunction):
        migrate(url, folder)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT to_regclass('half_done')").fetchone() == (None,)
        assert conn.execute("SELECT version FROM hearth_migrations").fetchall() == [(1,)]


def test_edited_and_out_of_order_migrations_are_refused(scratch):
    url, folder = scratch
    (folder / "0002_second.sql").write_text("SELECT 1;")
    migrate(url, folder)
    (folder / "0002_second.sql").write_text("SELECT 2;")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        migrate(url, folder)
    (folder / "0002_second.sql").write_text("SELECT 1;")
    (folder / "0005_late.sql").write_text("SELECT 5;")
    migrate(url, folder)
    (folder / "0004_forgotten.sql").write_text("SELECT 4;")
    with pytest.raises(MigrationError, match="older than the newest applied"):
        migrate(url, folder)
    (folder / "0004_forgotten.sql").unlink()
    (folder / "bad-name.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"NNNN_name\.sql"):
        migrate(url, folder)


def test_two_runs_at_once_apply_each_migration_once(scratch):
    url, folder = scratch
    (folder / "0002_slow.sql").write_text("SELECT pg_sleep(0.5); CREATE TABLE slow_things (id int);")
    results, errors = [], []

    def run():
        try:
            results.append(migrate(url, folder))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results, key=len) == [[], ["0001_first", "0002_slow"]]
