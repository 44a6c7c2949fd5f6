"""Invitations: the one way into an org (create by email with a role, list, revoke; accepted by
the invited, verified identity within 7 days)."""
