"""API keys: org-scoped credentials for machines."""
