"""Without ``DATABASE_URL`` the stack runs on the embedded PostgreSQL in its state folder: the
first start creates it (initdb, migrations, demo seed), a later start reuses the data, and
Ctrl-C stops the server it started."""

from __future__ import annotations

from pathlib import Path

import pytest
from hearth_dev import demo
from hearth_dev.local.postgres import process_alive

from tests.e2e.conftest import start_stack, wait_for

pytestmark = pytest.mark.e2e

KEY = {"authorization": f"Bearer {demo.DEMO_API_KEY}"}


def test_embedded_postgres_is_created_kept_and_stopped(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with start_stack(tmp_path / "first", database_url=None, state_dir=state) as first:
        assert "first run: creating" in first.log
        assert "embedded PostgreSQL, data in" in first.log
        assert "demo org created" in first.log
        pid = first.state["postgres_pid"]
        assert pid
        assert process_alive(pid)
        changed = first.client.patch("/v1/orgs/current", headers=KEY, json={"name": "Kept Co"})
        assert changed.status_code == 200, changed.text
        assert first.stop() == 0
    wait_for(lambda: not process_alive(pid), 10, "the embedded server to stop")

    with start_stack(tmp_path / "second", database_url=None, state_dir=state) as second:
        assert "first run" not in second.log
        assert "demo org present" in second.log
        assert second.client.get("/v1/orgs/current", headers=KEY).json()["name"] == "Kept Co"
        pid = second.state["postgres_pid"]
        assert second.stop() == 0
    wait_for(lambda: not process_alive(pid), 10, "the embedded server to stop")
