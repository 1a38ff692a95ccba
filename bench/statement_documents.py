"""Benchmark: render the demo ICT joint statement as PDF and DOCX, and serve its summary's OCDS package.

    .venv/bin/python bench/statement_documents.py [--repeat 20] [--signatories 200]

Loads the demo into a fresh SQLite file in a temporary folder, optionally adds signatories (verified buyer
members signing the published statement) to see how the documents grow, then prints median times and sizes.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from alliance import create_app  # noqa: E402
from alliance.demo import load_demo  # noqa: E402
from alliance.extensions import db  # noqa: E402
from alliance.models import Alliance, JointStatement, Membership, Organisation, User  # noqa: E402
from alliance.statements import operations as ops  # noqa: E402
from config import TestConfig  # noqa: E402


def add_signatories(count: int) -> None:
    statement = db.session.scalar(sa.select(JointStatement).where(JointStatement.status == "published"))
    alliance = db.session.scalar(sa.select(Alliance).where(Alliance.slug == "ict"))
    for number in range(count):
        organisation = Organisation(name=f"Kommun {number} Åby-Västerdal", kind="buyer", org_type="municipality",
                                    country="SE", verified=True)
        db.session.add(organisation)
        db.session.flush()
        db.session.add(Membership(alliance_id=alliance.id, organisation_id=organisation.id, role="member",
                                  status="active"))
        user = User(email=f"signer{number}@bench.test", name="Signer", password_hash="!",
                    organisation_id=organisation.id)
        db.session.add(user)
        db.session.flush()
        ops.sign(user, statement.id)
    db.session.commit()


def timed(client, path: str, repeat: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
        size = len(response.data)
    return statistics.median(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--signatories", type=int, default=0, help="extra signatories to add")
    arguments = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="alliance-bench-"))
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'bench.sqlite'}"
    config.REDIS_EMBEDDED_PATH = str(folder / "redis.rdb")
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade()
        load_demo()
        add_signatories(arguments.signatories)
        statement = db.session.scalar(sa.select(JointStatement).where(JointStatement.status == "published"))
        base = f"/alliances/ict/rounds/{statement.round_id}/statement/{statement.edition}"
        summary_id = statement.summary_id
        signed = len(ops.signatories(statement.id))
    client = app.test_client()
    for label, path in (("page", base), ("PDF", f"{base}.pdf"), ("DOCX", f"{base}.docx"),
                        ("OCDS", f"/api/v1/summaries/{summary_id}.ocds.json")):
        median, size = timed(client, path, arguments.repeat)
        print(f"{label:5} {signed} signatories: median {median * 1000:.0f} ms over {arguments.repeat}, {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
