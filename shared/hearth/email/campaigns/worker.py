"""The campaign worker (``EmailCampaignQueue``'s consumer): make a campaign's emails, a chunk
at a time::

    process(CampaignMessage(org_id, campaign_id))   # -> "expanded", "continues" or "done"

Each chunk is its own short tenant transaction: lock the campaign row (a second worker on the
same campaign waits for the chunk, then carries on after it), take the next :data:`CHUNK`
people of the audience after the campaign's cursor (by id), render the template for each
(``person`` and the campaign's variables), skip the suppressed and those with no address
(counted), insert one ``queued`` email per person (at most one per campaign and person), emit
``email.queued`` for each, count them in the usage ledger, and move the cursor and the counts.
After the commit the events are relayed at once (the send queue is fed from them as from every
email). A worker stopped anywhere resumes at the cursor; a repeated message finds the campaign
``expanded`` and does nothing. After :data:`BUDGET_SECONDS` the worker queues the campaign
again and stops, so a campaign of any size fits in the function's timeout.

A template that does not render for a person ends the campaign ``failed``
(``template_render_failed``); the emails already made are sent.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from hearth import db, outbox
from hearth.billing import usage
from hearth.email import store as email_store
from hearth.email.campaigns import store
from hearth.email.campaigns.logic import person_variables
from hearth.events.types import EMAIL_CAMPAIGN_QUEUED, EMAIL_QUEUED
from hearth.observability import logger
from hearth.outbox import channels

#: People per chunk (one transaction each; docs/decisions.md has the measured figure).
CHUNK = 250
#: Seconds a worker makes emails before it queues the rest of the campaign again.
BUDGET_SECONDS = 600.0
ACTOR: tuple[str, str | None] = ("system", "email_campaign")


@dataclass(frozen=True, slots=True)
class CampaignMessage:
    """What the campaign queue carries (``hearth.outbox.channels``: ``email_campaign.queued``)."""

    org_id: UUID
    campaign_id: UUID

    @classmethod
    def parse(cls, body: str) -> CampaignMessage:
        data = json.loads(body)
        return cls(org_id=UUID(data["org_id"]), campaign_id=UUID(data["campaign_id"]))


def process_record(record: Any) -> None:
    """The consumer's record handler."""
    process(CampaignMessage.parse(record.body))


def process(message: CampaignMessage, *, budget: float = BUDGET_SECONDS, chunk: int = CHUNK) -> str:
    """Make the campaign's emails (see the module docstring); the outcome."""
    started = time.monotonic()
    while True:
        outcome = expand_chunk(message, chunk)
        if outcome != "more":
            return outcome
        if time.monotonic() - started > budget:
            channels.route(message.org_id, EMAIL_CAMPAIGN_QUEUED, message.campaign_id)
            logger.info(
                "campaign continues in a new message", extra={"campaign_id": str(message.campaign_id)}
            )
            return "continues"


def expand_chunk(message: CampaignMessage, chunk: int = CHUNK) -> str:
    """One chunk in one transaction: ``more``, ``expanded``, ``failed`` or ``done`` (nothing left)."""
    from hearth.email.render import RenderError, render

    events: list[UUID] = []
    with db.tenant_transaction(message.org_id) as conn:
        campaign = store.get(conn, message.campaign_id, lock=True)
        if campaign is None or campaign["status"] in ("expanded", "failed"):
            return "done"
        template = email_store.get_template(conn, campaign["template_id"])
        people = store.next_people(conn, campaign["person_ids"], campaign["tag"], campaign["cursor"], chunk)
        addresses = [str(p["email"]).lower() for p in people if p["email"]]
        held = email_store.suppressed(conn, addresses, campaign["category"])
        rows: list[dict[str, Any]] = []
        suppressed = no_address = 0
        assert template is not None  # a template with campaigns cannot be deleted (RESTRICT)
        for person in people:
            address = str(person["email"] or "").lower()
            if not address:
                no_address += 1
                continue
            if address in held:
                suppressed += 1
                continue
            try:
                out = render(
                    subject=template["subject"],
                    text=template["text_body"],
                    html=template["html_body"],
                    variables={**campaign["variables"], "person": person_variables(person)},
                )
            except RenderError as exc:
                logger.warning("campaign template did not render", extra={"part": exc.part})
                store.fail(conn, campaign["id"], "template_render_failed")
                return "failed"
            rows.append(
                {
                    "campaign_id": campaign["id"],
                    "category": campaign["category"],
                    "from_address": campaign["from_address"],
                    "to_addresses": [address],
                    "reply_to": campaign["reply_to"],
                    "subject": out.subject,
                    "text_body": out.text,
                    "html_body": out.html,
                    "template_id": campaign["template_id"],
                    "person_id": person["id"],
                    "company_id": person["company_id"],
                    "sent_by": campaign["created_by"],
                }
            )
        made = store.insert_emails(conn, rows)
        for email_id in made:
            events.append(
                outbox.emit(
                    conn,
                    org_id=message.org_id,
                    actor=ACTOR,
                    type=EMAIL_QUEUED,
                    resource_type="email",
                    resource_id=email_id,
                    data={
                        "object": {
                            "id": str(email_id),
                            "status": "queued",
                            "campaign_id": str(campaign["id"]),
                        }
                    },
                )
            )
        done = len(people) < chunk
        if made:
            usage.record(
                conn, message.org_id, "email", f"email_campaign:{campaign['id']}:{made[0]}", len(made)
            )
        store.advance(
            conn,
            campaign["id"],
            cursor=people[-1]["id"] if people else campaign["cursor"],
            recipients=len(made),
            suppressed=suppressed,
            no_address=no_address,
            done=done,
        )
    outbox.after_commit(message.org_id, events)
    return "expanded" if done else "more"
