"""CSV downloads: tickets and enrolments (staff and admins), the audit log (admins). Each one is audited."""

from __future__ import annotations

from flask import Response, abort

from bot.console.audit import record
from bot.console.auth import current_staff, has_role, require_role
from bot.console.blueprint import bp
from bot.console.exports import (
    AUDIT_HEADER,
    ENROLMENT_HEADER,
    TICKET_HEADER,
    audit_rows,
    enrolment_rows,
    ticket_rows,
    to_csv,
)
from bot.storage.db import get_session
from bot.timeutil import utcnow

EXPORTS = {"tickets": (TICKET_HEADER, ticket_rows, "staff"), "enrolments": (ENROLMENT_HEADER, enrolment_rows, "staff"),
           "audit": (AUDIT_HEADER, audit_rows, "admin")}


@bp.get("/export/<any(tickets, enrolments, audit):what>.csv")
@require_role("staff")
def export_csv(what: str) -> Response:
    header, rows, role = EXPORTS[what]
    if not has_role(current_staff(), role):
        abort(403)
    db = get_session()
    body = to_csv(header, rows(db))
    record("export_csv", target=f"export:{what}", db=db)
    name = f"xingban-{what}-{utcnow():%Y%m%d}.csv"
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}"})
