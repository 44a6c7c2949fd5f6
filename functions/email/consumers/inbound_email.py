"""SQS InboundEmailQueue: SES's receipt notifications (through the inbound email topic) of messages
it stored in the inbound email bucket; each is parsed and stored for every org it reached, on the
sender's timeline (``hearth.email.inbound.receiver``)."""

from hearth import needs
from hearth.deployment import Consumer
from hearth.email.inbound import receiver

consumer = Consumer(
    queue="InboundEmailQueue",
    description="Stores the email SES received for the orgs' inbound and BCC logging addresses.",
    needs=[needs.APP_DB, needs.EVENTS, needs.INBOUND_EMAIL_RECEIVE],
    batch_size=5,
    timeout=60,
    reserved_concurrency=5,
)

handler = consumer.handler(receiver.process_record)
