"""Email through Amazon SES v2: sending (the org's sending domains and default sender, templates,
the outbox and a queue, delivery events, suppression and one-click unsubscribe, the platform's
system emails: ``hearth.email.system``), and the email orgs receive (``hearth.email.inbound``)."""
