"""Benchmark: does registering an address that has an account take as long as registering a new one?

    .venv/bin/python bench/registration_timing.py [--rounds 20]

Times POST /auth/register through the test client with the production password hash (Config's
PASSWORD_HASH_METHOD, not the tests' cheap one), alternating new and existing addresses on a fresh SQLite
file, and prints the median and spread of each. Registration must not tell who is registered, by its
answer or by its time.
"""

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate  # noqa: E402

from alliance import create_app  # noqa: E402
from alliance.extensions import db  # noqa: E402
from config import Config, TestConfig  # noqa: E402
from tests.factories import make_user  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="alliance-bench-"))
    config = TestConfig()
    config.PASSWORD_HASH_METHOD = Config().PASSWORD_HASH_METHOD
    config.RATELIMIT_ENABLED = False
    config.SECRET_KEY = "bench"
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'bench.sqlite'}"
    config.REDIS_EMBEDDED_PATH = str(folder / "redis.rdb")
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
    for n in range(args.rounds):
        make_user(app, email=f"taken{n}@bench.example")
    client = app.test_client()
    html = client.get("/auth/register").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    timings: dict[str, list[float]] = {"new address": [], "existing address": []}
    for n in range(args.rounds):
        for label, email in (("new address", f"new{n}@bench.example"), ("existing address", f"taken{n}@bench.example")):
            data = {"name": "Bench", "email": email, "password": "bench password 1", "confirm": "bench password 1",
                    "csrf_token": token}
            started = time.perf_counter()
            response = client.post("/auth/register", data=data)
            timings[label].append(time.perf_counter() - started)
            assert response.status_code == 302, response.status_code
    print(f"hash method: {config.PASSWORD_HASH_METHOD}, rounds: {args.rounds}")
    for label, values in timings.items():
        print(f"{label:>17}: median {statistics.median(values) * 1000:7.1f} ms, "
              f"min {min(values) * 1000:7.1f} ms, max {max(values) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
