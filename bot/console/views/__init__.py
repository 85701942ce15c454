"""Console views, one module per area; importing this package attaches every route to `bp`."""

from bot.console.views import (  # noqa: F401
    admin,
    centres,
    dashboard,
    deliveries,
    enrolments,
    exports,
    families,
    kb,
    login,
    policies,
    sessions,
    simulator,
    tickets,
)
