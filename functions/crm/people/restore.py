"""POST /v1/people/{person_id}/restore: undo the soft delete of a person."""

from hearth.crm.people.store import PEOPLE
from hearth.records import routes

api = routes.restore_record(PEOPLE, doc="Restore a deleted person (409 if a live person now has the email).")

handler = api.handler
