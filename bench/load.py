"""Load benchmark against the server `make run` starts (gunicorn via `flask --app wsgi serve`).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/6 \
        .venv/bin/python bench/load.py --reset-database [--users 200 --seconds 120 --loop-seconds 30]

1. Mixed run: `--users` simulated users with think time (1-5 s), each with its own API token on one of
   the demo ICT buyers: pledge edits (PATCH with the version read), the public signals dashboard, a public
   summary page, and API list calls (own pledges, published summaries).
2. Closed loop: `--connections` connections asking for the public dashboard back to back.
3. The cost of a pledge write against a trivial route (a static file), one request at a time.
Then it checks that no pledge was lost or duplicated: the bench's pledges in the database are exactly
the ones the server said it created, each with the quantity of the last edit it accepted.

--reset-database drops and rebuilds DATABASE_URL's public schema (point it at a database meant for
benchmarks) and loads the demo. Without --url it starts the server itself on a free port and stops it
at the end. Every figure is printed; nothing is asserted.
"""

import argparse
import asyncio
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

READS = ("dashboard", "summary", "api_pledges", "api_summaries")
MIX = [("edit", 0.25), ("dashboard", 0.25), ("summary", 0.2), ("api_pledges", 0.15), ("api_summaries", 0.15)]


def prepare_database(reset: bool) -> None:
    if reset:
        from alliance import create_app
        from alliance.extensions import db
        from bench._database import rebuild_schema

        app = create_app()
        rebuild_schema(app)
        with app.app_context():
            db.engine.dispose()
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "demo"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)


def issue_tokens(count: int) -> list[str]:
    """One API token per simulated user, spread over the demo ICT buyers (issued in the database: the
    benchmark measures pledging and reading, not password hashing)."""
    import sqlalchemy as sa

    from alliance import create_app
    from alliance.extensions import db
    from alliance.models import User
    from alliance.settings.tokens import issue_token

    app = create_app()
    with app.app_context():
        buyers = db.session.scalars(
            sa.select(User).where(User.email.like("buyer%@ict.demo")).order_by(User.email)).all()
        tokens = [issue_token(buyers[i % len(buyers)], f"load {i}")[1] for i in range(count)]
        db.session.commit()
        db.engine.dispose()
    return tokens


def start_server(port: int) -> subprocess.Popen:
    env = dict(os.environ, PORT=str(port))
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("the server did not start")


class Results:
    def __init__(self):
        self.latencies = defaultdict(list)
        self.statuses = defaultdict(lambda: defaultdict(int))
        self.transport_errors = 0

    def record(self, kind: str, started: float, status: int) -> None:
        self.latencies[kind].append(time.monotonic() - started)
        self.statuses[kind][status] += 1

    def total(self) -> int:
        return sum(sum(counts.values()) for counts in self.statuses.values()) + self.transport_errors

    def successful(self) -> int:
        return sum(n for counts in self.statuses.values() for status, n in counts.items() if status < 400)

    def server_errors(self) -> int:
        return sum(n for counts in self.statuses.values() for status, n in counts.items() if status >= 500)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


class User:
    """One simulated buyer: owns one pledge, edits it, and reads."""

    def __init__(self, client: httpx.AsyncClient, token: str, round_id: int, summary_path: str, results: Results):
        self.client, self.round_id, self.summary_path, self.results = client, round_id, summary_path, results
        self.headers = {"Authorization": f"Bearer {token}"}
        self.pledge_id = self.version = self.quantity = None

    async def request(self, kind: str, method: str, url: str, **kwargs) -> httpx.Response | None:
        started = time.monotonic()
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.TransportError:
            self.results.transport_errors += 1
            return None
        self.results.record(kind, started, response.status_code)
        return response

    async def create_pledge(self) -> None:
        body = {"round_id": self.round_id, "category": "30213100-6", "level": "core", "quantity": 100,
                "estimated_value": "95000.00", "currency": "EUR", "delivery_quarter": "2027-Q3", "country": "SE",
                "status": "submitted"}
        response = await self.request("create", "POST", "/api/v1/alliances/ict/pledges", json=body, headers=self.headers)
        if response is not None and response.status_code == 201:
            pledge = response.json()
            self.pledge_id, self.version, self.quantity = pledge["id"], pledge["version"], pledge["quantity"]

    async def edit(self) -> None:
        if self.pledge_id is None:
            return
        quantity = random.randint(1, 5000)
        response = await self.request("edit", "PATCH", f"/api/v1/pledges/{self.pledge_id}", headers=self.headers,
                                      json={"version": self.version, "quantity": quantity,
                                            "estimated_value": f"{quantity * 950}.00"})
        if response is not None and response.status_code == 200:
            self.version, self.quantity = response.json()["version"], quantity

    async def act(self, kind: str) -> None:
        if kind == "edit":
            await self.edit()
        elif kind == "dashboard":
            await self.request(kind, "GET", "/alliances/ict/signals")
        elif kind == "summary":
            await self.request(kind, "GET", self.summary_path)
        elif kind == "api_pledges":
            await self.request(kind, "GET", "/api/v1/alliances/ict/pledges", headers=self.headers)
        else:
            await self.request(kind, "GET", "/api/v1/summaries")

    async def run(self, until: float) -> None:
        await asyncio.sleep(random.uniform(0, 3))  # users arrive over the first seconds
        await self.create_pledge()
        kinds, weights = zip(*MIX, strict=True)
        while time.monotonic() < until:
            await asyncio.sleep(random.uniform(1, 5))  # think time
            await self.act(random.choices(kinds, weights)[0])


async def mixed_run(base: str, tokens: list[str], seconds: float, round_id: int, summary_path: str) -> tuple[Results, list[User]]:
    results = Results()
    limits = httpx.Limits(max_connections=len(tokens), max_keepalive_connections=len(tokens))
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        users = [User(client, token, round_id, summary_path, results) for token in tokens]
        until = time.monotonic() + seconds
        await asyncio.gather(*(user.run(until) for user in users))
    return results, users


async def closed_loop(base: str, path: str, connections: int, seconds: float) -> tuple[Results, float]:
    results = Results()
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        until = time.monotonic() + seconds

        async def loop():
            while time.monotonic() < until:
                started = time.monotonic()
                try:
                    response = await client.get(path)
                    results.record("dashboard", started, response.status_code)
                except httpx.TransportError:
                    results.transport_errors += 1

        started = time.monotonic()
        await asyncio.gather(*(loop() for _ in range(connections)))
    return results, time.monotonic() - started


def write_to_trivial_ratio(base: str, token: str, round_id: int, samples: int) -> tuple[float, float]:
    """Median seconds of a pledge edit and of a static file, one request at a time on one connection."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=30) as client:
        body = {"round_id": round_id, "category": "30213100-6", "level": "core", "quantity": 10,
                "estimated_value": "9500.00", "currency": "EUR", "delivery_quarter": "2027-Q3", "country": "SE"}
        pledge = client.post("/api/v1/alliances/ict/pledges", json=body, headers=headers).json()
        writes, trivial = [], []
        for i in range(samples):
            started = time.monotonic()
            response = client.patch(f"/api/v1/pledges/{pledge['id']}", headers=headers,
                                    json={"version": pledge["version"], "quantity": 11 + i})
            writes.append(time.monotonic() - started)
            pledge = response.json()
            started = time.monotonic()
            client.get("/static/favicon.svg")
            trivial.append(time.monotonic() - started)
        client.delete(f"/api/v1/pledges/{pledge['id']}", headers=headers, params={"version": pledge["version"]})
    return statistics.median(writes), statistics.median(trivial)


def last_pledge_id() -> int:
    import sqlalchemy as sa

    from alliance import create_app
    from alliance.extensions import db
    from alliance.models import Pledge

    app = create_app()
    with app.app_context():
        last = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Pledge.id), 0)))
        db.engine.dispose()
    return last


def check_totals(users: list[User], before: int) -> tuple[int, int, int]:
    """(pledges the clients were told were created, pledges created in the database during the run,
    pledges whose quantity differs from the last edit the server accepted)."""
    import sqlalchemy as sa

    from alliance import create_app
    from alliance.extensions import db
    from alliance.models import Pledge

    accepted = {user.pledge_id: user.quantity for user in users if user.pledge_id is not None}
    app = create_app()
    with app.app_context():
        rows = dict(db.session.execute(sa.select(Pledge.id, Pledge.quantity).where(Pledge.id.in_(accepted))).all())
        created_during_run = db.session.scalar(sa.select(sa.func.count()).select_from(Pledge).where(Pledge.id > before))
        db.engine.dispose()
    wrong = sum(1 for pledge_id, quantity in accepted.items() if rows.get(pledge_id) != quantity)
    return len(accepted), created_during_run, wrong


def print_results(title: str, results: Results, seconds: float) -> None:
    total = results.total()
    print(f"\n== {title}: {total} requests in {seconds:.0f} s ({total / seconds:.1f}/s)")
    print(f"   successful {results.successful()} ({100 * results.successful() / max(total, 1):.2f} %), "
          f"server errors {results.server_errors()}, transport errors {results.transport_errors}")
    reads = [value for kind in READS for value in results.latencies.get(kind, [])]
    if reads:
        print(f"   reads: p50 {1000 * percentile(reads, 0.5):.0f} ms, p95 {1000 * percentile(reads, 0.95):.0f} ms, "
              f"p99 {1000 * percentile(reads, 0.99):.0f} ms")
    for kind, values in sorted(results.latencies.items()):
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(results.statuses[kind].items()))
        print(f"   {kind:14} n={len(values):6}  p50 {1000 * percentile(values, 0.5):6.0f} ms  "
              f"p95 {1000 * percentile(values, 0.95):6.0f} ms  max {1000 * max(values):6.0f} ms  [{statuses}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server (default: start `flask --app wsgi serve` here)")
    parser.add_argument("--reset-database", action="store_true")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--loop-seconds", type=float, default=30)
    parser.add_argument("--samples", type=int, default=100)
    args = parser.parse_args()

    os.environ.setdefault("SIGNALS_DEBOUNCE_SECONDS", "30")
    prepare_database(args.reset_database)
    tokens = issue_tokens(args.users + 1)
    server = None
    if args.url:
        base = args.url.rstrip("/")
    else:
        from tests.drills import free_port

        port = free_port()
        server = start_server(port)
        base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            alliance = client.get("/api/v1/alliances/ict").json()
            round_id = alliance["open_rounds"][0]["id"]
            summary_path = re.search(r'href="(/summaries/[^"/?]+)"', client.get("/summaries/").text).group(1)
        print(f"server {base}; {os.cpu_count()} cores; {args.users} users for {args.seconds:.0f} s; "
              f"round {round_id}; summary {summary_path}")
        before = last_pledge_id()
        results, users = asyncio.run(mixed_run(base, tokens[:-1], args.seconds, round_id, summary_path))
        print_results("mixed run", results, args.seconds)
        accepted, stored, wrong = check_totals(users, before)
        print(f"   pledges: {accepted} created as far as clients know, {stored} created in the database, "
              f"{wrong} with a quantity other than the last edit the server accepted")
        loop, elapsed = asyncio.run(closed_loop(base, "/alliances/ict/signals", args.connections, args.loop_seconds))
        print_results(f"closed loop, {args.connections} connections on the public dashboard", loop, elapsed)
        write, trivial = write_to_trivial_ratio(base, tokens[-1], round_id, args.samples)
        print(f"\n== one at a time: pledge edit median {1000 * write:.1f} ms, static file median {1000 * trivial:.1f} ms, "
              f"ratio {write / trivial:.1f}")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)


if __name__ == "__main__":
    main()
