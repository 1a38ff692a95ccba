"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`."""

from alliance import create_app

app = create_app()
