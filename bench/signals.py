"""Benchmark of compiling signals: `python bench/signals.py 100k` (10k, 100k, 1M or a number).

On the configured DATABASE_URL (SQLite file by default) it creates its own alliance "bench-signals" with
600 buyers in the 27 EU countries (most in a few large ones, one to three in the smallest, so their cells
fall under the k rule and the disclosure audit has work), five categories and one open round over eight
quarters, replaces that round's pledges with N generated ones (COPY on PostgreSQL), then prints:
- the plain SQL GROUP BY (category × quarter × country: sums and distinct buyers) over the same rows;
- compile_signals (SQL aggregation, disclosure control with its LP audit, readiness, views), run in a
  child process so its peak memory (ru_maxrss) is the compile's own; the ratio of the two;
- the disclosure audit's own time on the largest table (5 categories x 8 quarters x 27 countries x 2
  levels): protect_release (rules + LP audit + hiding more) against the rules alone, on the same figures;
- the dashboard page's median latency over 50 requests with the test client.
Nothing else in the database is touched. A script, not a test: it prints figures and asserts nothing.
"""

import argparse
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from alliance import create_app  # noqa: E402
from alliance.extensions import db  # noqa: E402
from alliance.models import (  # noqa: E402
    Alliance,
    Category,
    CriteriaSet,
    Criterion,
    DemandRound,
    Organisation,
    Pledge,
    ReleaseContribution,
    Snapshot,
)

SLUG = "bench-signals"
BUYERS = 600
# EU27, with how many of the 600 buyers sit in each: the small ones' cells have fewer than k buyers.
COUNTRY_BUYERS = {"DE": 66, "FR": 60, "IT": 50, "ES": 45, "PL": 40, "NL": 35, "SE": 35, "BE": 30, "AT": 28,
                  "CZ": 26, "PT": 25, "DK": 24, "FI": 24, "RO": 22, "HU": 20, "IE": 18, "GR": 15, "SK": 12,
                  "BG": 8, "HR": 5, "SI": 3, "LT": 3, "LV": 2, "EE": 1, "LU": 1, "CY": 1, "MT": 1}
COUNTRIES = [country for country, n in COUNTRY_BUYERS.items() for _ in range(n)]
QUARTERS = [f"{year}-Q{q}" for year in (2027, 2028) for q in (1, 2, 3, 4)]
CATEGORIES = [("30213100-6", "Portable computers"), ("30231310-3", "Flat panel displays"),
              ("32250000-0", "Mobile telephones"), ("30232110-8", "Laser printers"),
              ("30213200-7", "Tablet computer")]
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "2m": 2_000_000}


def setup(n: int) -> int:
    """The bench round with n fresh submitted pledges; returns its id."""
    old = db.session.scalar(sa.select(Alliance).where(Alliance.slug == SLUG))
    if old is not None:
        round_ids = db.session.scalars(sa.select(DemandRound.id).where(DemandRound.alliance_id == old.id)).all()
        snapshot_ids = sa.select(Snapshot.id).where(Snapshot.round_id.in_(round_ids))
        db.session.execute(sa.delete(ReleaseContribution).where(ReleaseContribution.snapshot_id.in_(snapshot_ids)))
        db.session.execute(sa.delete(Snapshot).where(Snapshot.round_id.in_(round_ids)))
        db.session.execute(sa.delete(Pledge).where(Pledge.round_id.in_(round_ids)))
        db.session.delete(old)
        db.session.commit()
    alliance = Alliance(slug=SLUG, name="Benchmark alliance", sector="ict", k=3, p=80)
    db.session.add(alliance)
    categories = []
    for cpv, name in CATEGORIES:
        category = db.session.scalar(sa.select(Category).where(Category.cpv_code == cpv))
        if category is None:
            category = Category(cpv_code=cpv, name=name, unit="C62", sector="ict")
            db.session.add(category)
        categories.append(category)
    db.session.flush()
    sets = []
    for category in categories:
        criteria_set = CriteriaSet(alliance_id=alliance.id, category_id=category.id, version=1, status="published",
                                   title=f"{category.name} (benchmark)")
        criteria_set.criteria = [
            Criterion(code=f"B{i}", title=f"Benchmark criterion {i}", text="-", type="specification",
                      level="core" if i <= 3 else "comprehensive", source="benchmark data, not a real criterion")
            for i in range(1, 6)
        ]
        db.session.add(criteria_set)
        sets.append(criteria_set)
    buyers = []
    for i in range(BUYERS):
        name, country = f"Benchmark buyer {i}", COUNTRIES[i % len(COUNTRIES)]
        org = db.session.scalar(sa.select(Organisation).where(Organisation.name == name, Organisation.country == country))
        if org is None:
            org = Organisation(name=name, kind="buyer", org_type="municipality", country=country, verified=True)
            db.session.add(org)
        buyers.append(org)
    today = date.today()
    demand_round = DemandRound(alliance_id=alliance.id, title="Benchmark round", opens_on=today,
                               closes_on=today + timedelta(days=30), delivery_from=QUARTERS[0],
                               delivery_to=QUARTERS[-1], status="open", categories=categories)
    db.session.add(demand_round)
    db.session.commit()
    insert_pledges(demand_round.id, [(b.id, b.country) for b in buyers],
                   [(c.id, s.id) for c, s in zip(categories, sets, strict=True)], n)
    return demand_round.id


def generate(round_id, buyers, categories, n):
    rng = random.Random(12)
    for _ in range(n):
        org, country = rng.choice(buyers)
        category_id, set_id = rng.choice(categories)
        quantity = rng.randint(1, 500)
        yield (round_id, org, category_id, set_id, rng.choice(("core", "comprehensive")), quantity,
               quantity * rng.randint(20_000, 150_000), "EUR", rng.choice(QUARTERS), country, "submitted")


COLUMNS = ("round_id", "organisation_id", "category_id", "criteria_set_id", "level", "quantity", "value_minor",
           "currency", "delivery_quarter", "country", "status")


def insert_pledges(round_id, buyers, categories, n) -> None:
    rows = generate(round_id, buyers, categories, n)
    if db.engine.dialect.name == "postgresql":
        raw = db.engine.raw_connection()
        try:
            with raw.cursor() as cursor:
                with cursor.copy(f"COPY pledge ({', '.join(COLUMNS)}, region, version, created_at, updated_at) "
                                 "FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row((*row, "", 1, "now", "now"))
            raw.commit()
            with raw.cursor() as cursor:
                cursor.execute("ANALYZE pledge")
            raw.commit()
        finally:
            raw.close()
        return
    statement = sa.insert(Pledge.__table__)
    batch = []
    for row in rows:
        batch.append(dict(zip(COLUMNS, row, strict=True)) | {"region": "", "version": 1})
        if len(batch) == 10_000:
            db.session.execute(statement, batch)
            batch = []
    if batch:
        db.session.execute(statement, batch)
    db.session.commit()


def plain_group_by(round_id: int) -> float:
    query = sa.text(
        "SELECT category_id, delivery_quarter, country, SUM(quantity), SUM(value_minor), "
        "COUNT(DISTINCT organisation_id) FROM pledge WHERE round_id = :r AND status = 'submitted' "
        "GROUP BY category_id, delivery_quarter, country"
    )
    start = time.perf_counter()
    rows = db.session.execute(query, {"r": round_id}).all()
    elapsed = time.perf_counter() - start
    assert rows
    return elapsed


def compile_in_child(round_id: int, commit: bool) -> tuple[float, float, list[float]]:
    """(seconds, peak MB, audit figures) of compile_signals in a fresh process; see child_compile."""
    output = subprocess.run(
        [sys.executable, __file__, "--compile", str(round_id), *(["--commit"] if commit else [])],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    return float(output[-7]), float(output[-6]), [float(x) for x in output[-5:]]


def child_compile(round_id: int, commit: bool) -> None:
    from alliance.signals.snapshots import compile_signals

    app = create_app()
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))  # a worker's connection is open before its job starts
        start = time.perf_counter()
        compile_signals(round_id)
        elapsed = time.perf_counter() - start
        db.session.commit() if commit else db.session.rollback()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes
        audit = audit_alone(round_id)
    print(f"{elapsed:.4f} {peak_mb:.1f} " + " ".join(f"{x:.4f}" for x in audit))


def audit_alone(round_id: int) -> list[float]:
    """[rules s, rules + audit s, figures, hidden by the rules, hidden after the audit] on the round's figures."""
    from alliance.disclosure import layout_groups, protect
    from alliance.disclosure.protection import protect_release
    from alliance.signals.aggregation import aggregate_round, per_buyer_rows

    demand_round = db.session.get(DemandRound, round_id)
    alliance = db.session.get(Alliance, demand_round.alliance_id)
    with per_buyer_rows(round_id) as per_buyer:
        agg = aggregate_round(per_buyer)
    db.session.rollback()
    groups = layout_groups(agg.figures)
    start = time.perf_counter()
    rules = protect(agg.figures, groups, alliance.k, alliance.p, alliance.protection_percent)
    rules_seconds = time.perf_counter() - start
    start = time.perf_counter()
    audited = protect_release(agg.figures, groups, alliance.k, alliance.p, alliance.protection_percent)
    audited_seconds = time.perf_counter() - start
    return [rules_seconds, audited_seconds, len(agg.figures), len(rules), len(audited)]


def dashboard_latency(app, requests: int = 50) -> float:
    client = app.test_client()
    client.get(f"/alliances/{SLUG}/signals")  # warm up
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(f"/alliances/{SLUG}/signals")
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200 and b"Market signals" in response.data
    return statistics.median(timings)


def prepare(size: str) -> int:
    """Migrate, then build the bench round with `size` pledges ("10k", "1M" or a number); returns its id."""
    n = SIZES.get(size.lower()) or int(size)
    flask_migrate.upgrade()
    print(f"database: {db.engine.dialect.name}; pledges: {n:,}")
    start = time.perf_counter()
    round_id = setup(n)
    print(f"generated in {time.perf_counter() - start:.1f} s")
    return round_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", nargs="?", default="10k", help="10k, 100k, 1M or a number of pledges")
    parser.add_argument("--compile", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--commit", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.compile:
        child_compile(args.compile, args.commit)
        return
    app = create_app()
    with app.app_context():
        round_id = prepare(args.size)
        plain = min(plain_group_by(round_id) for _ in range(3))
        db.session.remove()
    runs = [compile_in_child(round_id, commit=False) for _ in range(3)]
    compile_seconds = min(seconds for seconds, _, _ in runs)
    peak = max(mb for _, mb, _ in runs)
    rules_s, audited_s, figures, hidden_rules, hidden_audited = min(audit for _, _, audit in runs)
    compile_in_child(round_id, commit=True)
    with app.app_context():
        db.session.remove()
    latency = dashboard_latency(app)
    print(f"plain GROUP BY:          {plain * 1000:9.1f} ms (best of 3)")
    print(f"compile_signals:         {compile_seconds * 1000:9.1f} ms (best of 3, child process)")
    print(f"ratio compile / plain:   {compile_seconds / plain:9.2f}")
    print(f"compile peak memory:     {peak:9.1f} MB (ru_maxrss of the child)")
    print(f"disclosure audit:        {(audited_s - rules_s) * 1000:9.1f} ms on {figures:,.0f} figures "
          f"({len(CATEGORIES)} categories x {len(QUARTERS)} quarters x {len(COUNTRY_BUYERS)} countries x 2 levels); "
          f"rules alone {rules_s * 1000:.1f} ms hide {hidden_rules:.0f}, with the LP audit {audited_s * 1000:.1f} ms "
          f"hide {hidden_audited:.0f}")
    print(f"dashboard median:        {latency * 1000:9.1f} ms (50 requests, test client)")


if __name__ == "__main__":
    main()
