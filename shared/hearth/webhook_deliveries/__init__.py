"""Webhook deliveries: one per (endpoint, event), with the log of every attempt."""
