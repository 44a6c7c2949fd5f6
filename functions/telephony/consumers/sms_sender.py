"""SQS SmsSendQueue: send queued SMS through each org's Twilio account (``hearth.telephony.sender``):
a batch sent concurrently, temporary refusals retried with backoff through ``batchItemFailures``,
permanent ones ending the message ``failed`` with Twilio's error code."""

from hearth import needs
from hearth.deployment import Consumer
from hearth.telephony import sender

consumer = Consumer(
    queue="SmsSendQueue",
    description="Sends queued SMS through the org's Twilio account; retries what Twilio says is temporary.",
    needs=[needs.APP_DB, needs.EVENTS, needs.SECRETS_KEY_OPEN, needs.TWILIO_SDK, needs.PUBLIC_URL],
    batch_size=10,
    window_seconds=1,
    timeout=30,
    reserved_concurrency=5,
)

handler = consumer.handler(sender.process_batch, whole=True)
