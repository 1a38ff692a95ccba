"""The home page tells each role what to do next, and never shows another buyer's volume."""

from datetime import timedelta

from alliance.extensions import db
from alliance.models import CriteriaSet, Criterion, Dialogue, Membership, Post, Subscription, User
from alliance.models.base import utcnow
from tests.factories import csrf_token, login, make_organisation, make_pledging_round, pledge_fields
from tests.test_signals import add_pledges, compile_round, market, more_buyers


def _home(client) -> str:
    """The home page's text with white space folded, as a reader sees it."""
    return _text_of(client, "/")


def _text_of(client, path: str) -> str:
    return " ".join(client.get(path).get_data(as_text=True).split())


def _pledge(client, world, **changes):
    token = csrf_token(client, f"/pledges/rounds/{world.round_id}")
    fields = pledge_fields(**changes)
    return client.post(f"/pledges/rounds/{world.round_id}", data={**fields, "csrf_token": token})


def test_buyer_sees_open_rounds_with_the_state_of_its_pledges(app, client):
    world = make_pledging_round(app)
    login(client, world.a)
    html = _home(client)
    assert "Your open rounds" in html and "ICT round 2027" in html
    assert "Not yet pledged" in html
    _pledge(client, world, quantity="4321")
    html = _home(client)
    assert "Drafts to submit" in html and "0 submitted, 1 draft" in html
    assert "4321" not in html and "4,321" not in html  # counts, not volumes


def test_other_buyer_home_shows_only_its_own_state(app, client):
    world = make_pledging_round(app)
    login(client, world.a)
    _pledge(client, world, quantity="4321", status="submitted")
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, world.b)
    html = _home(client)
    assert "Not yet pledged" in html and "1 submitted" not in html


def test_lead_sees_join_requests_drafts_and_unanswered_questions(app, client):
    world = make_pledging_round(app)
    newcomer = make_organisation(app, name="Stad Newcomer")
    with app.app_context():
        db.session.add(Membership(alliance_id=world.alliance_id, organisation_id=newcomer, status="pending"))
        dialogue = Dialogue(alliance_id=world.alliance_id, round_id=world.round_id, title="Laptop consultation",
                            closes_at=utcnow() + timedelta(days=20))
        db.session.add(dialogue)
        db.session.flush()
        db.session.add(Post(dialogue_id=dialogue.id, kind="question", body="Is refurbished accepted?"))
        db.session.commit()
    login(client, world.lead)
    html = _home(client)
    assert "Waiting for you as lead" in html
    assert "Stad Newcomer" in html and "asks to join" in html
    assert "1 unanswered question in" in html and "Laptop consultation" in html
    assert "Draft criteria set" in html  # laptops v3 is a draft
    with app.app_context():
        question = db.session.query(Post).one()
        db.session.add(Post(dialogue_id=question.dialogue_id, parent_id=question.id, kind="answer", body="Yes."))
        db.session.commit()
    assert "unanswered question" not in _home(client)


def test_member_is_not_shown_lead_work(app, client):
    world = make_pledging_round(app)
    login(client, world.a)
    assert "Waiting for you as lead" not in _home(client)


def test_supplier_sees_matching_summaries_and_undeclared_criteria(app, client):
    world = make_pledging_round(app)
    with app.app_context():
        supplier = db.session.query(User).filter_by(email=world.supplier).one()
        monitors = db.session.get(CriteriaSet, world.sets["30231310-3/v1"])
        db.session.add(Criterion(criteria_set_id=monitors.id, code="M1", title="Energy", text="Energy Star",
                                 type="specification", level="core", position=1, source="EU GPP"))
        db.session.add(Subscription(user_id=supplier.id, cpv_prefix="302"))
        db.session.commit()
    login(client, world.supplier)
    html = _home(client)
    assert "New for your subscriptions" in html
    assert "Nothing new in the last 30 days" in html
    assert "Criteria you have not declared yet" in html and "1 criterion without a declaration" in html


def test_supplier_without_subscriptions_is_told_how_to_subscribe(app, client):
    world = make_pledging_round(app)
    login(client, world.supplier)
    assert "Subscribe to sectors or CPV codes" in _home(client)


def test_public_home_lists_alliances_and_latest_summaries(app, client):
    make_pledging_round(app)
    html = _home(client)
    assert "Buy sustainably, together" in html and "ICT alliance" in html
    assert "Latest demand summaries" in html
    assert "Your open rounds" not in html and "Waiting for you" not in html


def test_summaries_filter_offers_only_sectors_that_have_an_alliance(app, client):
    make_pledging_round(app)  # an ICT alliance only
    html = client.get("/summaries/").get_data(as_text=True)
    select = html.split('name="sector"', 1)[1].split("</select>", 1)[0]
    assert 'value="ict"' in select and 'value="health"' not in select and 'value="food"' not in select


def test_lead_sees_releases_held_back_with_a_link_to_the_dashboard(app, client):
    world = market(app)
    compile_round(app, world.round_id)  # public release 1
    newcomer = more_buyers(app, world, 1)[0]
    add_pledges(app, world, [(newcomer, "2027-Q1", "SE", "core", 100, 50_000)])
    compile_round(app, world.round_id)  # one buyer's change only: held back
    login(client, world.lead)
    html = _home(client)
    assert "Release of “ICT round 2027” held back by disclosure control" in html
    dashboard = f"/alliances/ict/signals?round={world.round_id}"
    assert f'href="{dashboard}"' in html
    assert "Not released to the public. Since public release 1, only 1 buyer changed" in _text_of(client, dashboard)

    more = more_buyers(app, world, 2)
    add_pledges(app, world, [(org, "2027-Q1", "SE", "core", 20 + i, 16_000) for i, org in enumerate(more)])
    compile_round(app, world.round_id)  # released again: nothing is held now
    assert "held back by disclosure control" not in _home(client)


def test_member_is_not_told_about_held_releases(app, client):
    world = market(app)
    compile_round(app, world.round_id)
    add_pledges(app, world, [(more_buyers(app, world, 1)[0], "2027-Q1", "SE", "core", 100, 50_000)])
    compile_round(app, world.round_id)
    login(client, world.a)
    assert "held back" not in _home(client)
