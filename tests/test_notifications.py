"""Notifications: who hears about what, once per event (jobs run twice, enqueued twice), preferences, header."""

from datetime import date, timedelta

import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import DemandSummary, MailMessage, Notification, Snapshot, Subscription
from alliance.models.base import utcnow
from alliance.notifications import events
from alliance.queue import commit_and_dispatch
from tests.factories import (
    add_member,
    csrf_token,
    email_of,
    login,
    make_alliance,
    make_open_round,
    make_organisation,
    make_published_criteria,
    make_user,
)
from tests.test_dialogues import dialogue_world


def subscribe(app, user_id, sector="", cpv_prefix=""):
    with app.app_context():
        db.session.add(Subscription(user_id=user_id, sector=sector, cpv_prefix=cpv_prefix))
        db.session.commit()


def published_summary(app) -> dict:
    alliance_id = make_alliance(app)
    set_id, _ = make_published_criteria(app, alliance_id, cpv_code="30213100-6")
    with app.app_context():
        from alliance.models import CriteriaSet

        category_id = db.session.get(CriteriaSet, set_id).category_id
    round_id = make_open_round(app, alliance_id, category_ids=[category_id])
    with app.app_context():
        snapshot = Snapshot(round_id=round_id, watermark="w", k=3, p=80, lead_data={}, public_data={})
        db.session.add(snapshot)
        db.session.flush()
        summary = DemandSummary(series_id="s-1", alliance_id=alliance_id, round_id=round_id, snapshot_id=snapshot.id,
                                title="Laptops 2027: 12 000 units", narrative="Secret volume 4321 stays out",
                                status="published", published_at=utcnow())
        db.session.add(summary)
        db.session.commit()
        return {"alliance_id": alliance_id, "round_id": round_id, "summary_id": summary.id}


def supplier(app, email):
    return make_user(app, organisation_id=make_organisation(app, kind="supplier"), email=email)


def test_summary_published_reaches_subscribers_once_even_when_run_and_enqueued_twice(app, run_worker):
    world = published_summary(app)
    by_sector = supplier(app, "sector@supplier.test")
    by_cpv = supplier(app, "cpv@supplier.test")
    elsewhere = supplier(app, "health@supplier.test")
    subscribe(app, by_sector, sector="ict")
    subscribe(app, by_cpv, cpv_prefix="3021")
    subscribe(app, elsewhere, sector="health")
    subscribe(app, elsewhere, cpv_prefix="331")
    buyer = make_user(app, email="buyer@city.test")
    subscribe(app, buyer, sector="ict")  # buyers do not get supplier market news

    from workers.notifications import summary_published

    with app.app_context():
        assert summary_published(world["summary_id"]) == 2
        assert summary_published(world["summary_id"]) == 0  # the job runs again: nothing new
        events.summary_published(world["summary_id"])
        commit_and_dispatch()
        events.summary_published(world["summary_id"])
        commit_and_dispatch()
    run_worker()
    with app.app_context():
        notified = db.session.scalars(sa.select(Notification.user_id).order_by(Notification.user_id)).all()
        assert notified == [by_sector, by_cpv]
        mails = db.session.scalars(sa.select(MailMessage)).all()
        assert sorted(mail.recipient for mail in mails) == ["cpv@supplier.test", "sector@supplier.test"]
        assert all(mail.sent_at is not None for mail in mails)  # sent by the real worker, once each
        assert all("4321" not in mail.body and "4321" not in mail.subject for mail in mails)
        assert mails[0].event_key.startswith(f"summary-published-{world['summary_id']}-user-")
        links = set(db.session.scalars(sa.select(Notification.url)))
    assert links == {"/summaries/s-1/1"}
    assert app.test_client().get(links.pop()).status_code == 200  # the link opens the summary


def test_preferences_choose_in_app_and_email(app, client):
    world = published_summary(app)
    user_id = supplier(app, "quiet@supplier.test")
    subscribe(app, user_id, sector="ict")
    login(client, email_of(app, user_id))
    token = csrf_token(client, "/notifications/preferences")
    response = client.post("/notifications/preferences", data={
        "csrf_token": token, "summary_published__in_app": "y", "dialogue_opened__email": "y",
    })
    assert response.status_code == 302
    from workers.notifications import summary_published

    with app.app_context():
        summary_published(world["summary_id"])
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MailMessage)) == 0
    html = client.get("/notifications/preferences").get_data(as_text=True)
    assert 'id="summary_published__email" name="summary_published__email" type="checkbox" value="y">' in html


def test_unread_count_in_header_and_mark_read(app, client):
    world = published_summary(app)
    user_id = supplier(app, "reader@supplier.test")
    other = supplier(app, "other@supplier.test")
    subscribe(app, user_id, sector="ict")
    subscribe(app, other, sector="ict")
    from workers.notifications import summary_published

    with app.app_context():
        summary_published(world["summary_id"])
        theirs = db.session.scalar(sa.select(Notification.id).where(Notification.user_id == other))
        mine = db.session.scalar(sa.select(Notification.id).where(Notification.user_id == user_id))
    login(client, email_of(app, user_id))
    page = client.get("/notifications/").get_data(as_text=True)
    assert 'aria-label="Notifications, 1 unread"' in page and '<span class="badge" aria-hidden="true">1</span>' in page
    assert "New demand summary: Laptops 2027" in page
    token = csrf_token(client, "/notifications/")
    assert client.post(f"/notifications/{theirs}/read", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/notifications/{mine}/read", data={"csrf_token": token}).status_code == 302
    assert "unread" not in client.get("/notifications/").get_data(as_text=True).split("</header>")[0]
    assert client.post(f"/notifications/{mine}/read").status_code == 400  # no CSRF token


def test_round_closing_reminder_once_per_round_and_buyer(app):
    alliance_id = make_alliance(app)
    buyer_org = make_organisation(app)
    add_member(app, alliance_id, buyer_org)
    buyer = make_user(app, organisation_id=buyer_org, email="pledger@city.test")
    outsider = make_user(app, email="outsider@city.test")
    soon = make_open_round(app, alliance_id, closes_on=date.today() + timedelta(days=2))
    make_open_round(app, alliance_id, closes_on=date.today() + timedelta(days=20))
    from workers.notifications import round_closing_reminders

    with app.app_context():
        assert round_closing_reminders() == 1
        assert round_closing_reminders() == 0  # the daily cron ran twice: no second reminder
        rows = db.session.execute(sa.select(Notification.user_id, Notification.event_key)).all()
        assert rows == [(buyer, f"round-closing-{soon}")]
        assert db.session.scalar(sa.select(MailMessage.recipient)) == "pledger@city.test"
    assert outsider


def test_dialogue_opened_reaches_subscribed_suppliers(app, run_worker):
    world = dialogue_world(app)
    subscribe(app, world["supplier_b"], sector="ict")
    with app.app_context():
        events.dialogue_opened(world["dialogue_id"])
        commit_and_dispatch()
    run_worker()
    with app.app_context():
        assert db.session.scalars(sa.select(Notification.user_id)).all() == [world["supplier_b"]]
        mail = db.session.scalar(sa.select(MailMessage))
        assert "Laptops 2027" in mail.subject and mail.sent_at is not None


def test_subscriptions_page(app, client):
    user_id = supplier(app, "subscriber@supplier.test")
    other = supplier(app, "someone@supplier.test")
    subscribe(app, other, sector="ict")
    login(client, email_of(app, user_id))
    token = csrf_token(client, "/suppliers/subscriptions")
    empty = client.post("/suppliers/subscriptions", data={"csrf_token": token, "sector": "", "cpv_prefix": ""})
    assert "Choose a sector or give a CPV code." in empty.get_data(as_text=True)
    bad = client.post("/suppliers/subscriptions", data={"csrf_token": token, "sector": "", "cpv_prefix": "30%"})
    assert "Give 2 to 8 digits of a CPV code" in bad.get_data(as_text=True)
    assert client.post("/suppliers/subscriptions", data={"csrf_token": token, "sector": "", "cpv_prefix": "302"}).status_code == 302
    assert "CPV codes starting 302" in client.get("/suppliers/subscriptions").get_data(as_text=True)
    with app.app_context():
        theirs = db.session.scalar(sa.select(Subscription.id).where(Subscription.user_id == other))
    assert client.post(f"/suppliers/subscriptions/{theirs}/delete", data={"csrf_token": token}).status_code == 404
    assert client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/suppliers/me/declarations"]
