"""Human task keys: a task is ``<org prefix>-<number>`` (``HRT-42``) as well as its UUID::

    parse_key("HRT-42")            # ("HRT", 42)
    resolve(ctx, "HRT-42")         # the task's UUID (404 when this org has no HRT-42)
    KEY_IN_TEXT.finditer("Fixes HRT-42, see HRT-7")

Numbers are sequential per org (the database's trigger, migration 0090); the prefix is the org's
``task_key_prefix`` (``PATCH /v1/orgs/current``). A key is read with the org's current prefix:
after a prefix change, the old keys name nothing.
"""

from __future__ import annotations

import re
from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Path

from hearth.http.context import RequestContext
from hearth.problems import NotFound

PREFIX = r"[A-Z][A-Z0-9]{1,9}"
NUMBER = r"[1-9][0-9]{0,17}"
KEY = re.compile(rf"^({PREFIX})-({NUMBER})$")
#: Keys inside free text (commit messages, pull request titles, branch names): a key is not a
#: part of a longer word (``XHRT-1`` and ``HRT-12a`` name nothing).
KEY_IN_TEXT = re.compile(rf"(?<![A-Za-z0-9])({PREFIX})-({NUMBER})(?![A-Za-z0-9])")
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

#: A path parameter naming a task by id or by key.
TaskRef = Annotated[
    str,
    Path(
        description="The task's id, or its key (`HRT-42`: the org's task key prefix and the task's number).",
        json_schema_extra={"pattern": f"^(?:{_UUID}|{PREFIX}-{NUMBER})$"},
        max_length=36,
    ),
]


def parse_key(value: str) -> tuple[str, int] | None:
    """``(prefix, number)`` of a task key, ``None`` for anything else."""
    match = KEY.match(value)
    return (match.group(1), int(match.group(2))) if match else None


def prefix(ctx: RequestContext) -> str:
    row = ctx.db.execute("SELECT task_key_prefix FROM orgs").fetchone()
    return str(row["task_key_prefix"]) if row else ""


def resolve(ctx: RequestContext, ref: str | UUID) -> UUID:
    """The id of the task ``ref`` names (an id is taken as it is: reading it decides 404)."""
    if isinstance(ref, UUID):
        return ref
    try:
        return UUID(ref)
    except ValueError:
        pass
    parsed = parse_key(ref)
    if parsed is None:
        raise NotFound("task", ref)
    row = ctx.db.execute(
        "SELECT t.id FROM tasks t JOIN orgs o ON o.id = t.org_id"
        " WHERE o.task_key_prefix = %s AND t.number = %s",
        parsed,
    ).fetchone()
    if row is None:
        raise NotFound("task", ref)
    task_id: UUID = row["id"]
    return task_id
