"""SQS WebhookRetryQueue (retry lane): retries, manual attempts, and endpoints that are failing or
slow, released there fairly by the dispatcher; the same sender as the main lane, with its own
concurrency so a dead endpoint cannot hold back first attempts."""

from hearth.webhooks.engine import lanes

consumer = lanes.lane(
    "WebhookRetryQueue", "Retry lane - retries, manual attempts, failing and slow endpoints.", concurrency=5
)
handler = consumer.handler(lanes.handle_records, whole=True)
