"""Authentication: identity-provider tokens, API keys and the authorizer's decision."""
