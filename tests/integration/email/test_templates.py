"""Email templates: CRUD, preview with the linked records and variables, rendered at send time
and stored rendered; Jinja2's sandbox refuses Python's internals, HTML is autoescaped (the
subject and text are not), and a template that does not render is a 422 with nothing stored
or sent."""

from __future__ import annotations

import pytest

from hearth.email.render import RenderError, render
from tests.integration.email.helpers import count, new_address, queued, send, shown
from tests.integration.email.moto_ses import sending_domain

TEMPLATES = "/v1/email/templates"


def _template(client, tenant, **body):
    created = client.post(TEMPLATES, auth=tenant.key_auth, json_body=body)
    assert created.status == 201, created.body
    return created.json()


def test_template_crud_and_preview_with_records(client, tenant):
    company = client.post("/v1/companies", auth=tenant.key_auth, json_body={"name": "Initech"}).json()
    person = client.post(
        "/v1/people",
        auth=tenant.key_auth,
        json_body={"first_name": "Ada", "email": new_address(), "company_id": company["id"]},
    ).json()
    template = _template(
        client,
        tenant,
        name="Welcome",
        subject="Welcome, {{ person.first_name }}",
        text_body="Hello {{ person.first_name }} of {{ company.name }}: {{ note }}",
        html_body="<p>Hello {{ person.first_name }}: {{ note }}</p>",
    )
    assert client.get(f"{TEMPLATES}/{template['id']}", auth=tenant.key_auth).json()["name"] == "Welcome"
    assert [t["id"] for t in client.get(TEMPLATES, auth=tenant.key_auth).json()["data"]] == [template["id"]]
    preview = client.post(
        f"{TEMPLATES}/{template['id']}/preview",
        auth=tenant.key_auth,
        json_body={"person_id": person["id"], "company_id": company["id"], "variables": {"note": "<b>&</b>"}},
    )
    assert preview.status == 200, preview.body
    assert preview.json() == {
        "subject": "Welcome, Ada",
        "text_body": "Hello Ada of Initech: <b>&</b>",
        "html_body": "<p>Hello Ada: &lt;b&gt;&amp;&lt;/b&gt;</p>",
    }
    duplicate = client.post(
        TEMPLATES, auth=tenant.key_auth, json_body={"name": "welcome", "subject": "x", "text_body": "y"}
    )
    assert duplicate.status == 409, duplicate.body
    changed = client.patch(
        f"{TEMPLATES}/{template['id']}",
        auth=tenant.key_auth,
        json_body={"subject": "Hi {{ person.first_name }}"},
    )
    assert changed.status == 200, changed.body
    assert changed.json()["version"] == template["version"] + 1
    assert client.delete(f"{TEMPLATES}/{template['id']}", auth=tenant.key_auth).status == 204
    assert client.get(f"{TEMPLATES}/{template['id']}", auth=tenant.key_auth).status == 404


def test_a_template_that_does_not_parse_is_refused(client, tenant):
    refused = client.post(
        TEMPLATES, auth=tenant.key_auth, json_body={"name": "Broken", "subject": "{{ oops", "text_body": "x"}
    )
    assert refused.status == 422, refused.body
    assert refused.json()["code"] == "template_render_failed"


def test_send_renders_and_stores_the_result_and_a_render_failure_sends_nothing(client, tenant, ses, admin_db):
    sending_domain(client, tenant, ses)
    person = client.post(
        "/v1/people", auth=tenant.key_auth, json_body={"first_name": "Grace", "email": new_address()}
    ).json()
    template = _template(
        client,
        tenant,
        name="Order",
        subject="Order {{ number }} for {{ person.first_name }}",
        html_body="<p>{{ person.first_name }}, order {{ number }} ships.</p>",
    )
    email = queued(
        client, tenant, {"to": person["id"], "template_id": template["id"], "variables": {"number": 42}}
    )
    assert email["subject"] == "Order 42 for Grace"
    assert email["html"] == "<p>Grace, order 42 ships.</p>"
    assert email["template_id"] == template["id"]
    ses.send_queue.drain()
    assert "order 42 ships" in ses.sent()[0].raw_data
    # A variable the template names and the send does not give: 422, nothing stored, nothing sent.
    missing = send(client, tenant, {"to": person["id"], "template_id": template["id"]})
    assert missing.status == 422, missing.body
    problem = missing.json()
    assert problem["code"] == "template_render_failed"
    assert problem["errors"][0]["field"] == "subject"
    sandboxed = _template(client, tenant, name="Escape", subject="x", text_body="{{ ''.__class__.__mro__ }}")
    refused = send(client, tenant, {"to": person["id"], "template_id": sandboxed["id"]})
    assert refused.status == 422, refused.body
    assert refused.json()["code"] == "template_render_failed"
    assert count(admin_db, "SELECT count(*) AS n FROM emails WHERE org_id = %s", tenant.org_id) == 1
    assert len(ses.sent()) == 1
    assert shown(client, tenant, email["id"])["status"] == "sending"


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ person.__class__.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ ''.__class__.mro() }}",
        "{{ person.update({'x': 1}) }}",
        "{{ ''.format.__self__ }}",
        "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
        "{{ lipsum.__globals__ }}",
        "{{ range.__self__ }}",
    ],
)
def test_the_sandbox_refuses_pythons_internals(source):
    # Jinja2 renders an attribute the sandbox hides as undefined, which strict mode refuses, and
    # an unsafe call raises SecurityError: either way nothing of Python's internals comes out.
    with pytest.raises(RenderError):
        render(subject="x", text=source, html=None, variables={"person": {"first_name": "Ada"}})


def test_html_is_autoescaped_and_text_is_not():
    rendered = render(
        subject="{{ name }}",
        text="{{ name }}",
        html='<a href="{{ url }}">{{ name }}</a>',
        variables={"name": "<script>alert(1)</script>", "url": '" onclick="x'},
    )
    assert rendered.html == '<a href="&#34; onclick=&#34;x">&lt;script&gt;alert(1)&lt;/script&gt;</a>'
    assert rendered.text == "<script>alert(1)</script>"
    assert rendered.subject == "<script>alert(1)</script>"
