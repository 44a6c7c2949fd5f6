"""SQS ExportQueue: build one export (``hearth.lifecycle.export_worker``): stream every table of
its scope through server-side cursors into a zip, upload it to the SSE-KMS export bucket, end
the export ``completed`` and emit ``export.completed``. A repeated message does nothing."""

from hearth import needs
from hearth.deployment import Consumer
from hearth.lifecycle import export_worker

consumer = Consumer(
    queue="ExportQueue",
    description="Builds exports: every table of the scope, streamed into a zip in the export bucket.",
    needs=[needs.APP_DB, needs.EVENTS, needs.EXPORTS_WRITE],
    batch_size=1,
    timeout=900,
    reserved_concurrency=2,
)

handler = consumer.handler(export_worker.process_record)
