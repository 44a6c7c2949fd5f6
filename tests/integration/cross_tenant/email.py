"""Cross-tenant cases: email. One org's domains, settings, emails, templates and suppressions are
out of reach of another: ids are not found, lists hold only the caller's own, a domain cannot be
taken, sent from or deleted by another org, and an unsubscribe token of one org never
suppresses in another."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from hearth.email import unsubscribe
from tests.integration.cross_tenant import assert_hidden, assert_not_leaked, case
from tests.integration.email.moto_ses import moto_ses, sending_domain

DOMAINS = "/v1/email/domains"
TEMPLATES = "/v1/email/templates"
SUPPRESSIONS = "/v1/email/suppressions"


def _with_ses(fn: Callable[..., None]) -> Callable[..., None]:
    def run(client: Any, victim: Any, intruder: Any) -> None:
        with moto_ses() as ses:
            fn(client, victim, intruder, ses)

    run.__name__ = fn.__name__
    return run


def _victim(client: Any, victim: Any, ses: Any) -> dict[str, Any]:
    """The victim's verified domain, default sender, a template, an email and a suppression."""
    domain = sending_domain(client, victim, ses)
    template = client.post(
        TEMPLATES,
        auth=victim.key_auth,
        json_body={"name": "Victim template", "subject": "Victim secret {{ x }}", "text_body": "Victim body"},
    ).json()
    to = f"victim-{uuid.uuid4().hex[:8]}@example.org"
    email = client.post(
        "/v1/emails",
        auth=victim.key_auth,
        json_body={"to": to, "subject": "Victim secret subject", "text": "t"},
    )
    assert email.status == 202, email.body
    suppressed = f"victim-suppressed-{uuid.uuid4().hex[:8]}@example.org"
    assert client.post(SUPPRESSIONS, auth=victim.key_auth, json_body={"address": suppressed}).status == 200
    return {"domain": domain, "template": template, "email": email.json(), "to": to, "suppressed": suppressed}


@case("GET /v1/email/domains")
@_with_ses
def list_domains(client, victim, intruder, ses):
    v = _victim(client, victim, ses)
    listed = client.get(DOMAINS, auth=intruder.key_auth)
    assert listed.status == 200
    assert listed.json()["data"] == []
    assert_not_leaked(listed, v["domain"]["domain"], v["domain"]["id"])


@case("POST /v1/email/domains")
@_with_ses
def add_domain(client, victim, intruder, ses):
    v = _victim(client, victim, ses)
    taken = client.post(DOMAINS, auth=intruder.key_auth, json_body={"domain": v["domain"]["domain"]})
    assert taken.status == 409, taken.body
    assert_not_leaked(taken, v["domain"]["id"], victim.org_id)
    assert client.get(f"{DOMAINS}/{v['domain']['id']}", auth=victim.key_auth).json()["status"] == "verified"


@case("GET /v1/email/domains/{domain_id}")
@_with_ses
def get_domain(client, victim, intruder, ses):
    v = _victim(client, victim, ses)
    assert_hidden(client.get(f"{DOMAINS}/{v['domain']['id']}", auth=intruder.key_auth), v["domain"]["domain"])


@case("DELETE /v1/email/domains/{domain_id}")
@_with_ses
def delete_domain(client, victim, intruder, ses):
    v = _victim(client, victim, ses)
    assert_hidden(
        client.delete(f"{DOMAINS}/{v['domain']['id']}", auth=intruder.key_auth), v["domain"]["domain"]
    )
    assert v["domain"]["domain"] in ses.backend.email_identities
    assert client.get(f"{DOMAINS}/{v['domain']['id']}", auth=victim.key_auth).status == 200


@case("GET /v1/email/settings")
@_with_ses
def get_settings(client, victim, intruder, ses):
    v = _victim(client, victim, ses)
    shown = client.get("/v1/email/settings", auth=intruder.key_auth)
    assert shown.status == 200
    assert shown.json()["from_address"] is None
    assert_not_leaked(shown, v["domain"]["domain"])


@case("PUT /v1/email/settings")
@_with_ses
def put_settings(client, victim, intruder, ses):
    v = _victim(client, victim, ses)
    refused = client.put(
        "/v1/email/settings", auth=intruder.key_auth, json_body={"from_address": f"x@{v['domain']['domain']}"}
    )
    assert refused.status == 422, refused.body
    assert refused.json()["code"] == "domain_not_verified"
    assert_not_leaked(refused, v["domain"]["id"])


@case("POST /v1/emails")
@_with_ses
def send_email(client, victim, intruder, ses):
    v = _victim(client, victim, ses)
    # From the victim's domain, with the victim's template, to the victim's suppressed address:
    # each refused as if the victim did not exist.
    from_victim = client.post(
        "/v1/emails",
        auth=intruder.key_auth,
        json_body={"to": "a@example.org", "from": f"x@{v['domain']['domain']}", "subject": "s", "text": "t"},
    )
    assert from_victim.status == 422, from_victim.body
    assert from_victim.json()["code"] == "domain_not_verified"
    sending_domain(client, intruder, ses)  # the intruder may send, from its own domain
    with_template = client.post(
        "/v1/emails",
        auth=intruder.key_auth,
        json_body={"to": "a@example.org", "template_id": v["template"]["id"]},
    )
    assert with_template.status == 422, with_template.body
    assert with_template.json()["errors"][0]["code"] == "reference_not_found"
    assert_not_leaked(with_template, "Victim secret", "Victim body")
    to_suppressed = client.post(
        "/v1/emails", auth=intruder.key_auth, json_body={"to": v["suppressed"], "subject": "s", "text": "t"}
    )
    assert to_suppressed.status == 202, to_suppressed.body  # the victim's list is the victim's
    assert ses.sent() == []


@case("GET /v1/emails")
@_with_ses
def list_emails(client, victim, intruder, ses):
    v = _victim(client, victim, ses)
    listed = client.get("/v1/emails", auth=intruder.key_auth)
    assert listed.status == 200
    assert listed.json()["data"] == []
    assert_not_leaked(listed, v["email"]["id"], "Victim secret subject", v["to"])


@case("GET /v1/emails/{email_id}")
@_with_ses
def get_email(client, victim, intruder, ses):
    v = _victim(client, victim, ses)
    assert_hidden(
        client.get(f"/v1/emails/{v['email']['id']}", auth=intruder.key_auth), "Victim secret subject"
    )


@case("GET /v1/email/templates")
@_with_ses
def list_templates(client, victim, intruder, ses):
    v = _victim(client, victim, ses)
    listed = client.get(TEMPLATES, auth=intruder.key_auth)
    assert listed.status == 200
    assert listed.json()["data"] == []
    assert_not_leaked(listed, v["template"]["id"], "Victim template")


@case("POST /v1/email/templates")
@_with_ses
def create_template(client, victim, intruder, ses):
    v = _victim(client, victim, ses)
    # The same name in another org is that org's own template.
    created = client.post(
        TEMPLATES,
        auth=intruder.key_auth,
        json_body={"name": "Victim template", "subject": "s", "text_body": "t"},
    )
    assert created.status == 201, created.body
    assert created.json()["id"] != v["template"]["id"]
    assert_not_leaked(created, v["template"]["id"], "Victim body")


@case("GET /v1/email/templates/{template_id}")
@_with_ses
def get_template(client, victim, intruder, ses):
    v = _victim(client, victim, ses)
    assert_hidden(client.get(f"{TEMPLATES}/{v['template']['id']}", auth=intruder.key_auth), "Victim body")


@case("PATCH /v1/email/templates/{template_id}")
@_with_ses
def update_template(client, victim, intruder, ses):
    v = _victim(client, victim, ses)
    changed = client.patch(
        f"{TEMPLATES}/{v['template']['id']}", auth=intruder.key_auth, json_body={"subject": "Mine"}
    )
    assert_hidden(changed, "Victim body")
    kept = client.get(f"{TEMPLATES}/{v['template']['id']}", auth=victim.key_auth).json()
    assert kept["subject"] == "Victim secret {{ x }}"


@case("DELETE /v1/email/templates/{template_id}")
@_with_ses
def delete_template(client, victim, intruder, ses):
    v = _victim(client, victim, ses)
    assert_hidden(client.delete(f"{TEMPLATES}/{v['template']['id']}", auth=intruder.key_auth), "Victim body")
    assert client.get(f"{TEMPLATES}/{v['template']['id']}", auth=victim.key_auth).status == 200


@case("POST /v1/email/templates/{template_id}/preview")
@_with_ses
def preview_template(client, victim, intruder, ses):
    v = _victim(client, victim, ses)
    previewed = client.post(
        f"{TEMPLATES}/{v['template']['id']}/preview",
        auth=intruder.key_auth,
        json_body={"variables": {"x": 1}},
    )
    assert_hidden(previewed, "Victim secret", "Victim body")


@case("GET /v1/email/suppressions")
@_with_ses
def list_suppressions(client, victim, intruder, ses):
    v = _victim(client, victim, ses)
    listed = client.get(SUPPRESSIONS, auth=intruder.key_auth)
    assert listed.status == 200
    assert listed.json()["data"] == []
    assert_not_leaked(listed, v["suppressed"])


@case("POST /v1/email/suppressions")
@_with_ses
def add_suppression(client, victim, intruder, ses):
    v = _victim(client, victim, ses)
    # The intruder's own list gains the address; the victim's may still email it.
    added = client.post(SUPPRESSIONS, auth=intruder.key_auth, json_body={"address": v["to"]})
    assert added.status == 200, added.body
    again = client.post(
        "/v1/emails", auth=victim.key_auth, json_body={"to": v["to"], "subject": "s", "text": "t"}
    )
    assert again.status == 202, again.body


@case("DELETE /v1/email/suppressions/{address}")
@_with_ses
def delete_suppression(client, victim, intruder, ses):
    v = _victim(client, victim, ses)
    lifted = client.delete(
        f"{SUPPRESSIONS}/{v['suppressed']}", auth=intruder.key_auth, query="reason=mine+now"
    )
    assert lifted.status == 404, lifted.body
    listed = client.get(SUPPRESSIONS, auth=victim.key_auth).json()["data"]
    assert [s["address"] for s in listed] == [v["suppressed"]]


@case("POST /webhooks/email/unsubscribe")
@_with_ses
def unsubscribe_hook(client, victim, intruder, ses):
    v = _victim(client, victim, ses)
    # A token the intruder holds (for its own org) suppresses only in the intruder's org; one
    # with the victim's org and another signature is refused.
    own = unsubscribe.sign(uuid.UUID(intruder.org_id), v["to"])
    answered = client.gateway.handle("POST", unsubscribe.PATH, raw_query=f"t={own}", headers=[], body=b"")
    assert answered.status == 200, answered.body
    victims = unsubscribe.sign(uuid.UUID(victim.org_id), v["to"]).split(".")[0]
    forged = client.gateway.handle(
        "POST", unsubscribe.PATH, raw_query=f"t={victims}.{own.split('.')[1]}", headers=[], body=b""
    )
    assert forged.status == 403
    listed = client.get(SUPPRESSIONS, auth=victim.key_auth).json()["data"]
    assert [s["address"] for s in listed] == [v["suppressed"]]


def _victim_campaign(client: Any, victim: Any, v: dict[str, Any]) -> dict[str, Any]:
    """A person of the victim's tagged `victim-tag` and a campaign to them."""
    person = client.post(
        "/v1/people",
        auth=victim.key_auth,
        json_body={
            "first_name": "Victim",
            "email": f"vp-{uuid.uuid4().hex[:8]}@example.org",
            "tags": ["victim-tag"],
        },
    ).json()
    made = client.post(
        "/v1/email/campaigns",
        auth=victim.key_auth,
        json_body={
            "name": "Victim secret campaign",
            "template_id": v["template"]["id"],
            "tag": "victim-tag",
            "variables": {"x": "1"},
        },
    )
    assert made.status == 202, made.body
    return {"person": person, "campaign": made.json()}


@case("POST /v1/email/campaigns")
@_with_ses
def create_campaign(client, victim, intruder, ses):
    v = _victim(client, victim, ses)
    c = _victim_campaign(client, victim, v)
    sending_domain(client, intruder, ses)
    own = client.post(
        TEMPLATES, auth=intruder.key_auth, json_body={"name": "Mine", "subject": "Mine", "text_body": "Mine"}
    ).json()
    # The victim's template, people and tag are not the intruder's: refused, nothing made.
    for body, code in (
        ({"name": "x", "template_id": v["template"]["id"], "tag": "victim-tag"}, "reference_not_found"),
        ({"name": "x", "template_id": own["id"], "person_ids": [c["person"]["id"]]}, "empty_audience"),
        ({"name": "x", "template_id": own["id"], "tag": "victim-tag"}, "empty_audience"),
    ):
        refused = client.post("/v1/email/campaigns", auth=intruder.key_auth, json_body=body)
        assert refused.status == 422, (body, refused.body)
        assert refused.json()["errors"][0]["code"] == code
        assert_not_leaked(refused, c["person"]["email"], "Victim secret campaign")


@case("GET /v1/email/campaigns/{campaign_id}")
@_with_ses
def get_campaign(client, victim, intruder, ses):
    v = _victim(client, victim, ses)
    c = _victim_campaign(client, victim, v)
    assert_hidden(
        client.get(f"/v1/email/campaigns/{c['campaign']['id']}", auth=intruder.key_auth),
        "Victim secret campaign",
    )
