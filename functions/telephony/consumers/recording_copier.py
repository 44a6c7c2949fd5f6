"""SQS RecordingCopyQueue: copy call recordings out of Twilio into the SSE-KMS recordings bucket,
then delete Twilio's copy (``hearth.telephony.recordings``)."""

from hearth import needs
from hearth.deployment import Consumer
from hearth.telephony.calls import recordings

consumer = Consumer(
    queue="RecordingCopyQueue",
    description="Copies call recordings from Twilio to the recordings bucket, then deletes them in Twilio.",
    needs=[needs.APP_DB, needs.SECRETS_KEY_OPEN, needs.TWILIO_SDK, needs.RECORDINGS_WRITE],
    batch_size=1,
    timeout=60,
    reserved_concurrency=2,
)

handler = consumer.handler(recordings.process_record)
