"""PUT /v1/people?match=email: create or update the person with a primary email."""

from hearth.crm.people import logic
from hearth.crm.people.store import PEOPLE
from hearth.records import routes

api = routes.upsert_record(
    PEOPLE,
    "email",
    create=logic.create,
    update=logic.update_fields,
    doc="Update the live person with this email (the fields sent), or create them: 200 or 201.",
)

handler = api.handler
