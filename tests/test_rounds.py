"""Demand rounds: drafting, opening and closing by leads, the nightly close, and the public joint statement."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import DemandRound, Pledge
from alliance.queue import get_queue
from alliance.rounds import operations as ops
from tests.factories import (
    TwoAlliances,
    csrf_token,
    login,
    make_open_round,
    make_organisation,
    make_published_criteria,
    make_submitted_pledge,
    make_two_alliances,
)

TODAY = ops.today_utc()


@dataclass(frozen=True)
class World(TwoAlliances):
    laptops_set: int  # ICT's published criteria set for laptops
    laptops: int  # category ids: laptops have a published set, monitors only a draft
    monitors: int


@pytest.fixture
def world(app):
    cast = make_two_alliances(app)
    laptops_set, _ = make_published_criteria(app, cast.ict, "30213100-6")
    draft_set, _ = make_published_criteria(app, cast.ict, "30231310-3", status="draft")
    with app.app_context():
        from alliance.models import CriteriaSet

        laptops = db.session.get(CriteriaSet, laptops_set).category_id
        monitors = db.session.get(CriteriaSet, draft_set).category_id
    return World(**vars(cast), laptops_set=laptops_set, laptops=laptops, monitors=monitors)


def round_form(world, **changes):
    data = {"title": "ICT devices 2027–2028", "statement": "We buy **durable** laptops.<script>x()</script>",
            "category_ids": [str(world.laptops)], "opens_on": TODAY.isoformat(),
            "closes_on": (TODAY + timedelta(days=60)).isoformat(), "delivery_from": "2027-Q1",
            "delivery_to": "2028-Q4", "currency": "EUR"}
    data.update(changes)
    return data


def round_count(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(DemandRound))


def test_quarters():
    assert ops.quarters_between("2027-Q3", "2028-Q2") == ["2027-Q3", "2027-Q4", "2028-Q1", "2028-Q2"]
    for bad in ("2027-Q5", "banana", "2027-Q0", "27-Q1", "", None):
        with pytest.raises(ValueError):
            ops.parse_quarter(bad)


def test_lead_creates_opens_and_closes_a_round(app, client, world):
    login(client, world.lead)
    page = "/alliances/ict/rounds/new"
    response = client.post(page, data={**round_form(world), "csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    with app.app_context():
        demand_round = db.session.scalar(sa.select(DemandRound))
        round_id = demand_round.id
        assert demand_round.status == "draft" and demand_round.currency == "EUR"
        assert "<script>" not in demand_round.statement and "**durable**" in demand_round.statement
        assert len(ops.quarters_in_horizon(demand_round)) == 8
        assert ops.round_accepts_pledges(demand_round, TODAY) == (False, "This round is not open yet.")
    assert app.test_client().get(f"/alliances/ict/rounds/{round_id}").status_code == 404  # drafts are not public
    statement = f"/alliances/ict/rounds/{round_id}"
    client.post(f"{statement}/open", data={"csrf_token": csrf_token(client, statement)})
    with app.app_context():
        demand_round = db.session.get(DemandRound, round_id)
        assert demand_round.status == "open"
        assert ops.round_accepts_pledges(demand_round, TODAY) == (True, "")
        assert ops.round_accepts_pledges(demand_round, TODAY - timedelta(days=1))[0] is False
        assert "closed on" in ops.round_accepts_pledges(demand_round, TODAY + timedelta(days=61))[1]
    edit = client.post(f"{statement}/edit", data={**round_form(world, title="Changed"),
                                                   "csrf_token": csrf_token(client, statement)})
    assert edit.status_code == 409
    client.post(f"{statement}/close", data={"csrf_token": csrf_token(client, statement)})
    with app.app_context():
        demand_round = db.session.get(DemandRound, round_id)
        assert demand_round.status == "closed" and demand_round.closed_at is not None
        assert demand_round.title == "ICT devices 2027–2028"
        assert ops.round_accepts_pledges(demand_round, TODAY) == (False, "This round is closed; its pledges are frozen.")


@pytest.mark.parametrize("changes, message", [
    ({"category_ids": ["999999"]}, "needs a published criteria set"),
    ({"category_ids": []}, "Choose at least one category"),
    ({"closes_on": (TODAY - timedelta(days=1)).isoformat()}, "cannot close before it opens"),
    ({"delivery_from": "2027-Q5"}, "Use a quarter such as 2027-Q1"),
    ({"delivery_to": "banana"}, "Use a quarter such as 2027-Q1"),
    ({"delivery_from": "2028-Q1", "delivery_to": "2027-Q4"}, "horizon ends before it starts"),
    ({"currency": "XYZ"}, "not an ISO 4217 currency"),
    ({"title": "t" * 201}, "longer than 200"),
    ({"opens_on": "31/12/2026"}, "Not a valid date value"),
    ({"statement": "s" * 20_001}, "longer than 20000"),
])
def test_bad_round_input_gets_a_message_and_stores_nothing(app, client, world, changes, message):
    login(client, world.lead)
    page = "/alliances/ict/rounds/new"
    response = client.post(page, data={**round_form(world, **changes), "csrf_token": csrf_token(client, page)})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert round_count(app) == 0


def test_category_without_published_set_is_refused(app, world):
    with app.app_context():
        from alliance.models import Alliance, User

        lead = db.session.scalar(sa.select(User).where(User.email == world.lead))
        data = ops.RoundInput(title="R", opens_on=TODAY, closes_on=TODAY, delivery_from="2027-Q1",
                              delivery_to="2027-Q1", category_ids=[world.monitors])
        with pytest.raises(ops.RoundError, match="published criteria set"):
            ops.create_round(lead, db.session.get(Alliance, world.ict), data)


def test_only_the_alliances_lead_manages_rounds(app, world):
    round_id = make_open_round(app, world.ict, category_ids=[world.laptops])
    for who in ("member", "supplier", "health_lead"):
        user = app.test_client()
        login(user, getattr(world, who))
        token = csrf_token(user, "/auth/account")
        assert user.get("/alliances/ict/rounds/new").status_code == 403
        assert user.post("/alliances/ict/rounds/new", data={**round_form(world), "csrf_token": token}).status_code == 403
        assert user.post(f"/alliances/ict/rounds/{round_id}/close", data={"csrf_token": token}).status_code == 403
    other = app.test_client()
    login(other, world.health_lead)
    token = csrf_token(other, "/auth/account")
    for action in ("close", "open", "edit"):
        assert other.post(f"/alliances/health/rounds/{round_id}/{action}",
                          data={**round_form(world), "csrf_token": token}).status_code == 404
    assert other.get(f"/alliances/health/rounds/{round_id}").status_code == 404
    with app.app_context():
        assert db.session.get(DemandRound, round_id).status == "open"
    assert round_count(app) == 1


def test_round_page_shows_no_pledger_as_signatory_and_never_volumes(app, world):
    """Pledging does not sign the joint statement any more (tests/test_statements.py covers signing)."""
    round_id = make_open_round(app, world.ict, category_ids=[world.laptops])
    signed = make_organisation(app, name="Ville de Lumière", country="FR")
    drafting = make_organisation(app, name="Drafting Town", country="SE")
    withdrawn = make_organisation(app, name="Withdrawn City", country="DK")
    make_submitted_pledge(app, round_id, signed, world.laptops_set, quantity=73_421)
    make_submitted_pledge(app, round_id, signed, world.laptops_set, quantity=1_234)
    for org, status in ((drafting, "draft"), (withdrawn, "withdrawn")):
        pledge_id = make_submitted_pledge(app, round_id, org, world.laptops_set, quantity=55_555)
        with app.app_context():
            db.session.get(Pledge, pledge_id).status = status
            db.session.commit()
    with app.app_context():
        demand_round = db.session.get(DemandRound, round_id)
        demand_round.statement = "We **commit** to durable devices."
        db.session.commit()
    html = app.test_client().get(f"/alliances/ict/rounds/{round_id}").get_data(as_text=True)
    assert "Ville de Lumière" not in html and "No joint statement is published for this round yet." in html
    assert "Drafting Town" not in html and "Withdrawn City" not in html
    for secret in ("73421", "73,421", "1234", "1,234", "55555", "74655", "74,655"):
        assert secret not in html
    assert "<strong>commit</strong>" in html and "30213100-6" in html
    assert "Criteria 30213100-6" in html and (TODAY + timedelta(days=30)).isoformat() in html
    assert "2027-Q1 to 2027-Q4" in html
    listing = app.test_client().get("/rounds/").get_data(as_text=True)
    assert "ICT alliance" in listing and "Ville de Lumière" not in listing


def test_nightly_job_closes_overdue_rounds(app, world, run_worker):
    overdue = make_open_round(app, world.ict, closes_on=TODAY - timedelta(days=1), category_ids=[world.laptops])
    last_day = make_open_round(app, world.ict, closes_on=TODAY, category_ids=[world.laptops])
    get_queue(app).enqueue("workers.rounds.close_overdue_rounds")
    run_worker()
    with app.app_context():
        assert db.session.get(DemandRound, overdue).status == "closed"
        assert db.session.get(DemandRound, last_day).status == "open"  # pledges still accepted until the day ends
        assert ops.close_overdue_rounds(TODAY) == []  # idempotent


def test_cron_schedules_the_nightly_close():
    import inspect

    import workers.cron

    source = inspect.getsource(workers.cron)
    assert 'cron.register(close_overdue_rounds, QUEUE, cron="5 0 * * *")' in source


def test_api_lists_open_rounds(app, client, world):
    round_id = make_open_round(app, world.ict, category_ids=[world.laptops])
    with app.app_context():
        db.session.add(DemandRound(alliance_id=world.ict, title="Secret draft", opens_on=TODAY, closes_on=TODAY,
                                   delivery_from="2027-Q1", delivery_to="2027-Q2", status="draft"))
        db.session.commit()
    detail = client.get("/api/v1/alliances/ict").get_json()
    (open_round,) = detail["open_rounds"]
    assert open_round["id"] == round_id and open_round["delivery_quarters"][-1] == "2027-Q4"
    assert open_round["categories"][0]["cpv_code"] == "30213100-6"
    assert [r["title"] for r in client.get("/api/v1/alliances/ict/rounds").get_json()] == [open_round["title"]]


def test_demo_steps_are_idempotent(app):
    from alliance.demo import load_demo

    with app.app_context():
        load_demo()
        load_demo()
        from alliance.models import CriteriaSet

        rounds = db.session.scalars(sa.select(DemandRound).order_by(DemandRound.title)).all()
        assert [(r.title, r.status) for r in rounds] == [("ICT devices 2027–2028", "open"),
                                                          ("Medical gloves 2027", "open")]
        assert all(ops.round_accepts_pledges(r)[0] for r in rounds)
        statuses = db.session.execute(sa.select(CriteriaSet.status, sa.func.count()).group_by(CriteriaSet.status)).all()
        assert dict(statuses) == {"published": 7}  # five ICT categories, two glove categories


def test_round_pages_render_for_lead_and_public(app, world):
    round_id = make_open_round(app, world.ict, category_ids=[world.laptops])
    lead = app.test_client()
    login(lead, world.lead)
    index = lead.get("/alliances/ict/rounds/").get_data(as_text=True)
    assert "Draft a round" in index and f"/alliances/ict/rounds/{round_id}" in index
    assert "Close the round now" in lead.get(f"/alliances/ict/rounds/{round_id}").get_data(as_text=True)
    public = app.test_client().get("/alliances/ict/rounds/").get_data(as_text=True)
    assert "Draft a round" not in public and f"/alliances/ict/rounds/{round_id}" in public
