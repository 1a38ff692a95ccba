"""Health and degraded operation in one process: /healthz, 503 with Retry-After when the database cannot
be reached or its pool is exhausted, API reads that commit nothing, requests that dispatch only their own
jobs, and bounded counts for very long pledge lists. (Drills with real processes: test_fault_drills.py.)"""

import json
import time
from datetime import datetime

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from alliance import create_app
from alliance.extensions import db
from alliance.models import ApiToken, PendingJob, Snapshot
from alliance.queue import request_job
from config import TestConfig
from tests.factories import api_token, email_of, login, make_pledging_round, make_user, pledge_fields

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1
DEAD_POSTGRES = "postgresql://postgres@127.0.0.1:1/nothing"


@pytest.fixture
def other_app(app):
    """Build a second app on the same database and Redis with some settings changed. The rate limiter is
    one object shared by every app, so the test app's own limiter storage is restored afterwards."""
    from alliance.extensions import limiter

    yield lambda **changes: create_app(_config(app, **changes))
    limiter.init_app(app)


def _config(app, **changes) -> TestConfig:
    config = TestConfig()
    config.SECRET_KEY = "test-secret-key"
    config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    config.REDIS_URL = app.config["REDIS_URL"]
    config.REDIS_EMBEDDED_PATH = app.config["REDIS_EMBEDDED_PATH"]
    for name, value in changes.items():
        setattr(config, name, value)
    return config


@pytest.fixture
def world(app):
    return make_pledging_round(app)


def test_healthz_says_ok_and_shows_figures_only_to_admins(app, client, world):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    public = response.get_json()
    assert public["database"] == "ok" and public["checks"]["redis"] is True
    assert public["checks"]["signals_fresh"] is False  # the open round was never compiled
    assert public["status"] == "degraded"
    assert "detail" not in public  # no round ids, times or queue depths for the public (they date edits)

    with app.app_context():
        db.session.add(Snapshot(round_id=world.round_id, watermark="w", k=3, p=80, lead_data={}, public_data={}))
        db.session.commit()
    admin = email_of(app, make_user(app, is_admin=True))
    login(client, admin)
    detailed = client.get("/healthz").get_json()
    assert detailed["status"] == "ok" and detailed["checks"]["signals_fresh"] is True
    assert detailed["detail"]["open_rounds"][0]["round_id"] == world.round_id
    assert detailed["detail"]["queue"]["redis"] == "ok" and detailed["detail"]["outbox"]["waiting"] == 0
    page = client.get("/admin/").get_data(as_text=True)
    assert "Service health: ok" in page and "Last successful compile per open round" in page
    # The compile's time as people read it, in their language; the ISO text is for /healthz's readers.
    compiled_at = datetime.fromisoformat(detailed["detail"]["open_rounds"][0]["last_compiled_at"])
    french = client.get("/admin/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert f"{format_date(compiled_at, 'medium', locale='fr')}, {compiled_at:%H:%M} UTC" in french
    assert detailed["detail"]["open_rounds"][0]["last_compiled_at"] not in french


def test_healthz_reports_redis_down_but_stays_200(other_app, world):
    down = other_app(REDIS_URL=DEAD_REDIS)
    response = down.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["checks"]["redis"] is False and response.get_json()["status"] == "degraded"


def test_database_down_is_503_with_retry_after_on_pages_api_and_healthz(other_app):
    down = other_app(SQLALCHEMY_DATABASE_URI=DEAD_POSTGRES)
    client = down.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["status"] == "down" and health.headers["Retry-After"]
    api = client.get("/api/v1/alliances")
    assert api.status_code == 503 and int(api.headers["Retry-After"]) > 0  # (the API's limiter may say longer)
    assert api.get_json()["error"]["code"]
    page = client.get("/alliances/")
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "try again in a few seconds" in page.get_data(as_text=True)


def test_exhausted_pool_answers_503_quickly_not_500_after_30_seconds(other_app, world):
    busy = other_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.5})
    with busy.app_context():
        engine = db.engine
    held = engine.connect()  # the pool's only connection, as if every server thread were busy
    try:
        started = time.monotonic()
        response = busy.test_client().get("/alliances/")
        assert response.status_code == 503 and response.headers["Retry-After"] == "5"
        assert time.monotonic() - started < 5
    finally:
        held.close()
    assert busy.test_client().get("/alliances/").status_code == 200  # and recovers at once


def test_login_and_api_work_with_redis_and_the_limiter_storage_down(app, other_app, world, caplog):
    down = other_app(REDIS_URL=DEAD_REDIS, RATELIMIT_STORAGE_URI=DEAD_REDIS,
                     RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 1, "socket_timeout": 1})
    client = down.test_client()
    token = api_token(client, world.a)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/alliances", headers=headers).status_code == 200
    body = pledge_fields() | {"round_id": world.round_id, "criteria_version": 2, "quantity": 10, "status": "submitted"}
    created = client.post("/api/v1/alliances/ict/pledges", json=body, headers=headers)
    assert created.status_code == 201
    assert "falling back to in-memory storage" in caplog.text
    with app.app_context():  # the compile waits in the outbox for the scheduler
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingJob)
                                 .where(PendingJob.enqueued_at.is_(None))) == 1
    login_page = login(client, world.b)
    assert login_page.status_code in (200, 302)
    assert client.get("/pledges/").status_code == 200


def test_api_reads_commit_nothing_and_note_token_use_once_a_minute(app, client, world):
    headers = {"Authorization": f"Bearer {api_token(client, world.lead)}"}
    commits = []

    def count(session):
        commits.append(session)

    sa.event.listen(sa.orm.Session, "after_commit", count)
    try:
        for _ in range(3):
            assert client.get("/api/v1/alliances/ict/pledges", headers=headers).status_code == 200
    finally:
        sa.event.remove(sa.orm.Session, "after_commit", count)
    assert commits == []
    with app.app_context():
        used = db.session.scalars(sa.select(ApiToken.last_used_at)).all()
    assert len(used) == 1 and used[0] is not None


def test_a_request_dispatches_only_the_jobs_its_own_transaction_wrote(app, client, world, redis_conn):
    with app.app_context():  # a backlog left by a Redis outage: the scheduler's to sweep
        backlog = request_job("demo-backlog", "workers.maintenance.dispatch_pending")
        db.session.commit()
        backlog_id = backlog.id
    headers = {"Authorization": f"Bearer {api_token(client, world.a)}"}
    body = pledge_fields() | {"round_id": world.round_id, "criteria_version": 2, "quantity": 10, "status": "submitted"}
    assert client.post("/api/v1/alliances/ict/pledges", json=body, headers=headers).status_code == 201
    with app.app_context():
        rows = {row.job_id: row.enqueued_at for row in db.session.scalars(sa.select(PendingJob))}
        assert rows["demo-backlog"] is None and db.session.get(PendingJob, backlog_id).enqueued_at is None
        assert rows[f"compile_signals-round-{world.round_id}"] is not None


def test_very_long_pledge_lists_count_only_a_bounded_number_of_rows(app, client, world, monkeypatch):
    import alliance.api.pagination as api_pagination
    import alliance.pagination as web_pagination

    monkeypatch.setattr(api_pagination, "COUNT_AHEAD", 3)
    monkeypatch.setattr(web_pagination, "COUNT_AHEAD", 3)
    headers = {"Authorization": f"Bearer {api_token(client, world.lead)}"}
    buyer = {"Authorization": f"Bearer {api_token(client, world.a)}"}
    body = pledge_fields() | {"round_id": world.round_id, "criteria_version": 2, "quantity": 10}
    for _ in range(6):
        assert client.post("/api/v1/alliances/ict/pledges", json=body, headers=buyer).status_code == 201
    first = client.get("/api/v1/alliances/ict/pledges?page_size=2", headers=headers)
    meta = json.loads(first.headers["X-Pagination"])
    assert "total" not in meta and "last_page" not in meta and meta["next_page"] == 2 and len(first.get_json()) == 2
    last = client.get("/api/v1/alliances/ict/pledges?page_size=2&page=3", headers=headers)
    assert json.loads(last.headers["X-Pagination"])["total"] == 6  # near the end, the count is exact again
    login(client, world.lead)
    page = client.get(f"/pledges/rounds/{world.round_id}/all").get_data(as_text=True)
    assert "Pledges (3+)" in page
