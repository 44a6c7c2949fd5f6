"""``hearth seed``: the demo tenant on a fresh database, generated members in batches with
progress, idempotent on a second run; and the demo key re-keyed when the pepper changed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from hearth_dev import demo

from tests.e2e.conftest import ROOT, stack_env

pytestmark = pytest.mark.e2e


def hearth(
    *args: str, database_url: str, state: Path, pepper: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = stack_env(database_url)
    env.pop("HEARTH_API_KEY_PEPPER", None)
    if pepper:
        env["HEARTH_API_KEY_PEPPER"] = pepper
    return subprocess.run(
        [sys.executable, "-m", "hearth_dev.cli", *args, "--state-dir", str(state)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def count(url: str, sql: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def test_seed_is_idempotent_and_shows_progress(fresh_database: str, tmp_path: Path) -> None:
    first = hearth(
        "seed", "--members", "700", database_url=fresh_database, state=tmp_path, pepper="pepper-one"
    )
    assert first.returncode == 0, first.stderr
    assert "applying 0001_platform" in first.stdout
    assert "seeding members: 500/700" in first.stdout
    assert "seeding members: 700/700 (100%)" in first.stdout
    assert "demo org created, 703 member(s) added" in first.stdout
    members = f"SELECT count(*) FROM org_members WHERE org_id = '{demo.DEMO_ORG_ID}'"
    assert count(fresh_database, members) == 704
    audit = f"SELECT count(*) FROM audit_logs WHERE org_id = '{demo.DEMO_ORG_ID}'"
    audit_rows = count(fresh_database, audit)
    # org.create, api_key.create, integration.put, email_domain.create, member.add each
    assert audit_rows == 1 + 1 + 1 + 1 + 703

    again = hearth(
        "seed", "--members", "700", database_url=fresh_database, state=tmp_path, pepper="pepper-one"
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines()[-1] == "demo org present"
    assert count(fresh_database, members) == 704
    assert count(fresh_database, audit) == audit_rows

    # another pepper (a new state folder over the same database): the demo key is re-keyed
    rekeyed = hearth("seed", database_url=fresh_database, state=tmp_path / "other", pepper="pepper-two")
    assert rekeyed.returncode == 0, rekeyed.stderr
    assert "demo API key re-keyed to the local pepper" in rekeyed.stdout
    invoked = hearth(
        "invoke",
        "AuthorizerFunction",
        database_url=fresh_database,
        state=tmp_path / "other",
        pepper="pepper-two",
    )
    assert invoked.returncode == 0, invoked.stderr
    assert '"isAuthorized": true' in invoked.stdout
