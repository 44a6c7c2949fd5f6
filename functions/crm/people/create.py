"""POST /v1/people: create a person."""

from hearth.crm.people import logic
from hearth.crm.people.store import PEOPLE
from hearth.records import routes

api = routes.create_record(
    PEOPLE, logic.create, doc="Create a person. The primary email must not be used by another live person."
)

handler = api.handler
