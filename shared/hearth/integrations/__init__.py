"""Integrations: an org's credentials for a provider (Twilio, Anthropic), write-only secrets
sealed at rest, tested against the provider, and the signing keys inbound webhooks verify with."""
