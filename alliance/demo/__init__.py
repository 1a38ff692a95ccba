"""Demo data for `flask --app wsgi demo`: each feature adds its part, in order, idempotently."""

from alliance.extensions import db


def load_demo() -> None:
    db.session.commit()
