"""Who may do what in an alliance (alliance.alliances.access, alliance.api.access), asked directly: only an
active lead membership makes a lead; pages answer 404 for no alliance and 403 for a non-lead."""

import pytest
from flask_login import AnonymousUserMixin, login_user
from werkzeug.exceptions import Forbidden, HTTPException, NotFound

from alliance.alliances.access import (
    active_membership,
    alliance_or_404,
    is_lead,
    led_alliance_ids,
    led_alliance_or_403,
)
from alliance.api.access import api_alliance
from alliance.extensions import db
from alliance.models import Alliance, User
from tests.factories import add_member, make_alliance, make_organisation, make_user


@pytest.fixture
def people(app):
    ict, health = make_alliance(app, "ict"), make_alliance(app, "health", "health")
    lead_org, pending_org, former_org = make_organisation(app), make_organisation(app), make_organisation(app)
    add_member(app, ict, lead_org, role="lead")
    add_member(app, health, lead_org, role="member")
    add_member(app, ict, pending_org, role="lead", status="pending")
    add_member(app, ict, former_org, role="lead", status="left")
    return {"ict": ict, "health": health, "lead_org": lead_org, "pending_org": pending_org,
            "lead": make_user(app, lead_org), "pending": make_user(app, pending_org),
            "former": make_user(app, former_org)}


def test_only_an_active_lead_membership_makes_a_lead(app, people):
    ict, health = people["ict"], people["health"]
    with app.app_context():
        lead = db.session.get(User, people["lead"])
        assert is_lead(lead, ict) and is_lead(lead, db.session.get(Alliance, ict))
        assert not is_lead(lead, health)  # a member there, not a lead
        for other in ("pending", "former"):
            assert not is_lead(db.session.get(User, people[other]), ict), other
        assert not is_lead(None, ict) and not is_lead(AnonymousUserMixin(), ict)
        assert led_alliance_ids(lead) == {ict}
        assert led_alliance_ids(db.session.get(User, people["pending"])) == set() == led_alliance_ids(None)
        assert active_membership(people["lead_org"], health).role == "member"
        assert active_membership(people["pending_org"], ict) is None


def test_pages_answer_404_for_no_alliance_and_403_for_a_non_lead(app, people):
    with app.test_request_context():
        with pytest.raises(NotFound):
            alliance_or_404("no-such-alliance")
        assert alliance_or_404("health").id == people["health"]
        with pytest.raises(Forbidden):
            led_alliance_or_403("ict")  # nobody logged in
        login_user(db.session.get(User, people["lead"]))
        assert led_alliance_or_403("ict").id == people["ict"]
        with pytest.raises(Forbidden):
            led_alliance_or_403("health")
        with pytest.raises(NotFound):
            led_alliance_or_403("no-such-alliance")  # 404 before the question of who leads it


def test_the_api_answers_404_with_a_message_for_no_alliance(app, people):
    with app.test_request_context():
        assert api_alliance("ict").id == people["ict"]
        with pytest.raises(HTTPException) as refused:
            api_alliance("no-such-alliance")
    assert refused.value.code == 404 and refused.value.data["message"] == "No alliance 'no-such-alliance'."
