"""Users as known to Hearth (provisioned from the identity provider by the authorizer)."""
