"""Platform administration: organisations, users, the mail outbox, the audit log; the create-user command."""

import pytest
import sqlalchemy as sa

from alliance.audit import record_event
from alliance.auth.passwords import authenticate
from alliance.extensions import db
from alliance.mail import queue_mail
from alliance.models import AuditEvent, Organisation, User
from tests.factories import PASSWORD, csrf_token, email_of, login, make_organisation, make_user

ADMIN_PAGES = ["/admin/", "/admin/organisations", "/admin/users", "/admin/mail", "/admin/audit", "/admin/alliances/new"]


def logged_in(app, email):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


@pytest.fixture
def admin(app):
    user_id = make_user(app, is_admin=True, email="root@platform.test")
    return user_id, logged_in(app, "root@platform.test")


def post(client, path):
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin/")})


def org_state(app, org_id):
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        return org.verified, org.sme


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_admin_pages_are_admin_only(app, client):
    buyer = logged_in(app, email_of(app, make_user(app)))
    supplier = logged_in(app, email_of(app, make_user(app, kind="supplier")))
    org = make_organisation(app, verified=False)
    for page in ADMIN_PAGES:
        assert client.get(page).status_code == 302, page  # anonymous: to the login page
        assert buyer.get(page).status_code == 403, page
        assert supplier.get(page).status_code == 403, page
    token = csrf_token(buyer, "/auth/account")
    assert buyer.post(f"/admin/organisations/{org}/verify", data={"csrf_token": token}).status_code == 403
    assert org_state(app, org) == (False, False)


def test_admin_actions_need_csrf(app, admin):
    _, client = admin
    org = make_organisation(app, verified=False)
    assert client.post(f"/admin/organisations/{org}/verify").status_code == 400
    assert org_state(app, org) == (False, False)


def test_organisations_unverified_buyers_first_and_filters(app, admin):
    _, client = admin
    make_organisation(app, name="Aardvark Verified Town")
    make_organisation(app, name="Zebra Waiting Town", verified=False)
    make_organisation(app, name="Acme Supplies", kind="supplier", sme=True)
    html = client.get("/admin/organisations").get_data(as_text=True)
    assert html.index("Zebra Waiting Town") < html.index("Aardvark Verified Town")
    assert "Not verified" in html and "SME" in html
    waiting = client.get("/admin/organisations?status=unverified").get_data(as_text=True)
    assert "Zebra Waiting Town" in waiting and "Aardvark" not in waiting and "Acme" not in waiting
    suppliers = client.get("/admin/organisations?kind=supplier").get_data(as_text=True)
    assert "Acme Supplies" in suppliers and "Zebra" not in suppliers
    search = client.get("/admin/organisations?q=aardvark").get_data(as_text=True)
    assert "Aardvark Verified Town" in search and "Zebra" not in search
    assert "No organisation matches" in client.get("/admin/organisations?q=%25_").get_data(as_text=True)
    assert client.get("/admin/organisations?q=" + "x" * 5000).status_code == 200


def test_verify_and_unverify_a_buyer(app, admin):
    _, client = admin
    org = make_organisation(app, verified=False, name="Seewalden")
    response = post(client, f"/admin/organisations/{org}/verify?status=unverified")
    assert response.status_code == 302 and "status=unverified" in response.headers["Location"]
    assert org_state(app, org) == (True, False)
    assert "Seewalden is verified as a public body" in client.get("/admin/organisations").get_data(as_text=True)
    post(client, f"/admin/organisations/{org}/unverify")
    assert org_state(app, org) == (False, False)
    assert audit_actions(app) == ["organisation.verified", "organisation.unverified"]


def test_sme_flag_is_for_suppliers_and_verification_for_buyers(app, admin):
    _, client = admin
    supplier = make_organisation(app, kind="supplier", verified=False)
    buyer = make_organisation(app, verified=False)
    post(client, f"/admin/organisations/{supplier}/sme")
    assert org_state(app, supplier) == (False, True)
    post(client, f"/admin/organisations/{supplier}/verify")
    assert "Only buyer organisations are verified" in client.get("/admin/organisations").get_data(as_text=True)
    post(client, f"/admin/organisations/{buyer}/sme")
    assert "The SME flag is for supplier organisations" in client.get("/admin/organisations").get_data(as_text=True)
    assert org_state(app, supplier) == (False, True) and org_state(app, buyer) == (False, False)
    post(client, f"/admin/organisations/{supplier}/not_sme")
    assert org_state(app, supplier) == (False, False)
    assert post(client, "/admin/organisations/999999/verify").status_code == 404


def test_users_search_by_email(app, admin):
    _, client = admin
    make_user(app, email="anna@malmo.example")
    make_user(app, email="bert@delft.example")
    html = client.get("/admin/users?q=MALMO").get_data(as_text=True)
    assert "anna@malmo.example" in html and "bert@delft.example" not in html
    assert "No user matches" in client.get("/admin/users?q=nobody").get_data(as_text=True)


def test_disable_ends_sessions_and_login_then_enable(app, admin):
    _, client = admin
    user_id = make_user(app, email="anna@malmo.example")
    user_client = logged_in(app, "anna@malmo.example")
    assert user_client.get("/auth/account").status_code == 200
    post(client, f"/admin/users/{user_id}/disable")
    assert user_client.get("/auth/account").status_code == 302  # the open session has ended
    assert "Wrong e-mail or password" in login(app.test_client(), "anna@malmo.example").get_data(as_text=True)
    post(client, f"/admin/users/{user_id}/enable")
    assert login(app.test_client(), "anna@malmo.example").status_code == 302
    assert audit_actions(app) == ["user.disabled", "user.enabled"]


def test_grant_and_revoke_admin_but_not_on_yourself(app, admin):
    admin_id, client = admin
    user_id = make_user(app, email="anna@malmo.example")
    post(client, f"/admin/users/{user_id}/grant_admin")
    assert logged_in(app, "anna@malmo.example").get("/admin/").status_code == 200
    post(client, f"/admin/users/{user_id}/revoke_admin")
    assert logged_in(app, "anna@malmo.example").get("/admin/").status_code == 403
    post(client, f"/admin/users/{admin_id}/revoke_admin")
    assert "cannot change your own admin rights" in client.get("/admin/users").get_data(as_text=True)
    post(client, f"/admin/users/{admin_id}/disable")
    assert "cannot disable your own account" in client.get("/admin/users").get_data(as_text=True)
    with app.app_context():
        me = db.session.get(User, admin_id)
        assert me.is_admin and not me.disabled
    assert post(client, "/admin/users/999999/disable").status_code == 404


def test_mail_outbox_shows_messages(app, admin):
    _, client = admin
    with app.app_context():
        message = queue_mail("anna@malmo.example", "Your reset link", "Open https://example.test/reset/abc")
        db.session.commit()
        message_id = message.id
    html = client.get("/admin/mail").get_data(as_text=True)
    assert "anna@malmo.example" in html and "Your reset link" in html and "Not sent yet" in html
    body = client.get(f"/admin/mail/{message_id}").get_data(as_text=True)
    assert "Open https://example.test/reset/abc" in body
    assert client.get("/admin/mail/999999").status_code == 404


def test_audit_log_is_paginated_newest_first(app, admin):
    admin_id, client = admin
    with app.app_context():
        actor = db.session.get(User, admin_id)
        for number in range(55):
            record_event(actor, "test.event", "thing", number, number=number)
        db.session.commit()
    first = client.get("/admin/audit").get_data(as_text=True)
    assert "55 events" in first and "Page 1 of 2" in first and "root@platform.test" in first
    assert "thing #54" in first and "thing #1<" not in first
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert "thing #1<" in second
    assert client.get("/admin/audit?page=99").status_code == 200


# --- flask create-user ---------------------------------------------------------------------------------

def create_user_cli(app, *args, password=PASSWORD + "\n"):
    return app.test_cli_runner().invoke(args=["create-user", *args], input=password)


def test_create_user_with_new_verified_buyer_organisation(app):
    result = create_user_cli(app, "--email", "Ops@Region.example", "--name", "Olga Ops", "--organisation",
                             "Region Nord", "--country", "se", "--kind", "buyer", "--verified", "--admin",
                             "--password-stdin")
    assert result.exit_code == 0, result.output
    assert "Created ops@region.example in Region Nord (verified) as a platform admin" in result.output
    with app.app_context():
        user = authenticate("ops@region.example", PASSWORD)
        assert user is not None and user.is_admin
        assert (user.organisation.kind, user.organisation.country, user.organisation.verified) == ("buyer", "SE", True)


def test_create_user_prompts_twice_and_joins_existing_organisation(app):
    org = make_organisation(app, kind="supplier", name="Acme Supplies", country="NL")
    result = create_user_cli(app, "--email", "sam@acme.example", "--name", "Sam", "--organisation", "acme supplies",
                             "--country", "NL", "--kind", "supplier", password=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(User.organisation_id).where(User.email == "sam@acme.example")) == org
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--country", "XX"], "not an ISO 3166 country code"),
        (["--email", "not-an-email"], "not a valid e-mail address"),
        (["--name", " "], "Give a name"),
        (["--organisation", "x" * 201], "organisation name of 1 to 200"),
        (["--kind", "buyer", "--type", "company"], "--type for a buyer is one of"),
    ],
)
def test_create_user_bad_input_stores_nothing(app, args, message):
    base = {"--email": "new@town.example", "--name": "New", "--organisation": "New Town", "--country": "SE",
            "--kind": "buyer"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    result = create_user_cli(app, *[item for pair in base.items() for item in pair], "--password-stdin")
    assert result.exit_code != 0 and message in result.output, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


def test_create_user_duplicate_email_and_short_password(app):
    make_user(app, email="taken@town.example")
    base = ["--name", "X", "--organisation", "Other Town", "--country", "SE", "--kind", "buyer", "--password-stdin"]
    duplicate = create_user_cli(app, "--email", "TAKEN@town.example", *base)
    assert duplicate.exit_code == 1 and "exists already" in duplicate.output
    short = create_user_cli(app, "--email", "fresh@town.example", *base, password="short\n")
    assert short.exit_code == 1 and "12 to 200 characters" in short.output
    kind_clash = create_user_cli(app, "--email", "fresh@town.example", "--name", "X", "--organisation",
                                 "Acme", "--country", "SE", "--kind", "buyer", "--password-stdin")
    assert kind_clash.exit_code == 0  # a new buyer "Acme"; the clash case follows
    clash = create_user_cli(app, "--email", "other@acme.example", "--name", "Y", "--organisation", "Acme",
                            "--country", "SE", "--kind", "supplier", "--password-stdin")
    assert clash.exit_code == 1 and "registered as a buyer, not a supplier" in clash.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2
        assert db.session.scalar(sa.select(Organisation.id).where(Organisation.name == "Other Town")) is None
