"""Batch create and batch update: up to 100 records in one request, with a result per item.

The request body is validated as a whole (a malformed item is a 422 naming ``items.<n>.<field>``
and nothing is written). Each valid item then runs in its own savepoint: an item that fails a
domain rule (a taken domain, a missing reference, a stale version) is rolled back alone and
reported with its problem document, while the others are written — with their audit rows and
events — in the route's one transaction. The route families ``batch_create_records`` and
``batch_update_records`` (``hearth.records.routes``) run an area's own create and update this way::

    run_batch(ctx, body.items, lambda item: create(ctx, item), status=201, model=Company)
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar
from uuid import UUID

import psycopg
from pydantic import BaseModel, ConfigDict, Field

from hearth.http.context import RequestContext
from hearth.http.responses import ProblemDetails, database_problem
from hearth.problems import Problem

MAX_BATCH = 100

T = TypeVar("T", bound=BaseModel)
R = TypeVar("R", bound=BaseModel)


def _item_examples(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    """The batch's example: one item, the item model's own first example."""
    annotation = cls.model_fields["items"].annotation
    (item,) = typing.get_args(annotation) or (None,)
    if isinstance(item, type) and issubclass(item, BaseModel):
        examples = item.model_json_schema().get("examples") or [{}]
        schema["examples"] = [{"items": [examples[0]]}]


def _update_examples(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    changes = cls.model_fields["changes"].annotation
    if isinstance(changes, type) and issubclass(changes, BaseModel):
        example = (changes.model_json_schema().get("examples") or [{}])[0]
        schema["examples"] = [
            {"id": "3f6d2a9c-1b7e-4c5d-8e2f-6a9b0c1d2e3f", "version": 1, "changes": example}
        ]


class BatchCreate(BaseModel, Generic[T]):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_item_examples)

    items: list[T] = Field(min_length=1, max_length=MAX_BATCH, description=f"1 to {MAX_BATCH} records.")


class BatchUpdateItem(BaseModel, Generic[T]):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_update_examples)

    id: UUID
    version: int | None = Field(
        default=None, description="The version (ETag) you last read; a stale one fails this item with 412."
    )
    changes: T


class BatchUpdate(BaseModel, Generic[T]):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_item_examples)

    items: list[BatchUpdateItem[T]] = Field(min_length=1, max_length=MAX_BATCH)


class BatchItemResult(BaseModel, Generic[R]):
    index: int = Field(description="Position of the item in the request.")
    status: int = Field(description="The status this item would have had on its own (201, 200, 404, 409, …).")
    data: R | None = None
    error: ProblemDetails | None = None


class BatchResult(BaseModel, Generic[R]):
    results: list[BatchItemResult[R]]
    succeeded: int
    failed: int


def run_batch(
    ctx: RequestContext, items: Sequence[T], operation: Callable[[T], R], *, status: int, model: type[R]
) -> BatchResult[R]:
    """Run ``operation`` on each item in its own savepoint (see the module docstring); ``model``
    is the record type of the results."""
    item_result = BatchItemResult[model]  # type: ignore[valid-type]
    results: list[BatchItemResult[R]] = []
    headers = dict(ctx.response_headers)
    for index, item in enumerate(items):
        emitted = len(ctx.emitted)
        problem: Problem | None = None
        try:
            with ctx.db.transaction():  # a savepoint inside the route's transaction
                out = operation(item)
        except Problem as exc:
            problem = exc
        except psycopg.Error as exc:
            problem = database_problem(exc)
            if problem.status >= 500:
                raise
        finally:
            ctx.response_headers.clear()
            ctx.response_headers.update(headers)
        if problem is None:
            results.append(item_result(index=index, status=status, data=out))
        else:
            del ctx.emitted[emitted:]  # those events were rolled back with the savepoint
            document = ProblemDetails(**problem.document(ctx.request.request_id))
            results.append(item_result(index=index, status=problem.status, error=document))
    failed = sum(1 for r in results if r.error is not None)
    return BatchResult[model](results=results, succeeded=len(results) - failed, failed=failed)  # type: ignore[valid-type]
