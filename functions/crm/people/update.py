"""PATCH /v1/people/{person_id}: change some fields of a person."""

from hearth.crm.people import logic
from hearth.crm.people.store import PEOPLE
from hearth.records import routes

api = routes.update_record(
    PEOPLE, logic.update, doc="Change the fields sent (send If-Match with the ETag to avoid lost updates)."
)

handler = api.handler
