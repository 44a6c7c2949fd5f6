"""Notifications: what Hearth tells one user of an org, in the app and by email. The fan-out
(``fanout``) turns committed events into notifications for the users they concern, the daily
reminders (``reminders``) notify tasks due and overdue, ``delivery`` writes one and sends its
email, and the routes (``logic``) list them, mark them read and keep each user's preferences."""
