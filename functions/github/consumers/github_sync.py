"""SQS GitHubSyncQueue: bring the GitHub issues linked to a task in step with its title and
status (``hearth.github.worker``), honouring GitHub's rate limits (Retry-After,
x-ratelimit-reset); a repeated message finds nothing left to send."""

from hearth import needs
from hearth.deployment import Consumer
from hearth.github import worker

consumer = Consumer(
    queue="GitHubSyncQueue",
    description="Updates GitHub issues linked to tasks (title, open/closed) as the tasks change.",
    needs=[needs.APP_DB, needs.GITHUB_APP, needs.GITHUB_SYNC_QUEUE],
    batch_size=5,
    timeout=30,
    reserved_concurrency=2,
)

handler = consumer.handler(worker.process_record)
