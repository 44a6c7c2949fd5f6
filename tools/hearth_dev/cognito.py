"""A Cognito user pool in moto, for the tests and the local stack: the pool and app client as the
root template declares them (email as user name, MFA optional with TOTP and SMS), users with a
password, and signing in the way the front end does (password, then a TOTP code when the user
has one), so the authorizer verifies moto's real RS256 access tokens through moto's JWKS::

    pool = LocalPool.create(endpoint)                       # moto server endpoint
    user = pool.add_user("demo@example.com", "Demo-pass-123")
    tokens = pool.sign_in(user)                              # {"AccessToken": ..., ...}
    pool.settings()                                          # the HEARTH_* variables to point at it

moto's Cognito checks TOTP codes only with ``MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true`` (set
by :meth:`LocalPool.create`), against one fixed secret for every user; its JWKS is served at
``<endpoint>/<pool id>/.well-known/jwks.json`` and its tokens name the issuer
``https://cognito-idp.<region>.amazonaws.com/<pool id>``, as Cognito does.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp

from hearth_dev.local.aws import client as local_client
from hearth_dev.sam.events import REGION


class _Totp(pyotp.TOTP):
    # moto hands every user the same 12-character secret (60 bits); Cognito's are 160 bits.
    min_secret_length_bits = 56


def totp_code(secret: str) -> str:
    """The current code an authenticator app shows for ``secret`` (base32)."""
    return _Totp(secret).now()


@dataclass
class PoolUser:
    email: str
    password: str
    sub: str
    totp_secret: str | None = None


@dataclass
class LocalPool:
    endpoint: str
    pool_id: str
    client_id: str

    @classmethod
    def create(cls, endpoint: str, *, name: str = "hearth-local", mfa: str = "OPTIONAL") -> LocalPool:
        os.environ["MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP"] = "true"
        idp = _client(endpoint)
        pool = idp.create_user_pool(
            PoolName=name,
            UsernameAttributes=["email"],
            AutoVerifiedAttributes=["email"],
            MfaConfiguration=mfa,
            Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireNumbers": True}},
        )["UserPool"]["Id"]
        client = idp.create_user_pool_client(
            UserPoolId=pool,
            ClientName="hearth-frontend",
            GenerateSecret=False,
            # USER_PASSWORD_AUTH here only: moto cannot do SRP, which the deployed client uses.
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        return cls(endpoint, pool, client)

    @property
    def idp(self) -> Any:
        return _client(self.endpoint)

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{REGION}.amazonaws.com/{self.pool_id}"

    @property
    def jwks_url(self) -> str:
        return f"{self.endpoint}/{self.pool_id}/.well-known/jwks.json"

    def settings(self) -> dict[str, str]:
        """The environment that points Hearth's authorizer and functions at this pool."""
        return {
            "HEARTH_JWT_ISSUER": self.issuer,
            "HEARTH_JWKS_URL": self.jwks_url,
            "HEARTH_COGNITO_USER_POOL_ID": self.pool_id,
            "HEARTH_COGNITO_CLIENT_ID": self.client_id,
            "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": self.endpoint,
        }

    def add_user(self, email: str, password: str, *, verified: bool = True) -> PoolUser:
        """A confirmed user with a permanent password (as after sign-up and email confirmation)."""
        created = self.idp.admin_create_user(
            UserPoolId=self.pool_id,
            Username=email,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true" if verified else "false"},
            ],
            MessageAction="SUPPRESS",
        )["User"]
        self.idp.admin_set_user_password(
            UserPoolId=self.pool_id, Username=email, Password=password, Permanent=True
        )
        sub = next(a["Value"] for a in created["Attributes"] if a["Name"] == "sub")
        return PoolUser(email, password, sub)

    def sign_in(self, user: PoolUser) -> dict[str, Any]:
        """Sign in with the password (and the TOTP code, when asked): the AuthenticationResult."""
        reply = self.idp.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user.email, "PASSWORD": user.password},
        )
        if reply.get("ChallengeName") == "SOFTWARE_TOKEN_MFA":
            if not user.totp_secret:
                raise RuntimeError(f"{user.email} is asked for a TOTP code and has no secret")
            reply = self.idp.respond_to_auth_challenge(
                ClientId=self.client_id,
                ChallengeName="SOFTWARE_TOKEN_MFA",
                Session=reply["Session"],
                ChallengeResponses={
                    "USERNAME": user.email,
                    "SOFTWARE_TOKEN_MFA_CODE": totp_code(user.totp_secret),
                },
            )
        if "AuthenticationResult" not in reply:
            raise RuntimeError(f"sign-in stopped at {reply.get('ChallengeName')}")
        return dict(reply["AuthenticationResult"])

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        reply = self.idp.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
        return dict(reply["AuthenticationResult"])

    def enrol_totp(self, user: PoolUser, access_token: str) -> None:
        """Set up an authenticator app for ``user`` and make it the preferred factor, as the front
        end does with the user's own access token."""
        secret = self.idp.associate_software_token(AccessToken=access_token)["SecretCode"]
        self.idp.verify_software_token(AccessToken=access_token, UserCode=totp_code(secret))
        self.idp.set_user_mfa_preference(
            AccessToken=access_token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
        )
        user.totp_secret = secret


def _client(endpoint: str) -> Any:
    return local_client("cognito-idp", endpoint)


#: Where ``hearth local`` keeps its pool and demo user for ``hearth token --cognito`` (state folder).
STATE_FILE = "local-cognito.json"
DEMO_EMAIL = "signin@demo.hearth.local"


def local_demo(endpoint: str, pool_id: str, client_id: str, state_dir: Path) -> dict[str, str]:
    """A demo user in the local stack's pool, with a password, written to the state folder; the
    demo org gets it as an admin (its Hearth user provisioned as the authorizer would)."""
    from hearth import db
    from hearth.auth import store as auth_store
    from hearth.rbac import Role
    from hearth_dev import demo
    from hearth_dev.local.seed import ensure_member

    pool = LocalPool(endpoint, pool_id, client_id)
    password = f"Demo-{secrets.token_hex(6)}-Aa1"
    user = pool.add_user(DEMO_EMAIL, password)
    with db.system_transaction() as conn:
        auth_store.sign_in(
            conn, subject=user.sub, email=DEMO_EMAIL, refresh_email=True, name="Demo sign-in", org_id=None
        )
    ensure_member(demo.DEMO_ORG_ID, user.sub, Role.ADMIN)
    info = {
        "endpoint": endpoint,
        "pool_id": pool_id,
        "client_id": client_id,
        "email": DEMO_EMAIL,
        "password": password,
    }
    path = state_dir / STATE_FILE
    path.touch(mode=0o600)
    path.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def local_sign_in(state_dir: Path, *, email: str | None = None, password: str | None = None,
                  totp_secret: str | None = None) -> dict[str, Any]:  # fmt: skip
    """Sign in to the running local stack's pool (the demo user unless told otherwise)."""
    path = state_dir / STATE_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: start `hearth local` first")
    info = json.loads(path.read_text(encoding="utf-8"))
    pool = LocalPool(info["endpoint"], info["pool_id"], info["client_id"])
    user = PoolUser(email or info["email"], password or info["password"], sub="", totp_secret=totp_secret)
    return pool.sign_in(user)
