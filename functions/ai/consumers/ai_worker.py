"""SQS AiRunQueue: carry out one queued AI run (``hearth.ai.worker``): claim it, build its minimal
context as the requester, redact it, ask Anthropic (tool rounds for ``ask``), store the outcome,
record the tokens and emit ``ai.run.completed`` / ``ai.run.failed``. The only function that
imports the ``anthropic`` SDK (its own layer). One run per invocation, a hard deadline under the
timeout; a repeated message finds the run claimed already and does nothing."""

from hearth import needs
from hearth.ai import worker
from hearth.deployment import Consumer

consumer = Consumer(
    queue="AiRunQueue",
    description="Carries out queued AI runs: context, redaction, Anthropic, outcome and usage.",
    needs=[needs.APP_DB, needs.EVENTS, needs.ANTHROPIC_SDK, needs.ANTHROPIC_API_KEY],
    batch_size=1,
    timeout=120,
    reserved_concurrency=5,
)

handler = consumer.handler(worker.process_record)
