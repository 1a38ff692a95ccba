"""Compiling signals with a real forking RQ worker on a real Redis: triggers, debounce, failure and retry,
and a Redis outage that leaves the request waiting in the database."""

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from rq.job import Job

from alliance import create_app
from alliance.extensions import db
from alliance.models import PendingJob, Pledge, Snapshot
from alliance.models.base import utcnow
from alliance.queue import commit_and_dispatch, dispatch_pending_jobs, get_queue, rq_job_id
from alliance.signals import snapshots
from alliance.signals.job_status import compile_job_status
from alliance.signals.triggers import compile_job_name, pledges_changed
from config import TestConfig
from tests.factories import api_token, csrf_token, login
from tests.test_signals import market


def snapshot_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Snapshot))


def test_lead_asks_worker_compiles_page_follows(app, client, run_worker):
    world = market(app)
    login(client, world["lead"])
    token = csrf_token(client, "/alliances/ict/signals")
    response = client.post(f"/alliances/ict/signals/{world['round_id']}/compile", data={"csrf_token": token})
    job_url = response.headers["Location"]
    queued = client.get(job_url).get_data(as_text=True)
    assert "<h1>Compiling signals</h1>" in queued and "Queued" in queued and "<progress" in queued
    # No meta refresh (axe: critical); a live region that progress.js refreshes, and a link without JavaScript.
    assert 'http-equiv="refresh"' not in queued and 'aria-live="polite" data-progress data-done="false"' in queued
    assert "progress.js" in queued and "Check again" in queued
    run_worker()
    finished = client.get(job_url).get_data(as_text=True)
    assert "<h1>Signals compiled</h1>" in finished and "Compiling signals" not in finished
    assert 'data-done="true"' in finished and "progress.js" not in finished
    with app.app_context():
        snapshot = db.session.scalar(sa.select(Snapshot))
        assert f"snapshot {snapshot.id} is compiled" in finished and snapshot.job_id == job_url.rsplit("/", 1)[-1]
    # A second compile on unchanged pledges says so.
    token = csrf_token(client, "/alliances/ict/signals")
    again = client.post(f"/alliances/ict/signals/{world['round_id']}/compile", data={"csrf_token": token})
    run_worker()
    rerun = client.get(again.headers["Location"]).get_data(as_text=True)
    assert f"Nothing changed since the last compile: snapshot {snapshot.id} is still current" in rerun
    # Another member may not follow the lead's job.
    other = app.test_client()
    login(other, world["a"])
    assert other.get(job_url).status_code == 404


def test_burst_of_pledge_changes_compiles_once_or_twice(app, run_worker):
    world = market(app)
    app.config["SIGNALS_DEBOUNCE_SECONDS"] = 40  # longer than the burst takes, even on a busy 2-core machine
    try:
        with app.app_context():
            pledge_id = db.session.scalar(sa.select(sa.func.min(Pledge.id)))
            for n in range(1000):
                db.session.execute(sa.update(Pledge).where(Pledge.id == pledge_id).values(quantity=1000 + n))
                pledges_changed(world["round_id"])
                commit_and_dispatch()
            requests = db.session.scalar(sa.select(sa.func.count()).select_from(PendingJob).where(
                PendingJob.job_id == compile_job_name(world["round_id"])))
            last_run = db.session.scalar(sa.select(sa.func.max(PendingJob.run_at)))
            db.session.remove()
    finally:
        app.config["SIGNALS_DEBOUNCE_SECONDS"] = 0
    assert 1 <= requests <= 2 and last_run > utcnow()  # the compile waits for the burst to settle
    # Bring the debounced compile's time forward instead of sleeping until it (up to 40 s): that RQ runs a
    # delayed job once its time has come is tests/test_queue.py's to show.
    queue = get_queue(app)
    registry = queue.scheduled_job_registry
    for job in Job.fetch_many(registry.get_job_ids(), connection=queue.connection):
        registry.schedule(job, datetime.now(UTC))
    run_worker()
    with app.app_context():
        latest = snapshots.latest_snapshot(world["round_id"])
        assert 1 <= db.session.scalar(sa.select(sa.func.count()).select_from(Snapshot)) <= 2
        assert next(r for r in latest.lead_data["by_category"])["quantity"] == 2013 - 120 + 1999


def test_failed_job_shows_failed_and_retry_works(app, client, run_worker, monkeypatch):
    world = market(app)
    real = snapshots.compile_signals

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(snapshots, "compile_signals", broken)  # inherited by the forked job process
    token = api_token(client, world["lead"])
    headers = {"Authorization": f"Bearer {token}"}
    job_id = client.post("/api/v1/alliances/ict/signals", json={}, headers=headers).get_json()["job_id"]
    run_worker()
    status = client.get(f"/api/v1/jobs/{job_id}", headers=headers).get_json()
    assert status["status"] == "failed" and "the database went away" in status["error"]
    assert status["snapshot_id"] is None

    monkeypatch.setattr(snapshots, "compile_signals", real)
    login(client, world["lead"])
    page = client.get(f"/signals/jobs/{job_id}").get_data(as_text=True)
    assert "Failed: RuntimeError: the database went away" in page and "Retry" in page
    assert 'http-equiv="refresh"' not in page
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    retried = client.post(f"/signals/jobs/{job_id}/retry", data={"csrf_token": form_token})
    new_job = retried.headers["Location"].rsplit("/", 1)[-1]
    assert new_job != job_id
    run_worker()
    status = client.get(f"/api/v1/jobs/{new_job}", headers=headers).get_json()
    assert status["status"] == "finished" and status["progress"] == 1.0
    assert snapshot_count(app) == 1


def test_job_for_a_missing_round_fails_visibly(app, run_worker):
    from alliance.queue import fetch_job, request_job

    with app.app_context():
        pending = request_job("compile_signals-round-99999-now", "workers.signals.compile_signals", 99999)
        commit_and_dispatch()
        job_id = rq_job_id(pending)
    run_worker()
    with app.app_context():
        status = compile_job_status(job_id)
        assert status.status == "failed" and "No demand round 99999" in status.error
        assert fetch_job(job_id) is not None


def test_rerun_on_unchanged_pledges_gives_the_same_snapshot(app, client, run_worker):
    world = market(app)
    headers = {"Authorization": f"Bearer {api_token(client, world['lead'])}"}
    first = client.post("/api/v1/alliances/ict/signals", json={}, headers=headers).get_json()["job_id"]
    run_worker()
    second = client.post("/api/v1/alliances/ict/signals", json={}, headers=headers).get_json()["job_id"]
    run_worker()
    a = client.get(f"/api/v1/jobs/{first}", headers=headers).get_json()
    b = client.get(f"/api/v1/jobs/{second}", headers=headers).get_json()
    assert a["snapshot_id"] == b["snapshot_id"] and snapshot_count(app) == 1


def test_redis_down_pledge_saves_and_compile_waits_then_runs(app, run_worker):
    world = market(app)
    config = TestConfig()
    config.SECRET_KEY = "test-secret-key"
    config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    config.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    down = create_app(config)
    with down.app_context():
        pledge = db.session.scalar(sa.select(Pledge).order_by(Pledge.id).limit(1))
        pledge.quantity = 121
        pledge_id = pledge.id
        pending = pledges_changed(world["round_id"])
        commit_and_dispatch()
        pending_id = pending.id
        assert compile_job_status(rq_job_id(pending)).status == "waiting"
        db.session.remove()
        db.engine.dispose()
    with app.app_context():
        assert db.session.get(Pledge, pledge_id).quantity == 121
        assert db.session.get(PendingJob, pending_id).enqueued_at is None
        assert dispatch_pending_jobs(app) == 1
        db.session.remove()
    run_worker()
    with app.app_context():
        latest = snapshots.latest_snapshot(world["round_id"])
        assert latest is not None and next(r for r in latest.lead_data["by_category"])["quantity"] == 2014


def test_nightly_job_compiles_every_open_round(app, run_worker):
    from workers.signals import compile_open_rounds

    world = market(app)
    with app.app_context():
        assert compile_open_rounds() == 1
    run_worker()
    with app.app_context():
        assert snapshots.latest_snapshot(world["round_id"]) is not None
