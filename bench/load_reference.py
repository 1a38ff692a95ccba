"""Benchmark: load the whole CPV 2008 vocabulary (9,454 categories) into an empty database, then again.

    .venv/bin/python bench/load_reference.py

Uses a fresh SQLite file in a temporary folder, or DATABASE_URL when set together with --reset-database
(its public schema is dropped and rebuilt, as the test suite does: point it at a database meant for
benchmarks). Prints the first load (everything inserted) and the second (nothing changes).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from alliance import create_app  # noqa: E402
from alliance.extensions import db  # noqa: E402
from alliance.models import Category  # noqa: E402
from alliance.reference.loader import load_reference  # noqa: E402
from config import TestConfig  # noqa: E402


def timed_load(app) -> tuple[float, object]:
    with app.app_context():
        started = time.perf_counter()
        report = load_reference()
        db.session.commit()
        return time.perf_counter() - started, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reset-database", action="store_true", help="drop and rebuild DATABASE_URL's schema")
    arguments = parser.parse_args()
    if os.environ.get("DATABASE_URL") and not arguments.reset_database:
        sys.exit("DATABASE_URL is set: this drops its public schema. Add --reset-database if that is what you want.")
    folder = Path(tempfile.mkdtemp(prefix="alliance-bench-"))
    config = TestConfig()
    if not os.environ.get("DATABASE_URL"):
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'bench.sqlite'}"
    config.REDIS_EMBEDDED_PATH = os.environ.get("REDIS_EMBEDDED_PATH") or str(folder / "redis.rdb")
    app = create_app(config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        flask_migrate.upgrade()
        backend = db.engine.dialect.name
    for run in ("first", "second"):
        elapsed, report = timed_load(app)
        print(f"{backend}: {run} load {elapsed:.2f} s — {len(report.created):,} added, {len(report.updated):,} "
              f"updated, {len(report.unchanged):,} unchanged")
    with app.app_context():
        print(f"{backend}: categories in the table: {db.session.scalar(sa.select(sa.func.count(Category.id))):,}")


if __name__ == "__main__":
    main()
