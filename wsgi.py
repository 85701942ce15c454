"""WSGI entry point: `gunicorn wsgi:app` (configuration comes from the environment)."""

from bot import create_app

app = create_app()
