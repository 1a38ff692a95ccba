"""Registration: e-mail + name + password, confirmed by a mailed link; it never tells who is registered."""

import re

import sqlalchemy as sa

from alliance.auth import registration
from alliance.extensions import db
from alliance.models import Organisation, User
from tests.factories import PASSWORD, csrf_token, login, make_organisation, make_user
from tests.membership_helpers import link_in, mails_to


def register(client, **fields):
    data = {"name": "Ada Buyer", "email": "ada@city.example", "password": PASSWORD, "confirm": PASSWORD}
    data.update(fields)
    data["csrf_token"] = csrf_token(client, "/auth/register")
    return client.post("/auth/register", data=data)


def _answer(client, response) -> tuple[int, str, str]:
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    flash = re.search(r'<p class="flash[^"]*">(.*?)</p>', page, re.S).group(1)
    return response.status_code, response.headers["Location"], flash


def test_register_creates_an_unconfirmed_account_without_organisation_and_mails_a_link(app, client):
    response = register(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/login")
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "ada@city.example"))
        assert user.organisation_id is None and user.organisation_role is None and user.email_confirmed_at is None
        assert user.password_hash.startswith("scrypt:")
    [mail] = mails_to(app, "ada@city.example")
    assert mail.subject == "Confirm your e-mail address for alliance"
    assert app.config["BASE_URL"].rstrip("/") + "/auth/confirm/" in mail.body_with_secrets()
    assert "/auth/confirm/" not in mail.readable_body  # never shown to admins in the outbox
    # Not logged in: a registration proves nothing yet.
    assert "/auth/login" in client.get("/pledges/").headers["Location"]


def test_register_page_lists_no_organisation(app, client):
    make_organisation(app, name="Region Hemlig")
    html = client.get("/auth/register").get_data(as_text=True)
    assert "Region Hemlig" not in html and "existing_organisation" not in html


def test_registering_an_existing_address_answers_the_same_and_warns_its_owner(app):
    make_user(app, email="taken@city.example")
    fresh, taken = app.test_client(), app.test_client()
    new_answer = _answer(fresh, register(fresh, email="fresh@city.example"))
    old_answer = _answer(taken, register(taken, email="TAKEN@city.example", name="Mallory"))
    assert new_answer[:2] == old_answer[:2]
    assert new_answer[2].replace("fresh@", "X@") == old_answer[2].replace("TAKEN@", "X@")
    [warning] = mails_to(app, "taken@city.example")
    assert warning.subject == "Someone tried to register with your address"
    assert "/auth/confirm/" not in warning.body
    assert len(mails_to(app, "fresh@city.example")) == 1
    with app.app_context():
        owner = db.session.scalar(sa.select(User).where(User.email == "taken@city.example"))
        assert owner.name == "Test User" and owner.organisation_id is not None
    # The owner's password still works; Mallory's does not.
    assert login(app.test_client(), "taken@city.example").status_code == 302


def test_confirmation_link_confirms_once_and_a_tampered_link_is_refused(app, client):
    register(client)
    link = link_in(mails_to(app, "ada@city.example")[0].body_with_secrets(), "/auth/confirm/")
    bad = client.get(link[:-3] + "abc")
    assert bad.status_code == 302 and "/auth/register" in bad.headers["Location"]
    with app.app_context():
        assert db.session.scalar(sa.select(User.email_confirmed_at).where(User.email == "ada@city.example")) is None
    good = client.get(link)
    assert good.status_code == 302 and "/auth/login" in good.headers["Location"]
    with app.app_context():
        assert db.session.scalar(sa.select(User.email_confirmed_at).where(User.email == "ada@city.example"))


def test_expired_confirmation_link_is_refused(app, client, monkeypatch):
    register(client)
    link = link_in(mails_to(app, "ada@city.example")[0].body_with_secrets(), "/auth/confirm/")
    monkeypatch.setattr(registration, "CONFIRM_MAX_AGE", -1)
    assert "/auth/register" in client.get(link).headers["Location"]
    with app.app_context():
        assert db.session.scalar(sa.select(User.email_confirmed_at).where(User.email == "ada@city.example")) is None


def test_registering_an_unconfirmed_address_again_replaces_the_password_and_voids_the_first_link(app):
    squatter = app.test_client()
    register(squatter, name="Squatter", password="squatter password 1", confirm="squatter password 1")
    first_link = link_in(mails_to(app, "ada@city.example")[0].body_with_secrets(), "/auth/confirm/")
    owner = app.test_client()
    register(owner)
    second_link = link_in(mails_to(app, "ada@city.example")[1].body_with_secrets(), "/auth/confirm/")
    assert "/auth/register" in owner.get(first_link).headers["Location"]
    assert "/auth/login" in owner.get(second_link).headers["Location"]
    assert login(app.test_client(), "ada@city.example", "squatter password 1").status_code == 200
    assert login(app.test_client(), "ada@city.example").status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(User.name).where(User.email == "ada@city.example")) == "Ada Buyer"


def test_register_bad_input_gets_messages_and_stores_nothing(app, client):
    response = register(client, email="not-an-email", password="short", confirm="short")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Invalid email address" in html and "Use 12 to 200 characters" in html
    assert "Field cannot be longer than 120 characters" in register(client, name="x" * 500).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0
    assert mails_to(app, "not-an-email") == []
