"""Fault drills with real processes on the suite's database (SQLite or PostgreSQL): a worker SIGKILLed
mid-compile, Redis unreachable under the server `make run` starts, PostgreSQL restarted under load (on a
private cluster), and an import interrupted mid-write. Each drill starts and stops its own processes and
servers; none touches the shared PostgreSQL or Redis servers' processes."""

import re
import sys
import threading
import time
from pathlib import Path

import flask_migrate
import httpx
import pytest
import sqlalchemy as sa

from alliance import create_app
from alliance.extensions import db
from alliance.models import PendingJob, Pledge, PledgeRevision, Snapshot
from alliance.pledges import importing
from alliance.queue import commit_and_dispatch, fetch_job, request_job, requeue_stalled_jobs, rq_job_id
from config import TestConfig
from tests import drills
from tests.factories import PASSWORD, api_token, make_pledging_round, pledge_fields

pytestmark = pytest.mark.drill


@pytest.fixture
def world(app):
    return make_pledging_round(app)


def _snapshots(app, round_id) -> list[Snapshot]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Snapshot).where(Snapshot.round_id == round_id)).all()
        db.session.expunge_all()
        return rows


def test_sigkilled_worker_mid_compile_is_retried_and_leaves_no_partial_snapshot(app, client, world, tmp_path,
                                                                                  run_worker):
    headers = {"Authorization": f"Bearer {api_token(client, world.lead)}"}
    body = pledge_fields() | {"round_id": world.round_id, "criteria_version": 2, "quantity": 150, "status": "submitted"}
    for email in ("a", "b", "lead"):
        buyer = {"Authorization": f"Bearer {api_token(client, world[email])}"}
        assert client.post("/api/v1/alliances/ict/pledges", json=body, headers=buyer).status_code == 201
    with app.app_context():  # the debounced compiles those edits asked for are not part of this drill
        get_queue_ids = [rq_job_id(row) for row in db.session.scalars(sa.select(PendingJob))]
    for job_id in get_queue_ids:
        job = fetch_job(job_id, app)
        if job is not None:
            job.delete()
    job_id = client.post("/api/v1/alliances/ict/signals", json={}, headers=headers).get_json()["job_id"]

    marker = tmp_path / "horse.pid"
    env = drills.process_env(app, DRILL_MARKER=marker)
    worker = drills.start([sys.executable, str(drills.ROOT / "tests" / "drill_worker.py")], env, tmp_path / "worker.log")
    try:
        drills.wait_until(marker.exists, 30, what="the worker to start compiling")
        assert client.get(f"/api/v1/jobs/{job_id}", headers=headers).get_json()["status"] == "running"
    finally:
        drills.kill_session(worker)  # the worker and its work horse, mid-compile
    assert _snapshots(app, world.round_id) == []  # nothing half-written

    # Within JOB_STALLED_AFTER_SECONDS the status stops claiming "running", before any sweep.
    time.sleep(app.config["JOB_STALLED_AFTER_SECONDS"] + 1.5)
    status = client.get(f"/api/v1/jobs/{job_id}", headers=headers).get_json()
    assert status["status"] == "queued"  # waiting for its retry, no longer "running"
    with app.app_context():
        assert requeue_stalled_jobs() == [job_id]  # the scheduler's per-minute sweep
    run_worker()
    status = client.get(f"/api/v1/jobs/{job_id}", headers=headers).get_json()
    assert status["status"] == "finished"
    (snapshot,) = _snapshots(app, world.round_id)
    assert snapshot.id == status["snapshot_id"] and snapshot.pledge_count == 3 and snapshot.public_data


def _login(client: httpx.Client, email: str) -> httpx.Response:
    page = client.get("/auth/login").text
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    return client.post("/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token})


def test_redis_unreachable_pledges_login_and_api_work_and_the_compile_runs_once_redis_is_back(app, world, tmp_path):
    redis_port = drills.free_port()  # nothing listens there yet
    env = drills.process_env(app, REDIS_URL=f"redis://127.0.0.1:{redis_port}/0", REDIS_EMBEDDED_PATH=None)
    log = tmp_path / "serve.log"
    with drills.served(env, log) as base, httpx.Client(base_url=base, timeout=15) as web:
        assert _login(web, world.a).status_code == 302
        assert web.get("/pledges/").status_code == 200
        token = web.post("/api/v1/auth/token", json={"email": world.b, "password": PASSWORD}).json()["token"]
        api = {"Authorization": f"Bearer {token}"}
        assert web.get("/api/v1/alliances", headers=api).status_code == 200
        body = pledge_fields() | {"round_id": world.round_id, "criteria_version": 2, "quantity": 150, "status": "submitted"}
        created = web.post("/api/v1/alliances/ict/pledges", json=body, headers=api)
        assert created.status_code == 201, created.text
        assert web.get(f"/api/v1/pledges/{created.json()['id']}", headers=api).status_code == 200
        health = web.get("/healthz")
        assert health.status_code == 200 and health.json()["checks"]["redis"] is False
        with app.app_context():
            waiting = db.session.scalars(sa.select(PendingJob).where(PendingJob.enqueued_at.is_(None))).all()
            assert [row.func for row in waiting] == ["workers.signals.compile_signals"]
        assert _snapshots(app, world.round_id) == []

        with drills.private_redis(redis_port):
            drills.wait_until(lambda: _snapshots(app, world.round_id), 60, interval=0.5,
                              what="the pending compile to run once Redis is back")
            assert web.get("/healthz").json()["checks"]["redis"] is True
    assert "falling back to in-memory storage" in log.read_text()


def test_postgresql_restarted_under_load_answers_503_then_recovers(app, tmp_path):
    binaries = drills.postgres_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed; this drill needs its own cluster")
    cluster = drills.PrivateCluster(binaries)
    try:
        cluster.create()
        config = TestConfig()
        config.SQLALCHEMY_DATABASE_URI, config.SECRET_KEY = cluster.url, "drill"
        config.REDIS_EMBEDDED_PATH = str(tmp_path / "redis.rdb")
        drill_app = create_app(config)
        with drill_app.app_context():
            flask_migrate.upgrade()
            db.engine.dispose()
        # The load loop sends hundreds of API calls a second from one address: the drill is about the
        # database, so the API's per-address rate limit must not answer for it (429).
        env = drills.process_env(drill_app, DATABASE_URL=cluster.url, REDIS_URL=None,
                                 REDIS_EMBEDDED_PATH=tmp_path / "serve-redis.rdb",
                                 API_RATE_LIMIT="1000000 per minute")
        log = tmp_path / "serve.log"
        with drills.served(env, log) as base:
            answers, stop = [], threading.Event()

            def load():
                with httpx.Client(base_url=base, timeout=10) as web:
                    while not stop.is_set():
                        for path in ("/api/v1/alliances", "/alliances/", "/healthz"):
                            try:
                                response = web.get(path)
                                answers.append((time.monotonic(), path, response.status_code,
                                                response.headers.get("Retry-After")))
                            except httpx.TransportError as error:
                                answers.append((time.monotonic(), path, type(error).__name__, None))
                        time.sleep(0.02)

            threads = [threading.Thread(target=load) for _ in range(4)]
            for thread in threads:
                thread.start()
            try:
                time.sleep(1.5)
                cluster.stop()
                time.sleep(2.5)  # the database is down: requests keep coming
                cluster.start()
                restarted = time.monotonic()
                time.sleep(4)
            finally:
                stop.set()
                for thread in threads:
                    thread.join(timeout=20)
        statuses = {status for _, _, status, _ in answers}
        assert statuses <= {200, 503}, f"{statuses}\n{drills.errors_in(log)}"  # no 500, no dropped connection
        unavailable = [answer for answer in answers if answer[2] == 503]
        assert unavailable and all(retry_after for *_, retry_after in unavailable)
        recovered = [status for moment, _, status, _ in answers if moment > restarted + 2]
        assert recovered and set(recovered) == {200}
    finally:
        cluster.destroy()


def test_interrupted_pledge_import_stores_nothing(app, world, tmp_path):
    app.config["PLEDGE_IMPORT_FOLDER"] = str(tmp_path)
    header = "category,criteria_version,level,quantity,estimated_value,currency,delivery_quarter,country,region,status"
    line = "30213100-6,2,core,150,135000.00,EUR,2027-Q3,SE,SE110,submitted"
    data = ("\n".join([header] + [line] * 30_000) + "\n").encode()
    with app.app_context():
        name = importing.save_upload(data)
        user_id = db.session.scalar(sa.text("SELECT id FROM \"user\" WHERE email = :e"), {"e": world.a})
        pending = request_job(f"import_pledges-{name.split('.')[0]}", "workers.pledges.import_pledges", name,
                              world.round_id, user_id)
        commit_and_dispatch()
        job_id = rq_job_id(pending)
    env = drills.process_env(app, PLEDGE_IMPORT_FOLDER=tmp_path)
    worker = drills.start([sys.executable, "-m", "workers"], env, tmp_path / "worker.log")

    def storing() -> bool:
        job = fetch_job(job_id, app)
        return job is not None and job.get_meta(refresh=True).get("progress", 0) > 0.55

    try:
        drills.wait_until(storing, 60, interval=0.05, what="the import to start writing pledges")
    finally:
        drills.kill_session(worker)
    with app.app_context():
        counts = [db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in (Pledge, PledgeRevision)]
    assert counts == [0, 0]
    assert Path(tmp_path / name).exists()  # the upload is kept: the user can see it failed and retry
