"""Benchmark of release control: `python bench/releases.py 100k` (10k, 100k, 1M or a number).

Uses bench/signals.py's generated round (its own alliance "bench-signals"; nothing else is touched), then
prints, each in one transaction that is rolled back:
- store_contributions: keeping the per-buyer totals of a release (copied by INSERT … SELECT from the
  compile's per-buyer rows), and the rows it keeps;
- a second compile after one buyer edits one pledge: the whole compile, and the release check's share
  (the SQL difference against the stored release plus the rules); whether it was held.
A script, not a test: it prints figures and asserts nothing.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from alliance import create_app  # noqa: E402
from alliance.extensions import db  # noqa: E402
from alliance.models import Pledge, ReleaseContribution  # noqa: E402
from alliance.signals import releases  # noqa: E402
from alliance.signals.aggregation import per_buyer_rows  # noqa: E402
from alliance.signals.snapshots import compile_signals  # noqa: E402
from bench.signals import SIZES, setup  # noqa: E402


def main() -> None:
    size = sys.argv[1] if len(sys.argv) > 1 else "10k"
    n = SIZES.get(size.lower()) or int(size)
    app = create_app()
    with app.app_context():
        flask_migrate.upgrade()
        print(f"database: {db.engine.dialect.name}; pledges: {n:,}")
        round_id = setup(n)
        db.session.commit()
        first = compile_signals(round_id)  # release 1 (or held if an earlier run left a release)
        stored_s = 0.0
        if first.release_number:
            db.session.execute(sa.delete(ReleaseContribution).where(ReleaseContribution.snapshot_id == first.id))
            with per_buyer_rows(round_id) as per_buyer:
                start = time.perf_counter()
                releases.store_contributions(first, per_buyer)
                stored_s = time.perf_counter() - start
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(ReleaseContribution)
                                 .where(ReleaseContribution.snapshot_id == first.id))
        pledge = db.session.scalar(sa.select(Pledge).where(Pledge.round_id == round_id,
                                                           Pledge.status == "submitted").limit(1))
        pledge.quantity += 10
        db.session.flush()
        timings: dict[str, float] = {}
        original = releases.check_against_releases

        def timed(*args, **kwargs):
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                timings["check"] = time.perf_counter() - began

        releases.check_against_releases = timed
        start = time.perf_counter()
        second = compile_signals(round_id)
        whole = time.perf_counter() - start
        db.session.rollback()
    print(f"store_contributions:     {stored_s * 1000:9.1f} ms for {rows:,} per-buyer rows")
    print(f"second compile:          {whole * 1000:9.1f} ms, of which the release check "
          f"{timings.get('check', 0) * 1000:.1f} ms; {second.held_reason or 'released'}")


if __name__ == "__main__":
    main()
