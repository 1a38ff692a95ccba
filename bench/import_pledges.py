"""Benchmark: import 10,000 generated pledge lines (CSV and XLSX) and print the time.

    .venv/bin/python bench/import_pledges.py [--lines 10000]

Uses a fresh SQLite file in a temporary folder, or DATABASE_URL when set together with --reset-database
(its public schema is dropped and rebuilt, as the test suite does: point it at a database meant for
benchmarks).
"""

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import openpyxl  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from alliance.extensions import db  # noqa: E402
from alliance.models import Pledge, User  # noqa: E402
from alliance.pledges import importing  # noqa: E402
from bench._database import fresh_app  # noqa: E402
from tests.factories import make_pledging_round  # noqa: E402


def generate_rows(lines: int) -> list[list]:
    quarters = [f"{year}-Q{q}" for year in (2027, 2028) for q in (1, 2, 3, 4)]
    countries = ["SE", "DE", "FR", "NL", "DK", "FI", "ES", "IT"]
    rows = []
    for i in range(lines):
        laptop = i % 3 != 0
        quantity = 150 + (i * 37) % 3850
        unit_price = 950 if laptop else 210
        rows.append(["30213100-6" if laptop else "30231310-3", "2" if laptop else "1", "core" if i % 4 else
                     "comprehensive", quantity, f"{quantity * unit_price}.00", "EUR", quarters[i % len(quarters)],
                     countries[i % len(countries)], "", "submitted"])
    return rows


def as_csv(rows) -> bytes:
    lines = [",".join(importing.COLUMNS)] + [",".join(str(c) for c in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def as_xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(importing.COLUMNS))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(app, world, data: bytes, filename: str) -> tuple[float, int]:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == world["a"]))
        started = time.perf_counter()
        result = importing.import_file(user, world["round_id"], data, filename)
        assert result.ok, result.errors[:5] or result.file_error
        db.session.commit()
        elapsed = time.perf_counter() - started
        return elapsed, db.session.scalar(sa.select(sa.func.count()).select_from(Pledge))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--reset-database", action="store_true", help="drop and rebuild DATABASE_URL's schema")
    arguments = parser.parse_args()
    lines = arguments.lines
    app, backend = fresh_app(arguments.reset_database)
    world = make_pledging_round(app)
    rows = generate_rows(lines)
    csv_data, xlsx_data = as_csv(rows), as_xlsx(rows)
    csv_time, total = run(app, world, csv_data, "bench.csv")
    print(f"{backend}: CSV  {lines:,} lines ({len(csv_data) / 1e6:.1f} MB) validated and stored in {csv_time:.2f} s "
          f"({lines / csv_time:,.0f} lines/s); pledges in the table: {total:,}")
    xlsx_time, total = run(app, world, xlsx_data, "bench.xlsx")
    print(f"{backend}: XLSX {lines:,} lines ({len(xlsx_data) / 1e6:.1f} MB) validated and stored in {xlsx_time:.2f} s "
          f"({lines / xlsx_time:,.0f} lines/s); pledges in the table: {total:,}")


if __name__ == "__main__":
    main()
