"""SQS WebhookDeliveryQueue (main lane): first attempts to healthy endpoints, ten at a time. The
batch is claimed in one statement, sent concurrently (a batch of ten to a slow receiver takes about
one receiver latency) and recorded in one statement; a receiver's failure is an attempt logged and
retried on schedule, not a batch failure: only records that could not be processed (malformed,
database down) are reported back."""

from hearth.webhooks.engine import lanes

consumer = lanes.lane(
    "WebhookDeliveryQueue", "Main lane - first attempts to healthy endpoints, ten at a time.", concurrency=10
)
handler = consumer.handler(lanes.handle_records, whole=True)
