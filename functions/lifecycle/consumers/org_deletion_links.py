"""SQS OrgDeletionQueue: let go of a removed org's provider links (``hearth.lifecycle.deletion_links``),
fed from ``org.deletion_finalising``: the Stripe subscription canceled, the Twilio numbers Hearth
bought released, the GitHub installation deleted. Each is marked once done; a failing one is
retried alone."""

from hearth import needs
from hearth.deployment import Consumer
from hearth.lifecycle import deletion_links

consumer = Consumer(
    queue="OrgDeletionQueue",
    description="Lets go of a removed org's Stripe subscription, Twilio numbers and GitHub installation.",
    needs=[
        needs.APP_DB,
        needs.SYSTEM_DB,
        needs.SECRETS_KEY_OPEN,
        needs.STRIPE_SDK,
        needs.STRIPE_API_KEY,
        needs.TWILIO_SDK,
        needs.GITHUB_APP,
    ],
    batch_size=1,
    timeout=60,
    reserved_concurrency=2,
)

handler = consumer.handler(deletion_links.process_record)
