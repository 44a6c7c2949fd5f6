"""Every hour: write the head (seq, hash) of every org's audit chain that moved since its last
anchor to the anchor bucket (S3 Object Lock, compliance mode), outside the database's reach.
Runs as the system role (cross-tenant); may only put objects under the anchor prefix."""

from hearth import needs
from hearth.audit_logs import anchors
from hearth.deployment import Schedule

schedule = Schedule(
    rate="rate(1 hour)",
    name="Hourly",
    description="Anchors every moved audit chain head in the Object Lock bucket.",
    needs=[needs.SYSTEM_DB, needs.AUDIT_ANCHOR_WRITE],
    timeout=300,
)

handler = schedule.handler(anchors.anchor_all)
