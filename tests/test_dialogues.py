"""Market dialogues through the web pages: anonymity, RFI confidentiality, XSS, closed dialogues."""

from datetime import timedelta

import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import Dialogue, Notification, Post
from alliance.models.base import utcnow
from tests.factories import (
    add_member,
    csrf_token,
    email_of,
    login,
    make_alliance,
    make_open_round,
    make_organisation,
    make_published_criteria,
    make_submitted_pledge,
    make_user,
)

XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))"]


def dialogue_world(app, closes_in=timedelta(days=10), slug="ict") -> dict:
    """An ICT alliance with a lead, a member buyer (with a pledge), two suppliers, an admin, and an open
    dialogue with one RFI question. Returns ids and e-mails."""
    alliance_id = make_alliance(app, slug=slug)
    tag = "" if slug == "ict" else f" {slug}"
    lead_org, member_org = make_organisation(app, name="Lead City" + tag), make_organisation(app, name="Member Town" + tag)
    add_member(app, alliance_id, lead_org, role="lead")
    add_member(app, alliance_id, member_org)
    supplier_a = make_organisation(app, kind="supplier", name="Alpha Computers AB" + tag)
    supplier_b = make_organisation(app, kind="supplier", name="Beta Devices GmbH" + tag)
    world = {
        "alliance_id": alliance_id, "supplier_a_org": supplier_a, "supplier_b_org": supplier_b,
        "lead": make_user(app, organisation_id=lead_org, email=slug + "-lead@city.test" if tag else "lead@city.test"),
        "member": make_user(app, organisation_id=member_org, email=slug + "-buyer@town.test" if tag else "buyer@town.test"),
        "supplier_a": make_user(app, organisation_id=supplier_a, email=slug + "-anna@alpha.test" if tag else "anna@alpha.test"),
        "supplier_b": make_user(app, organisation_id=supplier_b, email=slug + "-bert@beta.test" if tag else "bert@beta.test"),
        "admin": make_user(app, email=slug + "-admin@platform.test" if tag else "admin@platform.test", is_admin=True),
    }
    set_id, _ = make_published_criteria(app, alliance_id)
    world["round_id"] = make_open_round(app, alliance_id)
    world["pledge_id"] = make_submitted_pledge(app, world["round_id"], member_org, set_id, quantity=4321)
    with app.app_context():
        dialogue = Dialogue(alliance_id=alliance_id, round_id=world["round_id"], title="Laptops 2027",
                            description="We plan **laptops**.", closes_at=utcnow() + closes_in,
                            created_by_id=world["lead"])
        db.session.add(dialogue)
        db.session.flush()
        rfi = Post(dialogue_id=dialogue.id, kind="rfi", author_id=world["lead"], organisation_id=lead_org,
                   body="What take-back do you offer?")
        db.session.add(rfi)
        db.session.commit()
        world["dialogue_id"], world["rfi_id"] = dialogue.id, rfi.id
    return world


def as_user(app, client, user_id):
    login(client, email_of(app, user_id))
    return client


def post(client, dialogue_id, **data):
    data["csrf_token"] = csrf_token(client, f"/dialogues/{dialogue_id}")
    return client.post(f"/dialogues/{dialogue_id}/posts", data=data)


def page(client, dialogue_id) -> str:
    return client.get(f"/dialogues/{dialogue_id}").get_data(as_text=True)


def test_question_is_anonymous_to_leads_and_public_but_not_to_admins(app):
    world = dialogue_world(app)
    supplier = as_user(app, app.test_client(), world["supplier_a"])
    response = post(supplier, world["dialogue_id"], kind="question", body="Is a **docking station** required?")
    assert response.status_code == 302
    assert "Your organisation" in page(supplier, world["dialogue_id"])
    for viewer in (world["lead"], world["member"], world["supplier_b"]):
        html = page(as_user(app, app.test_client(), viewer), world["dialogue_id"])
        assert "<strong>docking station</strong>" in html and "A supplier" in html
        assert "Alpha Computers" not in html and "anna@alpha.test" not in html
    anonymous = page(app.test_client(), world["dialogue_id"])
    assert "docking station" in anonymous and "Alpha Computers" not in anonymous
    admin = page(as_user(app, app.test_client(), world["admin"]), world["dialogue_id"])
    assert "anna@alpha.test" in admin and "Alpha Computers AB" in admin


def test_rfi_response_reaches_the_leads_only(app):
    world = dialogue_world(app)
    supplier = as_user(app, app.test_client(), world["supplier_a"])
    response = post(supplier, world["dialogue_id"], kind="response", parent_id=str(world["rfi_id"]),
                    body="We take back 100 % at EUR 3 per unit.")
    assert response.status_code == 302
    assert "EUR 3 per unit" in page(supplier, world["dialogue_id"])
    lead_html = page(as_user(app, app.test_client(), world["lead"]), world["dialogue_id"])
    assert "EUR 3 per unit" in lead_html and "Alpha Computers AB" in lead_html
    for viewer in (world["supplier_b"], world["member"]):
        assert "EUR 3 per unit" not in page(as_user(app, app.test_client(), viewer), world["dialogue_id"])
    assert "EUR 3 per unit" not in page(app.test_client(), world["dialogue_id"])


def test_supplier_sees_no_buyer_pledge(app):
    world = dialogue_world(app)
    supplier = as_user(app, app.test_client(), world["supplier_a"])
    assert "4321" not in page(supplier, world["dialogue_id"])
    assert supplier.get(f"/pledges/{world['pledge_id']}").status_code == 404  # not its to know of


def test_xss_in_posts_renders_inert(app):
    world = dialogue_world(app)
    supplier = as_user(app, app.test_client(), world["supplier_a"])
    for payload in XSS:
        assert post(supplier, world["dialogue_id"], kind="question", body=f"Question {payload}").status_code == 302
    html = page(app.test_client(), world["dialogue_id"])
    assert "<script>alert" not in html and "<img" not in html and 'href="javascript' not in html
    assert html.count("Question") >= 3
    with app.app_context():
        bodies = db.session.scalars(sa.select(Post.body).where(Post.kind == "question")).all()
        assert all("<script" not in body and "<img" not in body for body in bodies)


def test_post_to_a_closed_dialogue_is_refused_with_a_message(app):
    world = dialogue_world(app)
    lead = as_user(app, app.test_client(), world["lead"])
    lead.post(f"/dialogues/{world['dialogue_id']}/close",
              data={"csrf_token": csrf_token(lead, f"/dialogues/{world['dialogue_id']}")})
    supplier = as_user(app, app.test_client(), world["supplier_a"])
    response = post(supplier, world["dialogue_id"], kind="question", body="Too late?")
    assert response.status_code == 409
    assert "This dialogue is closed" in response.get_data(as_text=True)
    expired = dialogue_world(app, closes_in=timedelta(seconds=-1), slug="health")
    response = post(as_user(app, app.test_client(), expired["supplier_a"]), expired["dialogue_id"],
                    kind="question", body="Too late?")
    assert response.status_code == 409 and "This dialogue is closed" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Post).where(Post.kind == "question")) == 0


def test_roles_post_only_their_kinds(app):
    world = dialogue_world(app)
    member = as_user(app, app.test_client(), world["member"])
    assert post(member, world["dialogue_id"], kind="question", body="Hi").status_code == 403
    supplier = as_user(app, app.test_client(), world["supplier_a"])
    assert post(supplier, world["dialogue_id"], kind="answer", body="Hi", parent_id="1").status_code == 403
    response = post(supplier, world["dialogue_id"], kind="question", body="x" * 5001)
    assert response.status_code == 422 and "limited to 5000 characters" in response.get_data(as_text=True)


def test_lead_opens_a_dialogue_and_answers_and_members_hear_of_it(app, run_worker):
    world = dialogue_world(app)
    lead = as_user(app, app.test_client(), world["lead"])
    token = csrf_token(lead, "/dialogues/new")
    past = lead.post("/dialogues/new", data={
        "csrf_token": token, "alliance": str(world["alliance_id"]), "subject": f"round-{world['round_id']}",
        "title": "Monitors", "closes_at": "2001-01-01T10:00", "description": "",
    })
    assert "The closing date must be in the future." in past.get_data(as_text=True)
    response = lead.post("/dialogues/new", data={
        "csrf_token": token, "alliance": str(world["alliance_id"]), "subject": f"round-{world['round_id']}",
        "title": "Monitors", "closes_at": (utcnow() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "description": "Tell us", "rfi_questions": "Energy class?\n\nWarranty?",
    })
    assert response.status_code == 302
    new_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert "Warranty?" in page(app.test_client(), new_id)
    supplier = as_user(app, app.test_client(), world["supplier_a"])
    assert supplier.get("/dialogues/new").status_code == 403
    post(supplier, world["dialogue_id"], kind="question", body="Which screen sizes?")
    with app.app_context():
        question_id = db.session.scalar(sa.select(Post.id).where(Post.kind == "question"))
    assert post(lead, world["dialogue_id"], kind="answer", parent_id=str(question_id),
                body="14 and 16 inch.").status_code == 302
    assert "14 and 16 inch." in page(app.test_client(), world["dialogue_id"])
    run_worker()
    with app.app_context():
        notified = db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "dialogue_answered"))
        assert set(notified) == {world["member"], world["supplier_a"]}
    member_page = as_user(app, app.test_client(), world["member"]).get("/notifications/").get_data(as_text=True)
    assert "New answer in" in member_page and "4321" not in member_page


def test_a_huge_page_number_is_an_empty_page_not_a_database_error(app, client):
    dialogue_world(app)
    assert "Laptops 2027" in client.get("/dialogues/").get_data(as_text=True)
    response = client.get(f"/dialogues/?page={2**62}")
    assert response.status_code == 200 and "Laptops 2027" not in response.get_data(as_text=True)
