"""``hearth seed`` (and ``hearth token --role``) write the demo tenant, whose API key is
well known, and memberships without invitations: they refuse anything but a database on this
machine, on the local or test stage."""

from __future__ import annotations

import pytest
from hearth_dev import cli
from hearth_dev.local.seed import SeedRefused, refuse_unless_local

LOCAL = (
    "postgresql://postgres@127.0.0.1:5432/postgres",
    "postgresql://postgres@localhost/hearth",
    "postgresql://postgres@[::1]:5432/hearth",
    "postgresql://postgres:@/postgres?host=/tmp/pg-socket",
    "host=/var/run/postgresql dbname=hearth",
)
REMOTE = (
    "postgresql://admin@hearth-prod.cluster-abc.eu-west-1.rds.amazonaws.com/hearth",
    "postgresql://admin@10.0.3.7/hearth",
    "postgresql://admin@127.0.0.1,db.example.com/hearth",
)


@pytest.mark.parametrize("url", LOCAL)
def test_a_local_database_on_a_local_stage_is_seeded(url):
    refuse_unless_local(url, {"HEARTH_STAGE": "local"})
    refuse_unless_local(url, {"HEARTH_STAGE": "test"})
    refuse_unless_local(url, {})  # the hearth command's default stage is local


@pytest.mark.parametrize("url", REMOTE)
def test_a_database_elsewhere_is_refused(url):
    with pytest.raises(SeedRefused, match="only a database on this machine"):
        refuse_unless_local(url, {"HEARTH_STAGE": "local"})


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_a_deployed_stage_is_refused(stage):
    with pytest.raises(SeedRefused, match=stage):
        refuse_unless_local(LOCAL[0], {"HEARTH_STAGE": stage})


def test_the_commands_refuse_before_touching_the_database(monkeypatch, capsys):
    # Nothing listens on these hosts: a command that tried to connect would fail otherwise.
    remote = REMOTE[0]
    assert cli.main(["seed", "--database-url", remote]) == 2
    assert "refusing to seed" in capsys.readouterr().err
    assert cli.main(["token", "--role", "owner", "--database-url", remote]) == 2
    monkeypatch.setenv("HEARTH_STAGE", "prod")
    assert cli.main(["seed", "--database-url", LOCAL[0]]) == 2
    assert "'prod' stage" in capsys.readouterr().err
