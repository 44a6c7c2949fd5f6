"""The local stack's user pool: the template's UserPool and app client created in moto, the
authorizer's variables resolved to them (JWKS served by moto), a demo user with a password who
is an admin of the demo org, and `hearth token --cognito` signing in to get a real access token."""

from __future__ import annotations

import pytest
from hearth_dev import demo
from hearth_dev.cognito import local_demo, local_sign_in
from hearth_dev.local.aws import LocalAws, MotoServer
from hearth_dev.local.environment import function_environment
from hearth_dev.sam.template import load_template

from hearth.auth import authorizer
from hearth.rbac import Role
from tests.integration.identity import conftest


def test_the_local_stack_creates_the_pool_and_signs_in_through_it(tmp_path, client, monkeypatch):
    template = load_template()
    with MotoServer() as moto:
        aws = LocalAws(moto.endpoint, template)
        aws.provision()
        kinds = {template.resources[lid]["Type"]: c for lid, c in aws.created.items()}
        pool_id = kinds["AWS::Cognito::UserPool"].ref
        client_id = kinds["AWS::Cognito::UserPoolClient"].ref
        env = function_environment(template, aws.resolver).variables
        assert env["HEARTH_COGNITO_USER_POOL_ID"] == pool_id
        assert env["HEARTH_COGNITO_CLIENT_ID"] == client_id
        assert env["HEARTH_JWT_ISSUER"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"
        assert "HEARTH_JWT_AUDIENCE" not in env  # !Ref AWS::NoValue: not set
        assert not [v for v in env.values() if "AWS::NoValue" in v]

        settings = {
            "HEARTH_JWT_ISSUER": env["HEARTH_JWT_ISSUER"],
            "HEARTH_JWKS_URL": f"{moto.endpoint}/{pool_id}/.well-known/jwks.json",
            "HEARTH_COGNITO_USER_POOL_ID": pool_id,
            "HEARTH_COGNITO_CLIENT_ID": client_id,
            "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": moto.endpoint,
        }
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        conftest._fresh()
        try:
            owner = client.new_tenant("Demo stand-in")  # the demo org's place: any org will do
            monkeypatch.setattr(demo, "DEMO_ORG_ID", owner.org_id)
            info = local_demo(moto.endpoint, pool_id, client_id, tmp_path)
            assert (tmp_path / "local-cognito.json").stat().st_mode & 0o077 == 0
            token = local_sign_in(tmp_path)["AccessToken"]
            principal = authorizer.authorize(
                {"authorization": f"Bearer {token}", "x-hearth-org": owner.org_id}
            )
            assert principal.role == Role.ADMIN
            assert principal.session_id is not None
            me = client.get("/v1/me", auth=f"Bearer {token}")
            assert me.json()["email"] == info["email"]
            with pytest.raises(Exception, match="NotAuthorized"):
                local_sign_in(tmp_path, password="Wrong-password-1")
        finally:
            monkeypatch.undo()
            conftest._fresh()
