"""Email through Amazon SES v2: the org's sending domains and default sender, templates, sending
through the outbox and a queue, delivery events, suppression and one-click unsubscribe, and the
platform's system emails (``hearth.email.system``)."""
