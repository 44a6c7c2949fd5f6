"""SQS NotificationQueue: turn a committed event that concerns users (a task assigned, a deal
won or lost, a mention in a note, an invitation, an export ready) into their notifications
(``hearth.notifications.fanout``), in the app and by email as each user's preferences say. A
repeated message notifies nobody twice."""

from hearth import needs
from hearth.deployment import Consumer
from hearth.notifications import fanout

consumer = Consumer(
    queue="NotificationQueue",
    description="Turns events that concern users into their notifications, in the app and by email.",
    needs=[needs.APP_DB, needs.EVENTS, needs.SYSTEM_EMAIL],
    batch_size=10,
    window_seconds=1,
    timeout=30,
    reserved_concurrency=5,
)

handler = consumer.handler(fanout.process_record)
