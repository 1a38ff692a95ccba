"""Who hears about which event (alliance.notifications.fanout), called directly: the right people, once."""

from datetime import date, timedelta

import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import Membership, Notification, Subscription, User
from alliance.notifications import fanout
from tests.factories import (
    add_member,
    make_alliance,
    make_open_round,
    make_organisation,
    make_pledging_round,
    make_summary,
    make_user,
)


def subscribed_supplier(app, sector="", cpv_prefix="", kind="supplier", disabled=False) -> int:
    user_id = make_user(app, organisation_id=make_organisation(app, kind=kind))
    with app.app_context():
        db.session.add(Subscription(user_id=user_id, sector=sector, cpv_prefix=cpv_prefix))
        db.session.get(User, user_id).disabled = disabled
        db.session.commit()
    return user_id


def notified(app) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(sa.select(Notification.user_id)))


def test_a_published_summary_reaches_subscribed_suppliers_once(app):
    world = make_pledging_round(app)
    by_sector = subscribed_supplier(app, sector="ict")
    by_code = subscribed_supplier(app, cpv_prefix="3023")  # the round's displays, 30231310-3
    subscribed_supplier(app, sector="health")
    subscribed_supplier(app, cpv_prefix="331")
    subscribed_supplier(app, sector="ict", kind="buyer")  # market news is for suppliers
    subscribed_supplier(app, sector="ict", disabled=True)
    draft_id, published_id = make_summary(app, world, status="draft"), make_summary(app, world)
    with app.app_context():
        assert fanout.summary_published(draft_id) == 0
        assert fanout.summary_published(published_id) == 2
        assert fanout.summary_published(published_id) == 0  # the job ran again: nothing new
        db.session.commit()
    assert notified(app) == {by_sector, by_code}


def test_a_request_to_join_reaches_the_leads_only_while_it_is_pending(app):
    alliance_id = make_alliance(app)
    lead_org, member_org, asking_org = make_organisation(app), make_organisation(app), make_organisation(app)
    add_member(app, alliance_id, lead_org, role="lead")
    add_member(app, alliance_id, member_org)
    lead, _ = make_user(app, lead_org), make_user(app, member_org)
    request_id = add_member(app, alliance_id, asking_org, status="pending")
    with app.app_context():
        assert fanout.membership_requested(request_id) == 1
        db.session.get(Membership, request_id).status = "active"
        assert fanout.membership_requested(request_id) == 0
        db.session.commit()
    assert notified(app) == {lead}


def test_buyers_are_reminded_of_rounds_closing_within_three_days(app):
    today = date(2027, 5, 10)
    alliance_id = make_alliance(app)
    buyer_org, supplier_org = make_organisation(app), make_organisation(app, kind="supplier")
    add_member(app, alliance_id, buyer_org)
    add_member(app, alliance_id, supplier_org)
    buyer, _ = make_user(app, buyer_org), make_user(app, supplier_org)
    make_open_round(app, alliance_id, closes_on=today + timedelta(days=3))
    make_open_round(app, alliance_id, closes_on=today + timedelta(days=4))
    with app.app_context():
        assert fanout.round_closing_reminders(today) == 1
        assert fanout.round_closing_reminders(today) == 0
        db.session.commit()
    assert notified(app) == {buyer}
