"""The job outbox: requests collapse while waiting, survive a Redis outage, and run once dispatched."""

from datetime import timedelta

import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import MailMessage, PendingJob
from alliance.models.base import utcnow
from alliance.queue import dispatch_pending_jobs, fetch_job, request_job, rq_job_id
from config import TestConfig


def test_requests_for_one_job_collapse_until_it_runs(app):
    with app.app_context():
        first = request_job("demo-job-1", "workers.maintenance.dispatch_pending", delay_seconds=60)
        second = request_job("demo-job-1", "workers.maintenance.dispatch_pending", delay_seconds=60)
        other = request_job("demo-job-2", "workers.maintenance.dispatch_pending")
        db.session.commit()
        assert first.id == second.id and other.id != first.id
        # once the first one's time has come (it may already be reading the rows), a new request is new
        first.enqueued_at = utcnow()
        first.run_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        third = request_job("demo-job-1", "workers.maintenance.dispatch_pending")
        assert third.id != first.id


def test_dispatch_enqueues_each_pending_job_once_with_a_valid_rq_id(app, redis_conn):
    with app.app_context():
        pending = request_job("demo-job-1", "workers.maintenance.dispatch_pending")
        db.session.commit()
        assert dispatch_pending_jobs() == 1
        assert dispatch_pending_jobs() == 0
        job = fetch_job(rq_job_id(pending))
        assert job is not None and job.get_status() == "queued"
        assert db.session.get(PendingJob, pending.id).enqueued_at is not None


def test_redis_outage_keeps_work_pending_until_redis_is_back(app, run_worker):
    down = TestConfig()
    down.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    down.REDIS_URL = "redis://127.0.0.1:1/0"
    down.SECRET_KEY = "x"
    from alliance import create_app
    from alliance.mail import queue_mail

    outage_app = create_app(down)
    with outage_app.app_context():
        queue_mail("someone@example.test", "Hello", "Body", event_key="hello-1")
        db.session.commit()
        assert dispatch_pending_jobs(outage_app) == 0  # no exception, nothing lost
        assert db.session.scalar(sa.select(PendingJob.enqueued_at)) is None
        db.session.remove()
    with app.app_context():
        assert dispatch_pending_jobs() == 1
    run_worker()
    with app.app_context():
        assert db.session.scalar(sa.select(MailMessage.sent_at)) is not None


def test_cron_schedule_registers_the_dispatcher():
    from rq import cron

    import workers.cron  # noqa: F401  (registers on import)

    registered = {f"{data['func'].__module__}.{data['func'].__name__}" for data in cron._job_data_registry}
    assert "workers.maintenance.dispatch_pending" in registered


def test_delayed_job_runs_once_its_time_has_come(app, run_worker):
    """Debounced work (e.g. compiling signals 30 s after a pledge edit) goes through RQ's scheduler,
    which must reach the same Redis as the queue (on the embedded server too)."""
    import time

    from alliance.mail import queue_mail

    with app.app_context():
        message = queue_mail("someone@example.test", "Later", "Body", event_key="later-1")
        pending = db.session.scalars(sa.select(PendingJob)).one()
        # Far enough ahead that a worker started on a loaded machine (parallel test workers) is still early.
        pending.run_at = utcnow() + timedelta(seconds=5)
        db.session.commit()
        run_at = pending.run_at
        message_id = message.id
        assert dispatch_pending_jobs() == 1
        assert fetch_job(rq_job_id(pending)).get_status() == "scheduled"
    run_worker()  # too early: nothing to do yet
    with app.app_context():
        assert db.session.get(MailMessage, message_id).sent_at is None
    time.sleep(max(0.0, (run_at - utcnow()).total_seconds()) + 0.2)
    run_worker()
    with app.app_context():
        assert db.session.get(MailMessage, message_id).sent_at is not None
