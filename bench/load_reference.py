"""Benchmark: load the whole CPV 2008 vocabulary (9,454 categories) into an empty database, then again.

    .venv/bin/python bench/load_reference.py

Uses a fresh SQLite file in a temporary folder, or DATABASE_URL when set together with --reset-database
(its public schema is dropped and rebuilt, as the test suite does: point it at a database meant for
benchmarks). Prints the first load (everything inserted) and the second (nothing changes).
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from alliance.extensions import db  # noqa: E402
from alliance.models import Category  # noqa: E402
from alliance.reference.loader import load_reference  # noqa: E402
from bench._database import fresh_app  # noqa: E402


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
    app, backend = fresh_app(arguments.reset_database)
    for run in ("first", "second"):
        elapsed, report = timed_load(app)
        print(f"{backend}: {run} load {elapsed:.2f} s — {len(report.created):,} added, {len(report.updated):,} "
              f"updated, {len(report.unchanged):,} unchanged")
    with app.app_context():
        print(f"{backend}: categories in the table: {db.session.scalar(sa.select(sa.func.count(Category.id))):,}")


if __name__ == "__main__":
    main()
