"""Webhook deliveries over the API: one per (endpoint, event), with the log of every attempt."""
