"""SQS EventDispatchQueue: fan each committed domain event out to the org's webhook endpoints
(one delivery per matching endpoint, at most one per (endpoint, event)), and to the work queue of
its type, if any (``hearth.outbox.channels``: AI runs). Reports partial batch
failures: a record that fails is retried by SQS and, after five receives, kept in the DLQ."""

from hearth import needs
from hearth.deployment import Consumer
from hearth.outbox import channels
from hearth.webhooks.engine import fanout

consumer = Consumer(
    queue="EventDispatchQueue",
    description="Fans committed domain events out to the org's webhook endpoints and work queues.",
    needs=[needs.APP_DB, needs.WEBHOOK_DELIVERY_QUEUE, *channels.NEEDS],
    batch_size=10,
    window_seconds=1,
    reserved_concurrency=5,
)

handler = consumer.handler(fanout.dispatch_record)
