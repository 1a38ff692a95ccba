"""Benchmark of the lead's pledge list at scale: `python bench/pledge_list.py 2M` (or a number of pledges).

On the configured DATABASE_URL (SQLite file by default) it builds bench/signals.py's round with N submitted
pledges (replacing that round's pledges), makes one of its buyers the alliance's lead, then prints the median
of 10 requests (test client, in process) for:
- the lead's web list (`/pledges/rounds/<id>/all`): first page, page 100, filtered by status;
- the API list (`GET /api/v1/alliances/<slug>/pledges`): first page, page 100, filtered by round and status,
  with the X-Pagination header it sends (its total is counted at most 10,000 rows past the page).
A script, not a test: it prints figures and asserts nothing.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from alliance import create_app  # noqa: E402
from alliance.extensions import db  # noqa: E402
from alliance.models import Alliance, Membership, Organisation, User  # noqa: E402
from alliance.settings.tokens import issue_token  # noqa: E402
from bench.signals import SLUG, prepare  # noqa: E402
from tests.factories import login  # noqa: E402

LEAD_EMAIL = "lead@bench-signals.example"
PASSWORD = "bench pledge list"


def make_lead() -> tuple[User, str]:
    """A user of the bench's first buyer, which leads the bench alliance; and an API token for it."""
    alliance = db.session.scalar(sa.select(Alliance).where(Alliance.slug == SLUG))
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Benchmark buyer 0"))
    db.session.add(Membership(alliance_id=alliance.id, organisation_id=organisation.id, role="lead",
                              status="active"))
    user = db.session.scalar(sa.select(User).where(User.email == LEAD_EMAIL))
    if user is None:
        user = User(email=LEAD_EMAIL, name="Benchmark lead", organisation_id=organisation.id)
        db.session.add(user)
    user.organisation_id = organisation.id
    user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")  # the bench times lists
    db.session.flush()
    token = issue_token(user, "pledge list bench")[1]
    db.session.commit()
    return user, token


def median_ms(client, url: str, **kwargs) -> tuple[float, object]:
    response = client.get(url, **kwargs)  # warm up
    timings = []
    for _ in range(10):
        start = time.perf_counter()
        response = client.get(url, **kwargs)
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings) * 1000, response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", nargs="?", default="100k", help="10k, 100k, 1M, 2M or a number of pledges")
    app = create_app()
    with app.app_context():
        round_id = prepare(parser.parse_args().size)
        _user, token = make_lead()
    client = app.test_client()
    login(client, LEAD_EMAIL, PASSWORD)
    web = f"/pledges/rounds/{round_id}/all"
    api = f"/api/v1/alliances/{SLUG}/pledges"
    bearer = {"headers": {"Authorization": f"Bearer {token}"}}
    for label, url, kwargs in [
        ("web list, page 1", web, {}),
        ("web list, page 100", f"{web}?page=100", {}),
        ("web list, submitted only", f"{web}?status=submitted", {}),
        ("API list, page 1", api, bearer),
        ("API list, page 100", f"{api}?page=100", bearer),
        ("API list, round + status", f"{api}?round_id={round_id}&status=submitted", bearer),
    ]:
        ms, response = median_ms(client, url, **kwargs)
        pagination = response.headers.get("X-Pagination", "")
        print(f"{label:28} {ms:8.1f} ms  {pagination}")


if __name__ == "__main__":
    main()
