"""Links from a task or a note to the records it is about (a company, person, deal or project).

Each link is a row of ``task_links`` / ``note_links`` with one composite foreign key per record
type, so a link can only point inside the org. Links are sent and returned as a list::

    "links": [{"type": "company", "id": "…"}, {"type": "deal", "id": "…"}]

and an update replaces the whole list. Lists filter by link: ``filter[company_id]=…``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal
from uuid import UUID

from psycopg import sql
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from hearth.http.context import RequestContext
from hearth.listing import Field as ListField
from hearth.problems import Unprocessable, field_error

LinkType = Literal["company", "person", "deal", "project"]
COLUMNS: dict[str, str] = {
    "company": "company_id",
    "person": "person_id",
    "deal": "deal_id",
    "project": "project_id",
}
TABLES: dict[str, str] = {"company": "companies", "person": "people", "deal": "deals", "project": "projects"}
MAX_LINKS = 20


class Link(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: LinkType
    id: UUID


def _distinct(links: list[Link]) -> list[Link]:
    return list(dict.fromkeys(links))


Links = Annotated[
    list[Link],
    Field(max_length=MAX_LINKS, description="The records this is about (company, person, deal, project)."),
    AfterValidator(_distinct),
]


@dataclass(frozen=True, slots=True)
class LinkTable:
    """The link table of one resource: ``LinkTable("task_links", "task_id")``."""

    table: str
    owner: str

    def check(self, ctx: RequestContext, links: list[Link], field: str = "links") -> None:
        """422 naming every link to a record that is not a live record of this org."""
        errors = []
        for kind, table in TABLES.items():
            wanted = {link.id for link in links if link.type == kind}
            if not wanted:
                continue
            found = {
                row["id"]
                for row in ctx.db.execute(
                    sql.SQL("SELECT id FROM {} WHERE id = ANY(%s) AND deleted_at IS NULL").format(
                        sql.Identifier(table)
                    ),
                    (list(wanted),),
                )
            }
            for index, link in enumerate(links):
                if link.type == kind and link.id not in found:
                    message = f"No {kind} with this id in this org."
                    errors.append(field_error(f"{field}.{index}.id", message, "reference_not_found"))
        if errors:
            raise Unprocessable(
                "reference_not_found", "A linked record does not exist in this org.", errors=errors
            )

    def of(self, ctx: RequestContext, owner_id: UUID) -> list[Link]:
        rows: list[dict[str, Any]] = [{"id": owner_id}]
        self.load(ctx, rows)
        links: list[Link] = rows[0]["links"]
        return links

    def load(self, ctx: RequestContext, rows: list[dict[str, Any]]) -> None:
        """Add ``links`` to each row (decorate step)."""
        found = ctx.db.execute(
            sql.SQL(
                "SELECT {owner} AS owner, company_id, person_id, deal_id, project_id FROM {table}"
                " WHERE {owner} = ANY(%s) ORDER BY created_at, id"
            ).format(owner=sql.Identifier(self.owner), table=sql.Identifier(self.table)),
            ([r["id"] for r in rows],),
        ).fetchall()
        for row in rows:
            row["links"] = [
                Link(type=kind, id=link[column])
                for link in found
                if link["owner"] == row["id"]
                for kind, column in COLUMNS.items()
                if link[column] is not None
            ]

    def replace(self, ctx: RequestContext, owner_id: UUID, links: list[Link]) -> None:
        ctx.db.execute(
            sql.SQL("DELETE FROM {table} WHERE {owner} = %s").format(
                table=sql.Identifier(self.table), owner=sql.Identifier(self.owner)
            ),
            (owner_id,),
        )
        for link in links:  # clock_timestamp(): links keep the order they were given in
            ctx.db.execute(
                sql.SQL(
                    "INSERT INTO {table} (org_id, {owner}, {column}, created_at)"
                    " VALUES (%s, %s, %s, clock_timestamp())"
                ).format(
                    table=sql.Identifier(self.table),
                    owner=sql.Identifier(self.owner),
                    column=sql.Identifier(COLUMNS[link.type]),
                ),
                (ctx.org_id, owner_id, link.id),
            )

    def filters(self) -> tuple[ListField, ...]:
        """List filters by linked record: ``filter[company_id]=…`` (eq or in)."""
        return tuple(
            ListField(
                column,
                "uuid",
                # identifiers from this module's constants; the values are one bound array
                exists=f"SELECT 1 FROM {self.table} l WHERE l.{self.owner} = r.id AND l.{column} = ANY({{}})",  # noqa: S608
            )
            for column in COLUMNS.values()
        )
