"""SQS EmailSendQueue: send queued emails through SES v2 (``hearth.email.sender``): a batch sent
concurrently, temporary refusals retried with backoff through ``batchItemFailures``, permanent
ones ending the email ``failed`` with SES's error code."""

from hearth import needs
from hearth.deployment import Consumer
from hearth.email import sender

consumer = Consumer(
    queue="EmailSendQueue",
    description="Sends queued emails through SES; retries what SES says is temporary.",
    needs=[
        needs.APP_DB,
        needs.EVENTS,
        needs.SES_SEND,
        needs.EMAIL_UNSUBSCRIBE_KEY,
        needs.PUBLIC_URL,
        needs.INBOUND_EMAIL_READ,
    ],
    batch_size=10,
    window_seconds=1,
    timeout=30,
    reserved_concurrency=5,
)

handler = consumer.handler(sender.process_batch, whole=True)
