"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`."""

from alliance import create_app
from alliance.logs import configure_logging

configure_logging()
app = create_app()
