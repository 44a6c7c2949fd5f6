"""Every day: remove for good every org deleted longer ago than its grace period (30 days): its
objects in the buckets, then its rows in foreign-key order, in batches, resumable; the provider
areas are told first through ``org.deletion_finalising``. Runs as the system role
(``hearth.lifecycle.deletion_finaliser``)."""

from hearth import needs
from hearth.deployment import Schedule
from hearth.lifecycle import deletion_finaliser

schedule = Schedule(
    rate="rate(1 day)",
    name="Daily",
    description="Removes the data of orgs whose deletion grace period has ended.",
    needs=[needs.SYSTEM_DB, needs.APP_DB, needs.EVENTS, needs.ORG_OBJECTS_DELETE],
    timeout=900,
)

handler = schedule.handler(deletion_finaliser.finalise)
