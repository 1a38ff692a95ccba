"""The database a benchmark runs on: a fresh SQLite file in a temporary folder, or the one DATABASE_URL names
with its public schema dropped and rebuilt, as the test suite does (only with --reset-database: point it at
a database meant for benchmarks)."""

import os
import sys
import tempfile
from pathlib import Path

import flask_migrate
import sqlalchemy as sa
from flask import Flask

from alliance import create_app
from alliance.extensions import db
from config import TestConfig


def fresh_app(reset_confirmed: bool) -> tuple[Flask, str]:
    """An app on an empty database migrated to the head, and the backend's name. Exits unless
    --reset-database confirmed that the database DATABASE_URL names may be emptied."""
    if os.environ.get("DATABASE_URL") and not reset_confirmed:
        sys.exit("DATABASE_URL is set: this drops its public schema. Add --reset-database if that is what you want.")
    folder = Path(tempfile.mkdtemp(prefix="alliance-bench-"))
    config = TestConfig()
    if not os.environ.get("DATABASE_URL"):
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'bench.sqlite'}"
    config.REDIS_EMBEDDED_PATH = os.environ.get("REDIS_EMBEDDED_PATH") or str(folder / "redis.rdb")
    app = create_app(config)
    return app, rebuild_schema(app)


def rebuild_schema(app) -> str:
    """Empty the app's database (PostgreSQL: drop the public schema; a new SQLite file is empty already),
    migrate it to the head and return the backend's name."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        flask_migrate.upgrade()
        return db.engine.dialect.name
