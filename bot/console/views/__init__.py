"""Console views, one module per area; importing this package attaches every route to `bp`."""

from bot.console.views import admin, dashboard, kb, login, sessions, simulator, tickets  # noqa: F401
