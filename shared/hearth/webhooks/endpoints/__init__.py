"""Webhook endpoints over the API: where an org's events are delivered, with their signing secrets."""
