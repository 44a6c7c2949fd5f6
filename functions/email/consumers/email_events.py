"""SQS EmailEventsQueue: SES's delivery events (configuration set -> SNS -> SQS) move each email
forward (``hearth.email.delivery``); bounces and complaints suppress the address."""

from hearth import needs
from hearth.deployment import Consumer
from hearth.email import delivery

consumer = Consumer(
    queue="EmailEventsQueue",
    description="Applies SES delivery events to emails: statuses forward, bounces and complaints suppressed.",
    needs=[needs.APP_DB, needs.EVENTS],
    batch_size=10,
    window_seconds=1,
    timeout=30,
    reserved_concurrency=5,
)

handler = consumer.handler(delivery.process_record)
