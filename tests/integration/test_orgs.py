from __future__ import annotations


def test_create_org_makes_the_caller_owner(client, admin_db):
    user = client.new_user("founder")
    created = client.post(
        "/v1/orgs", auth=user.auth, json_body={"name": "  Initech  ", "timezone": "Europe/Berlin"}
    )
    assert created.status == 201
    body = created.json()
    assert body["name"] == "Initech"
    assert body["role"] == "owner"
    assert body["timezone"] == "Europe/Berlin"
    member = admin_db.execute(
        "SELECT m.role FROM org_members m JOIN users u ON u.id = m.user_id"
        " WHERE m.org_id = %s AND u.idp_subject = %s",
        (body["id"], user.subject),
    ).fetchone()
    assert member == {"role": "owner"}
    audit = admin_db.execute("SELECT action FROM audit_logs WHERE org_id = %s", (body["id"],)).fetchall()
    assert [a["action"] for a in audit] == ["org.create"]
