"""POST /v1/projects/{project_id}/purge: remove a deleted project for good, with its own tasks and notes."""

from uuid import UUID

from hearth import needs
from hearth.http import Api, RequestContext
from hearth.lifecycle import deletion_projects
from hearth.lifecycle.deletion_projects import ProjectPurged

api = Api()


@api.post("/v1/projects/{project_id}/purge", permission="projects:purge", needs=[needs.EVENTS])
def purge_project(ctx: RequestContext, project_id: UUID) -> ProjectPurged:
    """Remove a soft-deleted project for good (409 `project_not_deleted` for a live one): with it
    go its members, links and time entries, and the tasks and notes linked to it alone (with their
    dependencies and GitHub links); a task or note linked elsewhere too keeps that link. Admins and
    owners. Not undone by restore."""
    return deletion_projects.purge(ctx, project_id)


handler = api.handler
