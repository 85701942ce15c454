"""The dashboard: traffic, how often the bot answered by itself, and what is waiting for a person."""

from __future__ import annotations

from flask import current_app, redirect, render_template, url_for
from werkzeug.wrappers import Response

from bot.console.auth import require_role
from bot.console.blueprint import bp
from bot.console.stats import dashboard_stats, overdue_real_tickets
from bot.storage.db import get_session


@bp.get("/")
def index() -> Response:
    return redirect(url_for("console.dashboard"))


@bp.get("/dashboard")
@require_role("staff", "volunteer")
def dashboard() -> str:
    db = get_session()
    hours = float(current_app.config["XINGBAN_TICKET_OVERDUE_HOURS"])
    stats = dashboard_stats(db, hours)
    return render_template("console/dashboard.html", stats=stats, overdue=overdue_real_tickets(db, hours)[:10],
                           overdue_hours=hours, policy_alerts=_policy_alerts())


def _policy_alerts() -> list[tuple[str, str, str]]:
    """Admins: documents past or within 90 days of their end (issue 16)."""
    from bot.console.auth import current_staff, has_role
    from bot.console.views.policies import knowledge_root, policy_alerts

    staff = current_staff()
    return policy_alerts(knowledge_root()) if staff is not None and has_role(staff, "admin") else []
