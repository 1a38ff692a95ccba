"""Database setup that depends on the backend (SQLite pragmas so the web process and workers share a
file), and the answer when the database cannot be reached: 503 with Retry-After, never a 500."""

import logging

from flask import Flask, current_app, g
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from werkzeug.exceptions import ServiceUnavailable

from alliance.extensions import db, login_manager

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5


def init_database(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
    # Pool exhausted (TimeoutError), server down or restarting (OperationalError, or a connection it
    # dropped: InterfaceError): the request may succeed in a few seconds.
    for error in (sa_exc.TimeoutError, sa_exc.OperationalError, sa_exc.InterfaceError):
        app.register_error_handler(error, database_unavailable)
    # Registered after Flask-SQLAlchemy's, so it runs first (teardowns run in reverse order).
    app.teardown_appcontext(_close_session)


def _close_session(_error) -> None:
    """End the request's session; a connection the database dropped meanwhile (a restart) must not turn
    an answer already made into a 500 when its transaction is rolled back."""
    try:
        db.session.remove()
    except sa_exc.DBAPIError as error:
        log.warning("Dropped a broken database connection: %s", str(error).splitlines()[0])
        try:
            db.session.registry().invalidate()  # close its connections without talking to the server
        except sa_exc.DBAPIError:
            pass
        finally:
            db.session.registry.clear()


def database_unavailable(error: Exception):
    log.warning("Database unavailable, answering 503: %s", str(error).splitlines()[0] if str(error) else error)
    try:
        db.session.rollback()
    except sa_exc.SQLAlchemyError:
        pass
    # The error page must not reach for the database again (e.g. to load the logged-in user).
    g._login_user = login_manager.anonymous_user()
    unavailable = ServiceUnavailable(_("The service is busy or restarting. Please try again in a few seconds."))
    response = current_app.make_response(current_app.handle_http_exception(unavailable))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the worker write a snapshot while the web app reads; busy_timeout waits for a lock
    # instead of failing at once; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def is_postgres(engine: Engine | None = None) -> bool:
    return (engine or db.engine).dialect.name == "postgresql"
