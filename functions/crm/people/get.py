"""GET /v1/people/{person_id}: one person."""

from hearth.crm.people.store import PEOPLE
from hearth.records import routes

api = routes.get_record(
    PEOPLE, doc="The person, with its ETag (send it back as If-Match when you change it)."
)

handler = api.handler
