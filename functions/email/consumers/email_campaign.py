"""SQS EmailCampaignQueue: make a campaign's emails (``hearth.email.campaigns.worker``), a chunk
of people per short transaction, resumable at the campaign's cursor; each email is then sent by
the email sender. A repeated message does nothing."""

from hearth import needs
from hearth.deployment import Consumer
from hearth.email.campaigns import worker

consumer = Consumer(
    queue="EmailCampaignQueue",
    description="Expands campaigns into queued emails, a chunk of people per transaction.",
    needs=[needs.APP_DB, needs.EVENTS, needs.EMAIL_TEMPLATES, needs.EMAIL_CAMPAIGN_QUEUE],
    batch_size=1,
    timeout=900,
    reserved_concurrency=2,
)

handler = consumer.handler(worker.process_record)
