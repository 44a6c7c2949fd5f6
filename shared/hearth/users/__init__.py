"""Users as known to Hearth, provisioned from the identity provider by the authorizer
(``hearth.auth.store``): an identity (the token's subject), a name, and an email only when the
provider marks it verified — refreshed at every sign-in, held by one identity at a time. Nothing
outside the authorizer looks users up by email: people join an org by invitation."""
