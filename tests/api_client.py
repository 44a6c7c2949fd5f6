"""Calling Hearth the way a front end does, through the in-process API Gateway (authorizer,
routing, payload 2.0 events), with tenants made through the API itself."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from hearth_dev.sam.gateway import Gateway, GatewayResponse

from hearth.auth.tokens import mint_dev_token


@dataclass
class User:
    subject: str
    email: str
    token: str
    user_id: str = ""

    @property
    def auth(self) -> str:
        return f"Bearer {self.token}"


@dataclass
class Tenant:
    org_id: str
    owner: User
    api_key: str
    api_key_id: str

    @property
    def key_auth(self) -> str:
        return f"Bearer {self.api_key}"

    @property
    def as_owner(self) -> dict[str, str]:
        """The owner's signed-in session (for what API keys may not do: keys, membership)."""
        return {"auth": self.owner.auth, "org": self.org_id}


class ApiClient:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    def request(
        self,
        method: str,
        path: str,
        *,
        auth: str | None,
        org: str | None = None,
        json_body: Any = None,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        query: str = "",
    ) -> GatewayResponse:
        pairs = [("user-agent", "hearth-tests")]
        if auth:
            pairs.append(("authorization", auth))
        if org:
            pairs.append(("x-hearth-org", org))
        if json_body is not None:
            body = json.dumps(json_body).encode()
            pairs.append(("content-type", "application/json"))
        pairs.extend((headers or {}).items())
        return self.gateway.handle(method, path, raw_query=query, headers=pairs, body=body)

    def get(self, path: str, **kw: Any) -> GatewayResponse:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> GatewayResponse:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> GatewayResponse:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> GatewayResponse:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> GatewayResponse:
        return self.request("DELETE", path, **kw)

    # -- making users and tenants ---------------------------------------------------------------

    def new_user(self, label: str = "user") -> User:
        """A user known to the identity provider, provisioned by its first request."""
        tag = uuid.uuid4().hex[:10]
        user = User(subject=f"test|{label}-{tag}", email=f"{label}-{tag}@example.com", token="")
        user.token = mint_dev_token(user.subject, email=user.email, name=label.title())
        response = self.get("/v1/orgs/current", auth=user.auth)  # provisions; no org named: 400
        assert response.status == 400, response.body
        return user

    def new_tenant(self, name: str = "Acme") -> Tenant:
        owner = self.new_user("owner")
        created = self.post("/v1/orgs", auth=owner.auth, json_body={"name": name})
        assert created.status == 201, created.body
        org_id = created.json()["id"]
        key = self.post(
            "/v1/api-keys", auth=owner.auth, org=org_id, json_body={"name": "tests", "role": "owner"}
        )
        assert key.status == 201, key.body
        members = self.get("/v1/members", auth=owner.auth, org=org_id).json()["data"]
        owner.user_id = members[0]["user_id"]
        return Tenant(org_id=org_id, owner=owner, api_key=key.json()["secret"], api_key_id=key.json()["id"])

    def add_member(self, tenant: Tenant, role: str, label: str | None = None) -> User:
        """A new user who joins the tenant with ``role``: the owner invites their (verified)
        address, they accept the invitation's token."""
        return self.join(tenant, self.new_user(label or role), role)

    def join(self, tenant: Tenant, user: User, role: str) -> User:
        """``user`` joins the tenant with ``role``: invited by the owner, accepted with the token."""
        invited = self.invite(tenant, user.email, role)
        accepted = self.post("/v1/invitations/accept", auth=user.auth, json_body={"token": invited["token"]})
        assert accepted.status == 200, accepted.body
        user.user_id = accepted.json()["user_id"]
        return user

    def invite(self, tenant: Tenant, email: str, role: str = "member") -> dict[str, Any]:
        """The owner invites ``email``; returns the created invitation (with its token)."""
        made = self.post("/v1/invitations", auth=tenant.owner.auth, org=tenant.org_id,
                         json_body={"email": email, "role": role})  # fmt: skip
        assert made.status == 201, made.body
        return dict(made.json())
