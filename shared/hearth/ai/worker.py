"""The AI worker: one queued run, from its claim to its outcome (the AiRunQueue consumer)::

    process(AiRunMessage(org_id, run_id))      # idempotent: a run no longer queued is left alone

1. **Claim** the run (``queued`` -> ``running``) in a tenant transaction, and in the same one find
   the requester's *current* role (a user who left the org fails the run
   ``requester_not_a_member``), build the task's minimal context as that user
   (``hearth.ai.context``: RLS and RBAC of the requester) and read the org's budget left.
2. **Redact** the context and the instructions (``hearth.ai.redaction``, the kinds the org
   redacts): emails, phones, cards, IBANs and national ids become ``<EMAIL_1>``... placeholders.
3. **Ask Anthropic** (``hearth.ai.provider``: the Messages API through the ``anthropic`` SDK, the
   platform key, the model of ``HEARTH_ANTHROPIC_MODEL``): the task's fixed system prompt marked
   for prompt caching, the redacted context as the user turn. ``ask`` may call the read-only tools
   (``hearth.ai.tools``), each in a tenant transaction as the requester, their results redacted
   too, for at most :attr:`Limits.tool_rounds` rounds; the last turn may not call a tool.
   429, 529 and other temporary answers are retried honouring ``retry-after``, within a hard
   deadline under the function's timeout; each call is capped by what the org's monthly budget
   has left, and a run that would overrun it stops before calling.
4. **Finish**: the answer is parsed against the task's schema, its placeholders restored; the run
   is stored ``completed`` (output, usage, stop reason, the records shown) or ``failed`` with a
   sanitised ``{code, message}``; the tokens go to the usage ledger and ``ai.run.completed`` or
   ``ai.run.failed`` to the outbox, in one transaction, relayed after the commit.

Nothing the provider returns, no prompt and no context is ever logged: log lines carry ids,
counts and error codes only. The provider's error text never reaches the run either: each
failure is one of :data:`ERRORS`.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from hearth import clock, db, outbox, rbac
from hearth.ai import budget, context, provider, redaction, store, tools
from hearth.ai.messages import AiRunMessage
from hearth.ai.tasks import TASKS, InvalidOutput, Task
from hearth.members import store as members_store
from hearth.observability import logger
from hearth.settings import ConfigurationError, settings

#: Sanitised failures: the code a failed run carries, and the message shown with it.
ERRORS: dict[str, str] = {
    "requester_not_a_member": "The user who asked is no longer a member of the organisation.",
    "subject_gone": "The record the run is about no longer exists.",
    "subject_unreadable": "The user who asked may no longer read the record the run is about.",
    "no_thread": "There is no SMS or email thread with this person to reply to.",
    "context_unavailable": "The records the run needs could not be read.",
    "quota_exceeded": "The organisation's AI token budget for this month is used up.",
    "provider_rate_limited": "The AI provider is rate limiting requests; try again later.",
    "provider_overloaded": "The AI provider is overloaded; try again later.",
    "provider_unreachable": "The AI provider could not be reached.",
    "provider_error": "The AI provider could not answer the request.",
    "provider_refused": "The AI provider declined to answer.",
    "timeout": "The AI provider did not answer in time.",
    "invalid_output": "The answer did not have the expected form.",
    "too_many_tool_rounds": "The question needed more look-ups than a run may make.",
    "not_configured": "The AI assistant is not configured on this deployment.",
    "interrupted": "The run was interrupted before it finished; ask again.",
    "internal_error": "The run failed unexpectedly.",
}


@dataclass(frozen=True)
class Limits:
    """How long and how far one run may go."""

    #: The hard deadline of a run, from its claim (the function's timeout is 120 s).
    run_seconds: float = 100.0
    #: The longest one Messages call may take.
    call_seconds: float = 60.0
    #: Calls of one turn (the first and the retries of temporary failures).
    attempts: int = 4
    #: Tool rounds of an ``ask`` (the answer after the last one may not call a tool).
    tool_rounds: int = 5
    #: The smallest answer worth asking for: a run with less budget left stops instead.
    min_output_tokens: int = 64
    #: Kept between the deadline and the end of a wait or call (finishing the run takes time).
    margin_seconds: float = 5.0


LIMITS = Limits()
#: A run ``running`` for this long has lost its worker (the function's timeout is 120 s).
INTERRUPTED_AFTER = timedelta(minutes=5)


class RunFailed(Exception):
    """The run ends ``failed`` with ``code`` (one of :data:`ERRORS`)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0

    def add(self, usage: Any) -> None:
        for name in (
            "input_tokens",
            "output_tokens",
            "cache_read_input_tokens",
            "cache_creation_input_tokens",
        ):
            setattr(self, name, getattr(self, name) + int(getattr(usage, name, 0) or 0))

    @property
    def total(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_read_input_tokens
            + self.cache_creation_input_tokens
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_read_input_tokens": self.cache_read_input_tokens,
            "cache_creation_input_tokens": self.cache_creation_input_tokens,
        }


@dataclass
class _Run:
    """What one run carries from its claim to its end."""

    row: dict[str, Any]
    task: Task
    deadline: float
    reader: context.Reader | None = None
    redactor: redaction.Redactor | None = None
    user_text: str = ""
    budget_left: int = 0
    usage: Usage = field(default_factory=Usage)
    shown: list[dict[str, str]] = field(default_factory=list)
    answers: int = 0
    rounds: int = 0
    stop_reason: str | None = None

    @property
    def org_id(self) -> UUID:
        return UUID(str(self.row["org_id"]))

    @property
    def run_id(self) -> UUID:
        return UUID(str(self.row["id"]))

    def see(self, records: Iterable[dict[str, Any]]) -> None:
        """Add to the records the model was shown (each once, in the order first shown)."""
        seen = {(r["type"], r["id"]) for r in self.shown}
        for record in records:
            key = (str(record["type"]), str(record["id"]))
            if key not in seen:
                seen.add(key)
                self.shown.append({"type": key[0], "id": key[1]})


def process_record(record: SQSRecord) -> None:
    """One record of the AI run queue (the consumer's record handler)."""
    process(AiRunMessage.parse(record.body))


def process(message: AiRunMessage) -> None:
    """Carry out the run ``message`` names, unless it is no longer queued (a repeated message)."""
    deadline = time.monotonic() + LIMITS.run_seconds
    failure: RunFailed | None = None
    with db.tenant_transaction(message.org_id) as conn:
        row = store.claim(conn, message.run_id)
        if row is not None:
            run = _Run(row={**row, "org_id": message.org_id}, task=TASKS[row["task"]], deadline=deadline)
            try:
                _prepare(conn, run)
            except RunFailed as exc:
                failure = exc
    if row is None:
        _end_if_interrupted(message)
        return
    output: dict[str, Any] | None = None
    if failure is None:
        try:
            output = _converse(run)
        except RunFailed as exc:
            failure = exc
        except ConfigurationError:
            logger.error("AI run failed: the platform's Anthropic key is not configured")
            failure = RunFailed("not_configured")
        except Exception as exc:  # never a run left `running`: it fails, the cause by type only
            logger.error(
                "AI run failed unexpectedly",
                extra={"run_id": str(run.run_id), "error_type": type(exc).__name__},
            )
            failure = RunFailed("internal_error")
    _finish(run, output, failure)


def _end_if_interrupted(message: AiRunMessage) -> None:
    """A run not queued is done or being done, unless it has been ``running`` for longer than any
    invocation lives: its worker was stopped (out of memory, the environment recycled) and SQS
    delivered the message again. Such a run fails ``interrupted``."""
    with db.tenant_transaction(message.org_id) as conn:
        row = store.get(conn, message.run_id)
    if row is None or row["status"] != "running" or row["started_at"] is None:
        logger.info("AI run not queued: nothing to do", extra={"run_id": str(message.run_id)})
        return
    if clock.now() - row["started_at"] < INTERRUPTED_AFTER:
        logger.info("AI run running elsewhere: nothing to do", extra={"run_id": str(message.run_id)})
        return
    run = _Run(row={**row, "org_id": message.org_id}, task=TASKS[row["task"]], deadline=time.monotonic())
    _finish(run, None, RunFailed("interrupted"))


# -- 1. claim and context ---------------------------------------------------------------------


def _prepare(conn: db.Connection, run: _Run) -> None:
    """The requester's current role, the task's context as that user, the redactor and the budget
    left (in the claim's transaction)."""
    member = members_store.get(conn, run.row["user_id"])
    if member is None:
        raise RunFailed("requester_not_a_member")
    role = member["role"]
    if run.row.get("role_cap"):  # asked with an API key: no more than the key's role
        role = rbac.lesser(role, run.row["role_cap"]).value
    run.reader = context.Reader(org_id=run.org_id, user_id=UUID(str(run.row["user_id"])), role=role)
    try:
        built = context.build(conn, run.row, run.reader)
    except context.SubjectGone:  # deleted since the POST
        raise RunFailed("subject_gone") from None
    except context.ContextError as exc:  # no longer readable by the requester, no thread...
        raise RunFailed(exc.code if exc.code in ERRORS else "context_unavailable") from None
    run.see(built.shown)
    run.redactor = redaction.Redactor(store.redaction_kinds(conn))
    run.user_text = run.redactor.redact(built.text)
    run.budget_left = budget.remaining(conn, run.org_id)


# -- 2. the conversation ----------------------------------------------------------------------


def _converse(run: _Run) -> dict[str, Any]:
    """Ask the model (with tool rounds for a task that uses tools); the parsed, restored output."""
    assert run.redactor is not None
    assert run.reader is not None
    task = run.task
    client = provider.client(LIMITS.call_seconds)
    request: dict[str, Any] = {
        "model": settings().anthropic_model,
        # Prompt caching: the fixed system prompt (and the tool definitions before it) is the
        # cached prefix; only the user turn differs between runs.
        "system": [{"type": "text", "text": task.system, "cache_control": {"type": "ephemeral"}}],
    }
    if task.uses_tools:
        request["tools"] = tools.DEFINITIONS
    messages: list[dict[str, Any]] = [{"role": "user", "content": run.user_text}]
    while True:
        last_round = run.rounds >= LIMITS.tool_rounds
        if task.uses_tools:
            request["tool_choice"] = {"type": "none"} if last_round else {"type": "auto"}
        max_tokens = _output_allowance(run, request, messages)
        reply = _create(client, run, {**request, "messages": messages, "max_tokens": max_tokens})
        run.answers += 1
        run.usage.add(reply.usage)
        run.stop_reason = reply.stop_reason if reply.stop_reason in provider.STOP_REASONS else "other"
        calls = [b for b in reply.content if b.type == "tool_use"]
        if reply.stop_reason == "tool_use" and calls:
            if not task.uses_tools or last_round:
                raise RunFailed("too_many_tool_rounds")
            run.rounds += 1
            messages.append({"role": "assistant", "content": [_block(b) for b in reply.content]})
            messages.append({"role": "user", "content": [_call_tool(run, b) for b in calls]})
            continue
        if reply.stop_reason == "refusal":
            raise RunFailed("provider_refused")
        if reply.stop_reason == "max_tokens" and max_tokens < task.max_tokens:
            raise RunFailed("quota_exceeded")  # cut short by what the budget had left
        text = "".join(b.text for b in reply.content if b.type == "text")
        try:
            parsed = task.parse(text)
        except InvalidOutput:
            # That it failed, never where or what it said (even key names come from the model).
            logger.info(
                "AI run answer rejected", extra={"run_id": str(run.run_id), "stop_reason": run.stop_reason}
            )
            raise RunFailed("invalid_output") from None
        return _restored(run, parsed)


def _restored(run: _Run, parsed: dict[str, Any]) -> dict[str, Any]:
    """The output with the run's placeholders back to their values; an answer's records only
    those the model was shown (it cannot point the user at a record it never saw)."""
    assert run.redactor is not None
    output: dict[str, Any] = run.redactor.restore_json(parsed)
    if "records" in output:
        shown = {(r["type"], r["id"]) for r in run.shown}
        output["records"] = [r for r in output["records"] if (r["type"], r["id"]) in shown]
    return output


def _block(block: Any) -> dict[str, Any]:
    """An assistant content block as it is sent back in the next turn."""
    if block.type == "tool_use":
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    if block.type == "text":
        return {"type": "text", "text": block.text}
    dumped: dict[str, Any] = block.model_dump(mode="json", exclude_none=True)
    return dumped


_TOOL_NAMES = frozenset(str(t["name"]) for t in tools.DEFINITIONS)


def _call_tool(run: _Run, call: Any) -> dict[str, Any]:
    """Run one tool call as the requester (a tenant transaction of its own: RLS and RBAC of the
    user); the result, redacted, as a ``tool_result`` block."""
    assert run.redactor is not None
    assert run.reader is not None
    arguments = run.redactor.restore_json(call.input if isinstance(call.input, dict) else {})
    with db.tenant_transaction(run.org_id, user_id=run.reader.user_id) as conn:
        result = tools.run(conn, run.reader, call.name, arguments)
    run.see(result.shown)
    block = {"type": "tool_result", "tool_use_id": call.id, "content": run.redactor.redact(result.content)}
    if result.is_error:  # refused (a record type the role cannot read, a bad input): the model is told
        known = call.name if call.name in _TOOL_NAMES else "(unknown)"  # the name is the model's
        logger.info("AI tool call refused", extra={"run_id": str(run.run_id), "tool": known})
        block["is_error"] = True
    return block


def _output_allowance(run: _Run, request: dict[str, Any], messages: list[dict[str, Any]]) -> int:
    """``max_tokens`` for the next call: the task's, or less when the budget has less left after
    the prompt; a run whose budget cannot pay for a useful answer stops (``quota_exceeded``)."""
    left = run.budget_left - run.usage.total - _estimate_input_tokens(request, messages)
    if left < LIMITS.min_output_tokens:
        raise RunFailed("quota_exceeded")
    return min(run.task.max_tokens, left)


def _estimate_input_tokens(request: dict[str, Any], messages: list[dict[str, Any]]) -> int:
    """A generous estimate of a prompt's tokens (three characters a token; Claude's tokenizer
    averages nearer four for English): the budget check errs on the side of stopping."""
    size = len(json.dumps(request.get("system"))) + len(json.dumps(messages))
    size += len(json.dumps(request.get("tools") or []))
    return math.ceil(size / 3)


def _create(client: provider.Client, run: _Run, request: dict[str, Any]) -> Any:
    """One Messages call of the run, retried within its deadline (``hearth.ai.provider``)."""
    try:
        return provider.create(
            client,
            request,
            deadline=run.deadline,
            call_seconds=LIMITS.call_seconds,
            attempts=LIMITS.attempts,
            margin_seconds=LIMITS.margin_seconds,
            run_id=run.run_id,
        )
    except provider.ProviderFailed as exc:
        raise RunFailed(exc.code) from None


# -- 3. the outcome -----------------------------------------------------------------------------


def _finish(run: _Run, output: dict[str, Any] | None, failure: RunFailed | None) -> None:
    """Store the outcome, record the tokens and emit the event in one transaction; relay it."""
    status = "failed" if failure is not None else "completed"
    error = {"code": failure.code, "message": ERRORS[failure.code]} if failure is not None else None
    usage = run.usage.as_dict() if run.answers else None
    with db.tenant_transaction(run.org_id) as conn:
        finished = store.finish(
            conn,
            run.run_id,
            status=status,
            output=output,
            usage=usage,
            stop_reason=run.stop_reason,
            shown=run.shown,
            error=error,
        )
        if run.usage.total:  # spent, whatever became of the run
            budget.record(conn, run.org_id, run.run_id, run.usage.total)
        if finished is None:  # ended meanwhile (an interrupted run failed by a redelivery)
            logger.warning("AI run ended before its outcome was stored", extra={"run_id": str(run.run_id)})
            return
        event_id = outbox.emit(
            conn,
            org_id=run.org_id,
            actor=("system", None),
            type=f"ai.run.{status}",
            resource_type="ai_run",
            resource_id=run.run_id,
            data={
                "id": str(run.run_id),
                "task": run.task.name,
                "status": status,
                "user_id": str(run.row["user_id"]),
                "subject": (
                    {"type": run.row["subject_type"], "id": str(run.row["subject_id"])}
                    if run.row.get("subject_type")
                    else None
                ),
                "usage": usage,
                "error": {"code": failure.code} if failure is not None else None,
            },
        )
    outbox.after_commit(run.org_id, [event_id])
    logger.info(
        "AI run finished",
        extra={
            "run_id": str(run.run_id),
            "task": run.task.name,
            "status": status,
            "code": failure.code if failure is not None else None,
            "answers": run.answers,
            "tool_rounds": run.rounds,
            "shown": len(run.shown),
            "tokens": run.usage.total,
        },
    )
