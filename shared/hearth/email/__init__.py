"""Email: sending through SES, and the email orgs receive."""
