"""GET /v1/audit-logs: the org's audit log, newest first."""

from hearth.audit_logs.models import AuditLog
from hearth.audit_logs.store import LISTING
from hearth.records import routes

api = routes.list_rows(
    "/v1/audit-logs",
    LISTING,
    AuditLog,
    permission="audit_logs:read",
    doc="List audit rows (admins and owners), filtered by action, actor, resource and time.",
    operation_id="list_audit_logs",
)
handler = api.handler
