"""Event-type filters of endpoints: exact types (``deal.won``), wildcards over a prefix
(``deal.*``) and ``*`` for everything::

    patterns_matching("deal.stage_changed")   # ["*", "deal.*", "deal.stage_changed"]
    matches(["deal.*"], "deal.won")           # True
"""

from __future__ import annotations

import re

EVENT_TYPE = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
PATTERN = re.compile(r"^(\*|[a-z_]+(\.[a-z_]+)*\.\*|[a-z_]+(\.[a-z_]+)+)$")


def is_pattern(value: str) -> bool:
    return len(value) <= 100 and PATTERN.match(value) is not None


def patterns_matching(event_type: str) -> list[str]:
    """Every filter entry that selects ``event_type`` (compared with ``&&`` in SQL)."""
    parts = event_type.split(".")
    return ["*", *(".".join(parts[:i]) + ".*" for i in range(1, len(parts))), event_type]


def matches(patterns: list[str], event_type: str) -> bool:
    return bool(set(patterns) & set(patterns_matching(event_type)))


def like_pattern(pattern: str) -> tuple[str, bool]:
    """A type filter as SQL: ``(value, is_prefix)`` (``deal.*`` -> ``("deal.", True)``)."""
    if pattern == "*":
        return "", True
    if pattern.endswith(".*"):
        return pattern[:-1], True
    return pattern, False


# Event types of the AI assistant (resource type ``ai_run``): a run was asked for (the AI worker's
# queue is fed from it, hearth.outbox.channels), and it ended.
AI_RUN_QUEUED = "ai.run.queued"
AI_RUN_COMPLETED = "ai.run.completed"
AI_RUN_FAILED = "ai.run.failed"

# The GitHub integration: a task with a linked issue changed (the GitHub sync queue is fed from
# it); something on GitHub was linked to a task; GitHub completed a task.
GITHUB_ISSUE_SYNC_QUEUED = "github.issue.sync_queued"
TASK_GITHUB_LINKED = "task.github_linked"
TASK_COMPLETED_BY_GITHUB = "task.completed_by_github"
# Event types of SMS (resource type ``sms_message``): a message was accepted for sending (the SMS
# sender's queue is fed from it, hearth.outbox.channels), delivered, failed, received; a number
# opted out of (or back into) the org's messages (resource type ``sms_opt_out``, the number).
SMS_QUEUED = "sms.queued"
SMS_DELIVERED = "sms.delivered"
SMS_FAILED = "sms.failed"
SMS_RECEIVED = "sms.received"
SMS_OPTED_OUT = "sms.opted_out"
SMS_OPTED_IN = "sms.opted_in"

# Event types of calls (resource type ``call``): a call ended, a voicemail was left, and a
# recording is waiting in Twilio to be copied (the recording copier's queue is fed from it).
CALL_COMPLETED = "call.completed"
VOICEMAIL_RECEIVED = "voicemail.received"
CALL_RECORDING_AVAILABLE = "call.recording_available"

# Inbound email (resource type ``inbound_email``): a message reached the org's inbound address,
# or a member's email was logged through its BCC address (the payload's object says which).
EMAIL_RECEIVED = "email.received"
# Invitations (resource type ``invitation``): an admin invited an address (the event names the
# address and role, never the token). The notification fan-out tells an account that holds it.
INVITATION_CREATED = "invitation.created"
# The data lifecycle: an export a user asked for is ready (data ``{"requested_by", "export_id"}``);
# the notification fan-out tells that user.
EXPORT_COMPLETED = "export.completed"
# Event types of email (resource type ``email``): an email was accepted for sending (the email
# sender's queue is fed from it, hearth.outbox.channels), SES sent it, the recipient's server
# took it, it bounced, the recipient complained, it failed before SES took it; an address was
# suppressed (resource type ``email_suppression``).
EMAIL_QUEUED = "email.queued"
EMAIL_SENT = "email.sent"
EMAIL_DELIVERED = "email.delivered"
EMAIL_BOUNCED = "email.bounced"
EMAIL_COMPLAINED = "email.complained"
EMAIL_FAILED = "email.failed"
EMAIL_SUPPRESSED = "email.suppressed"
# A campaign was accepted (resource type ``email_campaign``): the campaign worker's queue is fed
# from it (hearth.outbox.channels) and makes the campaign's emails.
EMAIL_CAMPAIGN_QUEUED = "email_campaign.queued"
# Exports (resource type ``export``): one was asked for (the export worker's queue is fed from
# it, hearth.outbox.channels), and it ended. ``export.completed`` carries
# ``{"requested_by": <user id>, "export_id": <export id>}`` (the requester is notified).
EXPORT_REQUESTED = "export.requested"
EXPORT_FAILED = "export.failed"
