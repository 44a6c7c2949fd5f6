"""DELETE /v1/people/{person_id}: soft-delete a person."""

from hearth.crm.people.store import PEOPLE
from hearth.records import routes

api = routes.delete_record(
    PEOPLE, doc="Soft-delete a person (restore with POST …/restore). Members delete their own."
)

handler = api.handler
