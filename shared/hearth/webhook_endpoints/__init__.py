"""Webhook endpoints: where an org's events are delivered, with their signing secrets."""
