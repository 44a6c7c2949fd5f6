"""The list engine: filters, sort, keyset cursor and text search, declared once per resource.

Every list route takes the same query syntax::

    filter[<field>][<op>]=<value>    op: eq ne lt lte gt gte in contains (alias ilike)
                                         starts_with is_null
    filter[<field>]=<value>          shorthand for eq
    sort=-amount,name                up to 3 fields; "-" sorts descending; empty values sort last;
                                     the key (the id) breaks ties, so the order is total and stable
    q=acme                           case-insensitive text search over the resource's names/emails
    include_deleted=true             admins and owners: soft-deleted rows too
    limit=50&cursor=…                keyset pagination (the cursor is the last row's sort key)

Values: ``in`` takes a comma-separated list (up to 100); ``is_null`` takes ``true``/``false``;
``contains`` is a case-insensitive substring match on text, and "has this tag" on tags;
``starts_with`` is a case-sensitive prefix match, offered by the text fields declared with
``prefix=True`` (event types, audit actions); ``%`` and ``_`` are plain characters in both. ``ne``
also matches rows where the field is empty. Dates are ``YYYY-MM-DD``, times ISO 8601 (UTC when
no offset is given). Custom properties filter as ``filter[properties.<key>][<op>]``, compared
as text. Conditions combine with AND. A resource declares its list once::

    COMPANIES = Listing(
        select="SELECT r.* FROM companies r",
        fields=(Field("name", "text", sortable=True, nullable=False), Field("employee_count", "int")),
        search=("r.name", "r.domain"),
    )
    query = COMPANIES.parse(ctx.request.query, sort="-created_at", q=None, include_deleted=False)
    rows, next_cursor = COMPANIES.page(ctx.db, query, limit=50, cursor=None)
    page = COMPANIES.fetch(ctx, Company, limit=50, cursor=None, sort=None)  # both, as a Page

The tie-breaking ``key`` is the field ``id`` unless the list names another unique, non-empty
field (members: ``key="user_id"``). A list may keep older plain query parameters as ``aliases``
of filters, translated here, once, with problems named after the plain parameter::

    EVENTS = Listing(..., aliases={"since": Alias("occurred_at", "gte"), "type": Alias("type", translate=f)})
    # ?since=2026-01-01 is filter[occurred_at][gte]=2026-01-01; f("deal.*") -> ("starts_with", "deal.")

Every value is a bound parameter; field expressions are SQL written in code, never taken from a
request, and row-level security still scopes every row to the tenant.
"""

from hearth.listing.engine import Listing
from hearth.listing.fields import (
    OPS,
    Alias,
    Condition,
    Field,
    IncludeDeleted,
    Kind,
    ListQuery,
    Op,
    Search,
    Sort,
    SortKey,
    parse_value,
    time_window,
)

__all__ = [
    "OPS",
    "Alias",
    "Condition",
    "Field",
    "IncludeDeleted",
    "Kind",
    "ListQuery",
    "Listing",
    "Op",
    "Search",
    "Sort",
    "SortKey",
    "parse_value",
    "time_window",
]
