"""Organisation membership: nobody gets rights by choosing an organisation; admins approve or invite."""

import re
from datetime import timedelta

import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import ApiToken, AuditEvent, Invitation, JoinRequest, Notification, Organisation, User
from alliance.models.base import utcnow
from tests.factories import (
    PASSWORD,
    api_token,
    csrf_token,
    login,
    make_organisation,
    make_pledging_round,
    make_submitted_pledge,
    make_user,
)
from tests.membership_helpers import (
    link_in,
    mails_to,
    make_join_request,
    make_unattached_user,
    organisation_of,
    post_form,
    set_role,
)


def _client(app, email, password=PASSWORD):
    client = app.test_client()
    assert login(client, email, password).status_code == 302
    return client


def _search(client, name, country=""):
    html = client.get("/organisations/search", query_string={"name": name, "country": country}).get_data(as_text=True)
    return html, re.findall(r'name="choice" value="([^"]+)"', html)


def _admin_of(app, org_id, email=None):
    user_id = make_user(app, org_id, email=email)
    set_role(app, user_id, "admin")
    return user_id


# --- a user without an active organisation has no rights anywhere ---------------------------------------

def test_pending_user_reaches_nothing_of_the_organisation_it_asked_to_join(app):
    world = make_pledging_round(app)
    make_submitted_pledge(app, world.round_id, world.lead_org, world.sets["30213100-6/v2"])
    stranger = make_unattached_user(app, "stranger@evil.example")
    make_join_request(app, stranger, world.lead_org)
    client = _client(app, "stranger@evil.example")
    for path in ("/pledges/", f"/pledges/rounds/{world.round_id}", f"/pledges/rounds/{world.round_id}/all",
                 "/alliances/ict/signals", "/suppliers/declarations", "/settings/tokens", "/dialogues/",
                 "/alliances/ict", f"/alliances/ict/rounds/{world.round_id}"):
        response = client.get(path)
        assert response.status_code in (302, 404), path
        if response.status_code == 302:
            assert response.headers["Location"].endswith("/organisations/start"), path
    page = client.get("/organisations/start").get_data(as_text=True)
    assert "Waiting for approval by Lead org" in page
    # Writes are refused too: no pledge, no membership request on the organisation's behalf.
    token = csrf_token(client, "/organisations/start")
    assert client.post(f"/pledges/rounds/{world.round_id}", data={"csrf_token": token}).status_code == 302
    assert client.post("/alliances/ict/join", data={"csrf_token": token}).status_code == 302
    # The API issues no token, and the user's organisation-less session reaches nothing there either.
    response = app.test_client().post("/api/v1/auth/token", json={"email": "stranger@evil.example", "password": PASSWORD})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "no_organisation"


def test_removed_member_loses_web_and_api_access_at_once(app):
    world = make_pledging_round(app)
    token = api_token(app.test_client(), world.a2)
    admin_id = _admin_of(app, world.a_org)
    with app.app_context():
        a2 = db.session.scalar(sa.select(User.id).where(User.email == world.a2))
    member = _client(app, world.a2)
    assert member.get("/pledges/").status_code == 200
    admin = _client(app, _email(app, admin_id))
    assert post_form(admin, f"/organisations/{world.a_org}/members/{a2}/remove").status_code == 302
    assert organisation_of(app, a2) == (None, None)
    assert member.get("/pledges/").headers["Location"].endswith("/organisations/start")
    response = app.test_client().get("/api/v1/alliances/ict/pledges", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


def _email(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).email


# --- search, request, decide --------------------------------------------------------------------------

def test_search_needs_a_confirmed_account_three_characters_and_shows_at_most_ten(app):
    for number in range(12):
        make_organisation(app, name=f"Kommun Test {number:02d}", country="SE")
    make_organisation(app, name="Kommun Test Norge", country="NO")
    assert app.test_client().get("/organisations/search?name=Kommun").status_code == 302  # anonymous: log in
    make_unattached_user(app, "unconfirmed@city.example", confirmed=False)
    unconfirmed = _client(app, "unconfirmed@city.example")
    assert unconfirmed.get("/organisations/search?name=Kommun").headers["Location"].endswith("/organisations/start")
    assert "Confirm your e-mail address first" in unconfirmed.get("/organisations/start").get_data(as_text=True)
    make_unattached_user(app, "new@city.example")
    client = _client(app, "new@city.example")
    assert "Kommun Test" not in client.get("/organisations/start").get_data(as_text=True)  # no list without a search
    html, choices = _search(client, "Ko")
    assert choices == [] and "at least 3 characters" in html
    html, choices = _search(client, "kommun test")
    assert len(choices) == 10
    html, choices = _search(client, "kommun", "NO")
    assert choices and "Kommun Test Norge" in html and "Kommun Test 00" not in html
    _, choices = _search(client, "%")
    assert choices == []  # a wildcard is a character, not a dump


def test_request_with_a_guessed_or_borrowed_choice_is_refused(app):
    target = make_organisation(app, name="Region Target")
    make_unattached_user(app, "one@city.example")
    make_unattached_user(app, "two@city.example")
    one, two = _client(app, "one@city.example"), _client(app, "two@city.example")
    _, [choice_of_one] = _search(one, "Region Target")
    for forged in (str(target), choice_of_one):  # a raw id, or another user's signed choice
        response = post_form(two, "/organisations/join", choice=forged)
        assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(JoinRequest)) == 0


def test_request_notifies_the_admins_and_approval_makes_an_active_member(app, run_worker):
    world = make_pledging_round(app)
    admin_id = _admin_of(app, world.lead_org, email="orgadmin@lead.example")
    joiner = make_unattached_user(app, "joiner@lead.example")
    client = _client(app, "joiner@lead.example")
    lead_name = _org_name(app, world.lead_org)
    _, [choice] = _search(client, lead_name)
    post_form(client, "/organisations/join", choice=choice, message="New in procurement")
    post_form(client, "/organisations/join", choice=choice)  # a second request while one waits: refused
    with app.app_context():
        [join] = db.session.scalars(sa.select(JoinRequest)).all()
        assert join.status == "pending" and join.message == "New in procurement"
    assert organisation_of(app, joiner) == (None, None)
    run_worker()
    with app.app_context():
        notes = db.session.scalars(sa.select(Notification).where(Notification.user_id == admin_id)).all()
        assert [n.title for n in notes] == [f"Joiner asks to join {lead_name}"]
    assert any("asks to join" in m.subject for m in mails_to(app, "orgadmin@lead.example"))

    admin = _client(app, "orgadmin@lead.example")
    page = admin.get(f"/organisations/{world.lead_org}/manage").get_data(as_text=True)
    assert "Approve Joiner" in page and "New in procurement" in page
    response = post_form(admin, f"/organisations/{world.lead_org}/requests/{join.id}", decision="approve",
                         role="member", page=f"/organisations/{world.lead_org}/manage")
    assert response.status_code == 302
    assert organisation_of(app, joiner) == (world.lead_org, "member")
    assert client.get(f"/pledges/rounds/{world.round_id}/all").status_code == 200  # now a lead's member
    run_worker()
    with app.app_context():
        assert db.session.scalar(sa.select(Notification.title).where(Notification.user_id == joiner)) == (
            f"Your request to join {lead_name} was approved")
        actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert "organisation.join_requested" in actions and "organisation.join_approved" in actions
    # Decided once: a replayed approval changes nothing.
    assert post_form(admin, f"/organisations/{world.lead_org}/requests/{join.id}", decision="refuse",
                     page=f"/organisations/{world.lead_org}/manage").status_code == 302
    assert organisation_of(app, joiner) == (world.lead_org, "member")


def _org_name(app, org_id):
    with app.app_context():
        return db.session.get(Organisation, org_id).name


def test_refusal_leaves_no_rights_and_tells_the_requester(app, run_worker):
    org = make_organisation(app, name="Refusing town")
    _admin_of(app, org, email="admin@refusing.example")
    joiner = make_unattached_user(app, "joiner@refusing.example")
    join_id = make_join_request(app, joiner, org)
    admin = _client(app, "admin@refusing.example")
    post_form(admin, f"/organisations/{org}/requests/{join_id}", decision="refuse", page=f"/organisations/{org}/manage")
    assert organisation_of(app, joiner) == (None, None)
    run_worker()
    [mail] = [m for m in mails_to(app, "joiner@refusing.example") if "refused" in m.subject]
    assert mail.subject == "Your request to join Refusing town was refused"


def test_an_admin_of_one_organisation_cannot_act_on_another(app):
    org_a, org_b = make_organisation(app, name="Org A"), make_organisation(app, name="Org B")
    _admin_of(app, org_a, email="admin@a.example")
    b_member = make_user(app, org_b)
    b_admin = _admin_of(app, org_b)
    joiner = make_unattached_user(app, "joiner@b.example")
    join_b = make_join_request(app, joiner, org_b)
    client = _client(app, "admin@a.example")
    page = f"/organisations/{org_a}/manage"
    assert client.get(f"/organisations/{org_b}/manage").status_code == 404
    for url, data in ((f"/organisations/{org_b}/requests/{join_b}", {"decision": "approve", "role": "admin"}),
                      (f"/organisations/{org_a}/requests/{join_b}", {"decision": "approve", "role": "admin"}),
                      (f"/organisations/{org_b}/members/{b_member}/role", {"role": "admin"}),
                      (f"/organisations/{org_a}/members/{b_member}/role", {"role": "admin"}),
                      (f"/organisations/{org_b}/members/{b_admin}/remove", {}),
                      (f"/organisations/{org_a}/members/{b_admin}/remove", {}),
                      (f"/organisations/{org_b}/invitations", {"email": "mole@evil.example", "role": "admin"})):
        assert post_form(client, url, page=page, **data).status_code == 404, url
    # its own organisation is no secret to it, but only a platform admin sets a verified domain
    assert post_form(client, f"/organisations/{org_a}/domain", page=page, domain="a.example").status_code == 403
    assert organisation_of(app, joiner) == (None, None)
    assert organisation_of(app, b_member) == (org_b, "member")
    assert organisation_of(app, b_admin) == (org_b, "admin")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0
        assert db.session.get(Organisation, org_a).email_domain is None


def test_a_plain_member_manages_nothing(app):
    org = make_organisation(app)
    member_id = make_user(app, org, email="plain@member.example")
    other = make_user(app, org)
    client = _client(app, "plain@member.example")
    assert client.get(f"/organisations/{org}/manage").status_code == 404
    assert post_form(client, f"/organisations/{org}/members/{member_id}/role", role="admin").status_code == 404
    assert post_form(client, f"/organisations/{org}/members/{other}/remove").status_code == 404
    assert organisation_of(app, member_id) == (org, "member")


def test_platform_admin_decides_for_an_organisation_without_admin(app):
    org = make_organisation(app, name="Adminless hospital")
    make_user(app, email="platform@admin.example", is_admin=True)
    joiner = make_unattached_user(app, "first@hospital.example")
    join_id = make_join_request(app, joiner, org)
    client = _client(app, "platform@admin.example")
    listing = client.get("/organisations/requests").get_data(as_text=True)
    assert "Adminless hospital" in listing and "no admin" in listing
    post_form(client, f"/organisations/{org}/requests/{join_id}", decision="approve", role="admin",
              page=f"/organisations/{org}/manage")
    assert organisation_of(app, joiner) == (org, "admin")
    assert _client(app, "first@hospital.example").get(f"/organisations/{org}/manage").status_code == 200


def test_never_demote_or_remove_the_last_admin(app):
    org = make_organisation(app)
    admin_id = _admin_of(app, org, email="only@admin.example")
    member_id = make_user(app, org)
    client = _client(app, "only@admin.example")
    page = f"/organisations/{org}/manage"
    post_form(client, f"/organisations/{org}/members/{admin_id}/role", role="member", page=page)
    post_form(client, f"/organisations/{org}/members/{admin_id}/remove", page=page)
    assert organisation_of(app, admin_id) == (org, "admin")
    assert "keeps at least one admin" in client.get(page).get_data(as_text=True)
    post_form(client, f"/organisations/{org}/members/{member_id}/role", role="admin", page=page)
    assert organisation_of(app, member_id) == (org, "admin")
    post_form(client, f"/organisations/{org}/members/{admin_id}/role", role="member", page=page)
    assert organisation_of(app, admin_id) == (org, "member")
    with app.app_context():
        changes = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "organisation.role_changed").order_by(AuditEvent.id)).all()
        assert [(e.object_id, e.detail["role"]) for e in changes] == [(member_id, "admin"), (admin_id, "member")]


def test_registering_a_new_organisation_makes_its_admin_and_buyers_wait_for_verification(app):
    make_organisation(app, name="Existing town", country="SE")
    user_id = make_unattached_user(app, "founder@new.example")
    client = _client(app, "founder@new.example")
    fields = {"organisation_name": "existing TOWN", "organisation_kind": "buyer",
              "organisation_type": "municipality", "country": "SE"}
    refused = post_form(client, "/organisations/new", **fields)
    assert refused.status_code == 400 and "registered already" in refused.get_data(as_text=True)
    assert organisation_of(app, user_id) == (None, None)
    response = post_form(client, "/organisations/new", **(fields | {"organisation_name": "Nytt län"}))
    assert response.status_code == 302
    org_id, role = organisation_of(app, user_id)
    assert role == "admin"
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        assert org.name == "Nytt län" and not org.verified
    # An unconfirmed account cannot register one.
    make_unattached_user(app, "unconfirmed@new.example", confirmed=False)
    other = _client(app, "unconfirmed@new.example")
    assert post_form(other, "/organisations/new", **(fields | {"organisation_name": "Shadow"})).status_code == 400


# --- invitations --------------------------------------------------------------------------------------

def _invite(app, org, admin_email, email, role="member"):
    client = _client(app, admin_email)
    post_form(client, f"/organisations/{org}/invitations", email=email, role=role, page=f"/organisations/{org}/manage")
    return link_in(mails_to(app, email.lower())[-1].body_with_secrets(), "/organisations/invitation/")


def test_invitation_registers_an_active_member_once_and_the_token_is_hashed(app):
    org = make_organisation(app, name="Inviting city")
    _admin_of(app, org, email="admin@inviting.example")
    link = _invite(app, org, "admin@inviting.example", "Colleague@Inviting.example", role="admin")
    token = link.rsplit("/", 1)[1]
    with app.app_context():
        [invitation] = db.session.scalars(sa.select(Invitation)).all()
        assert invitation.email == "colleague@inviting.example" and token not in invitation.token_hash
    newcomer = app.test_client()
    assert "Create your account for colleague@inviting.example" in newcomer.get(link).get_data(as_text=True)
    data = {"name": "Col League", "password": PASSWORD, "confirm": PASSWORD, "csrf_token": csrf_token(newcomer, link)}
    assert newcomer.post(link, data=data).status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "colleague@inviting.example"))
        assert (user.organisation_id, user.organisation_role) == (org, "admin") and user.email_confirmed_at
    assert newcomer.get(f"/organisations/{org}/manage").status_code == 200
    # Single use: the link is dead now, for anyone.
    assert app.test_client().get(link).status_code == 404


def test_invitation_cannot_be_taken_by_another_address_revoked_or_expired(app):
    org = make_organisation(app, name="Careful city")
    _admin_of(app, org, email="admin@careful.example")
    make_unattached_user(app, "thief@evil.example")
    link = _invite(app, org, "admin@careful.example", "invited@careful.example")
    thief = _client(app, "thief@evil.example")
    page = thief.get(link)
    post = thief.post(link, data={"csrf_token": csrf_token(thief, link)})
    assert page.status_code == 200 and post.status_code == 200
    assert "for another e-mail address" in post.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(User.organisation_id).where(User.email == "thief@evil.example")) is None
        invitation = db.session.scalar(sa.select(Invitation))
        assert invitation.accepted_at is None
        invitation_id = invitation.id
    admin = _client(app, "admin@careful.example")
    post_form(admin, f"/organisations/{org}/invitations/{invitation_id}/revoke", page=f"/organisations/{org}/manage")
    assert app.test_client().get(link).status_code == 404
    expired = _invite(app, org, "admin@careful.example", "late@careful.example")
    with app.app_context():
        row = db.session.scalar(sa.select(Invitation).where(Invitation.email == "late@careful.example"))
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert app.test_client().get(expired).status_code == 404
    assert app.test_client().get("/organisations/invitation/" + "A" * 43).status_code == 404


def test_logged_in_invitee_accepts_and_a_member_elsewhere_cannot(app):
    org = make_organisation(app, name="Welcoming city")
    _admin_of(app, org, email="admin@welcoming.example")
    make_unattached_user(app, "pending@welcoming.example")
    other_org = make_organisation(app)
    make_user(app, other_org, email="busy@elsewhere.example")
    link = _invite(app, org, "admin@welcoming.example", "pending@welcoming.example")
    link_busy = _invite(app, org, "admin@welcoming.example", "busy@elsewhere.example")
    anonymous = app.test_client().get(link_busy).get_data(as_text=True)
    assert "This address has an account" in anonymous
    busy = _client(app, "busy@elsewhere.example")
    assert "member of an organisation already" in busy.post(
        link_busy, data={"csrf_token": csrf_token(busy, link_busy)}).get_data(as_text=True)
    client = _client(app, "pending@welcoming.example")
    assert client.post(link, data={"csrf_token": csrf_token(client, link)}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(User.organisation_id).where(User.email == "pending@welcoming.example")) == org
        assert db.session.scalar(sa.select(User.organisation_id).where(User.email == "busy@elsewhere.example")) == other_org


# --- verified e-mail domain ---------------------------------------------------------------------------

def test_verified_domain_is_set_by_a_platform_admin_and_offers_a_one_click_request(app):
    org = make_organisation(app, name="Domain hospital")
    _admin_of(app, org, email="admin@domain.example")
    make_user(app, email="platform@admin.example", is_admin=True)
    make_unattached_user(app, "nurse@hospital.example")
    org_admin = _client(app, "admin@domain.example")
    page = f"/organisations/{org}/manage"
    assert post_form(org_admin, f"/organisations/{org}/domain", domain="hospital.example", page=page).status_code == 403
    platform = _client(app, "platform@admin.example")
    post_form(platform, f"/organisations/{org}/domain", domain="not a domain", page=page)
    post_form(platform, f"/organisations/{org}/domain", domain="@Hospital.Example", page=page)
    with app.app_context():
        assert db.session.get(Organisation, org).email_domain == "hospital.example"
    nurse = _client(app, "nurse@hospital.example")
    start = nurse.get("/organisations/start").get_data(as_text=True)
    assert "Your address belongs to Domain hospital" in start
    [choice] = re.findall(r'name="choice" value="([^"]+)"', start)
    post_form(nurse, "/organisations/join", choice=choice)
    with app.app_context():
        join = db.session.scalar(sa.select(JoinRequest))
        assert (join.organisation_id, join.status) == (org, "pending")  # still approved by an admin
    stranger_page = _client(app, "admin@domain.example").get("/organisations/start").get_data(as_text=True)
    assert "Your address belongs to" not in stranger_page


def test_pending_user_can_withdraw(app):
    org = make_organisation(app, name="Undecided town")
    joiner = make_unattached_user(app, "undecided@town.example")
    make_join_request(app, joiner, org)
    client = _client(app, "undecided@town.example")
    post_form(client, "/organisations/withdraw")
    with app.app_context():
        assert db.session.scalar(sa.select(JoinRequest.status)) == "withdrawn"
    assert "Find your organisation" in client.get("/organisations/start").get_data(as_text=True)


def test_api_tokens_issued_before_removal_stop_working(app):
    org = make_organisation(app)
    user_id = make_user(app, org, email="leaver@org.example")
    token = api_token(app.test_client(), "leaver@org.example")
    with app.app_context():
        db.session.get(User, user_id).organisation_id = None
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1
    response = app.test_client().get("/api/v1/suppliers/me/declarations", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


def test_demo_has_one_pending_request_for_region_vasterdal_and_stays_idempotent(app):
    from alliance.demo import DEMO_PASSWORD, join_requests, organisations

    with app.app_context():
        for _ in range(2):
            organisations.load()
            join_requests.load()
            db.session.commit()
        [join] = db.session.scalars(sa.select(JoinRequest)).all()
        assert (join.user.email, join.organisation.name, join.status) == ("joiner@ict.demo", "Region Västerdal", "pending")
        lead = db.session.scalar(sa.select(User).where(User.email == "lead@ict.demo"))
        assert (lead.organisation.name, lead.organisation_role) == ("Region Västerdal", "admin")
        assert lead.email_confirmed_at is not None
    lead_client = _client(app, "lead@ict.demo", DEMO_PASSWORD)
    assert "Approve Johan Ek" in lead_client.get(f"/organisations/{join.organisation_id}/manage").get_data(as_text=True)
    assert "Waiting for approval by Region Västerdal" in _client(app, "joiner@ict.demo", DEMO_PASSWORD).get(
        "/organisations/start").get_data(as_text=True)


def test_invitation_takes_over_an_unconfirmed_squatted_account(app):
    org = make_organisation(app, name="Squatted city")
    _admin_of(app, org, email="admin@squatted.example")
    make_unattached_user(app, "victim@squatted.example", confirmed=False)  # registered by someone else
    squatter = _client(app, "victim@squatted.example")
    link = _invite(app, org, "admin@squatted.example", "victim@squatted.example")
    victim = app.test_client()
    assert "Create your account" in victim.get(link).get_data(as_text=True)
    data = {"name": "Real Owner", "password": "owner password 12", "confirm": "owner password 12",
            "csrf_token": csrf_token(victim, link)}
    assert victim.post(link, data=data).status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "victim@squatted.example"))
        assert (user.name, user.organisation_id) == ("Real Owner", org)
    assert login(app.test_client(), "victim@squatted.example").status_code == 200  # the old password is gone
    assert "/auth/login" in squatter.get("/organisations/start").headers["Location"]  # and its session


def test_a_requester_cannot_approve_itself_or_see_the_members(app):
    org = make_organisation(app, name="Self-service town")
    _admin_of(app, org)
    joiner = make_unattached_user(app, "self@service.example")
    join_id = make_join_request(app, joiner, org)
    client = _client(app, "self@service.example")
    assert client.get(f"/organisations/{org}/manage").status_code == 404
    assert client.get("/organisations/requests").status_code == 403
    for decision in ("approve", "refuse"):
        assert post_form(client, f"/organisations/{org}/requests/{join_id}", decision=decision,
                         role="admin").status_code == 404
    assert post_form(client, f"/organisations/{org}/invitations", email="self@service.example",
                     role="admin").status_code == 404
    assert organisation_of(app, joiner) == (None, None)
    with app.app_context():
        assert db.session.get(JoinRequest, join_id).status == "pending"


def test_a_user_without_organisation_still_reads_its_notifications_and_account(app):
    make_unattached_user(app, "lonely@town.example")
    client = _client(app, "lonely@town.example")
    for path in ("/notifications/", "/notifications/preferences", "/auth/account", "/"):
        assert client.get(path).status_code == 200, path
    assert "No organisation yet" in client.get("/auth/account").get_data(as_text=True)
