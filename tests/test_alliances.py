"""Alliances and membership through the real pages: the public page, join requests, decisions, leads, leaving,
settings, and alliance creation by admins."""

import sqlalchemy as sa

from alliance.alliances import membership as ops
from alliance.extensions import db
from alliance.models import Alliance, AuditEvent, Membership, User
from tests.factories import (
    add_member,
    csrf_token,
    email_of,
    login,
    make_alliance,
    make_organisation,
    make_user,
)


def post(client, path, data=None, form_page=None):
    """POST with the CSRF token taken from a page the user can open (the alliance list by default)."""
    data = dict(data or {})
    data["csrf_token"] = csrf_token(client, form_page or "/auth/account")
    return client.post(path, data=data)


def membership_row(app, alliance_id, organisation_id):
    with app.app_context():
        row = db.session.scalar(sa.select(Membership).where(Membership.alliance_id == alliance_id,
                                                            Membership.organisation_id == organisation_id))
        return None if row is None else (row.status, row.role)


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def setup_alliance(app, slug="ict"):
    """An alliance with a lead organisation (and its user) and one member organisation (and its user)."""
    alliance_id = make_alliance(app, slug=slug, sector="ict" if slug == "ict" else "health")
    lead_org = make_organisation(app, name=f"Lead of {slug}", country="SE")
    member_org = make_organisation(app, name=f"Member of {slug}", country="NL")
    add_member(app, alliance_id, lead_org, role="lead")
    add_member(app, alliance_id, member_org)
    lead = email_of(app, make_user(app, lead_org))
    member = email_of(app, make_user(app, member_org))
    return alliance_id, lead_org, member_org, lead, member


def logged_in(app, email):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


# --- the public page -------------------------------------------------------------------------------------

def test_public_page_shows_charter_settings_and_members(app, client):
    alliance_id, *_ = setup_alliance(app)
    with app.app_context():
        alliance = db.session.get(Alliance, alliance_id)
        alliance.charter = "## Our aims\n\nLonger **lifetimes**.\n\n<script>alert(1)</script>"
        alliance.k, alliance.p = 4, 75
        db.session.commit()
    html = client.get("/alliances/ict").get_data(as_text=True)
    assert "<h2>Our aims</h2>" in html and "<strong>lifetimes</strong>" in html
    assert "<script>alert" not in html
    assert "ICT" in html and "<strong>4</strong>" in html and "<strong>75 %</strong>" in html
    assert "Lead of ict" in html and "Sweden" in html and "Member of ict" in html and "Netherlands" in html
    assert "Lead</span>" in html
    assert "Requests to join" not in html  # only leads see requests
    assert "To ask to join as a public buyer:" in html and "/auth/register" in html
    assert "/alliances/ict/criteria/" in html
    # the public pages of the alliance: criteria, the joint statements of its rounds, its published signals
    assert "/alliances/ict/rounds/" in html and "/alliances/ict/signals" in html


def test_alliance_list_counts_active_members_only(app, client):
    alliance_id, *_ = setup_alliance(app)
    add_member(app, alliance_id, make_organisation(app), status="pending")
    html = client.get("/alliances/").get_data(as_text=True)
    assert "ICT alliance" in html and "2 member organisations" in html


def test_unknown_alliance_is_404(client):
    assert client.get("/alliances/nope").status_code == 404


# --- asking to join ----------------------------------------------------------------------------------------

def test_verified_buyer_asks_to_join_and_lead_sees_request(app):
    alliance_id, *_, lead, _member = setup_alliance(app)
    org = make_organisation(app, name="Gemeente Test", country="NL")
    client = logged_in(app, email_of(app, make_user(app, org)))
    response = post(client, "/alliances/ict/join", form_page="/alliances/ict")
    assert response.status_code == 302
    html = client.get("/alliances/ict").get_data(as_text=True)
    assert "Your request to join ICT alliance is sent" in html and "a lead will decide" in html
    assert membership_row(app, alliance_id, org) == ("pending", "member")
    assert "membership.requested" in audit_actions(app)
    lead_html = logged_in(app, lead).get("/alliances/ict").get_data(as_text=True)
    assert "Requests to join" in lead_html and "Approve Gemeente Test" in lead_html


def test_unverified_buyer_cannot_join_and_nothing_is_stored(app):
    alliance_id, *_ = setup_alliance(app)
    org = make_organisation(app, verified=False, name="New Town")
    client = logged_in(app, email_of(app, make_user(app, org)))
    assert "not yet verified" in client.get("/alliances/ict").get_data(as_text=True)
    post(client, "/alliances/ict/join", form_page="/alliances/ict")
    html = client.get("/alliances/ict").get_data(as_text=True)
    assert "New Town is not yet verified as a public body" in html
    assert membership_row(app, alliance_id, org) is None
    assert audit_actions(app) == []


def test_supplier_cannot_join_as_member(app):
    alliance_id, *_ = setup_alliance(app)
    org = make_organisation(app, kind="supplier")
    client = logged_in(app, email_of(app, make_user(app, org)))
    post(client, "/alliances/ict/join", form_page="/alliances/ict")
    html = client.get("/alliances/ict").get_data(as_text=True)
    assert "only public buyers can join an alliance" in html
    assert membership_row(app, alliance_id, org) is None


def test_duplicate_request_and_existing_member_get_clear_messages(app):
    alliance_id, _lead_org, member_org, _lead, member = setup_alliance(app)
    org = make_organisation(app)
    client = logged_in(app, email_of(app, make_user(app, org)))
    post(client, "/alliances/ict/join", form_page="/alliances/ict")
    post(client, "/alliances/ict/join", form_page="/alliances/ict")
    assert "has asked to join already" in client.get("/alliances/ict").get_data(as_text=True)
    member_client = logged_in(app, member)
    post(member_client, "/alliances/ict/join")
    assert "is a member already" in member_client.get("/alliances/ict").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)
                                 .where(Membership.alliance_id == alliance_id)) == 3
    assert membership_row(app, alliance_id, member_org) == ("active", "member")


def test_join_needs_login_and_csrf(app, client):
    setup_alliance(app)
    response = client.post("/alliances/ict/join")
    assert response.status_code in (302, 400)
    user_client = logged_in(app, email_of(app, make_user(app)))
    assert user_client.post("/alliances/ict/join").status_code == 400  # no CSRF token


# --- decisions by leads --------------------------------------------------------------------------------

def test_lead_approves_and_declines(app):
    alliance_id, *_, lead, _ = setup_alliance(app)
    first, second = make_organisation(app, name="First Town"), make_organisation(app, name="Second Town")
    first_request = add_member(app, alliance_id, first, status="pending")
    second_request = add_member(app, alliance_id, second, status="pending")
    client = logged_in(app, lead)
    post(client, f"/alliances/ict/requests/{first_request}/approve")
    post(client, f"/alliances/ict/requests/{second_request}/decline")
    assert membership_row(app, alliance_id, first) == ("active", "member")
    assert membership_row(app, alliance_id, second) == ("declined", "member")
    html = client.get("/alliances/ict").get_data(as_text=True)
    assert "Second Town was declined" in html
    members_section = html.split('id="members-heading"')[1]
    assert "First Town" in members_section and "Second Town" not in members_section
    assert {"membership.approved", "membership.declined"} <= set(audit_actions(app))


def test_declined_organisation_may_ask_again(app):
    alliance_id, *_ = setup_alliance(app)
    org = make_organisation(app)
    add_member(app, alliance_id, org, status="declined")
    client = logged_in(app, email_of(app, make_user(app, org)))
    assert "An earlier request was declined" in client.get("/alliances/ict").get_data(as_text=True)
    post(client, "/alliances/ict/join", form_page="/alliances/ict")
    assert membership_row(app, alliance_id, org) == ("pending", "member")


def test_only_leads_decide(app):
    alliance_id, *_, member = setup_alliance(app)
    org = make_organisation(app)
    request_id = add_member(app, alliance_id, org, status="pending")
    supplier = email_of(app, make_user(app, kind="supplier"))
    outsider = email_of(app, make_user(app))
    for email in (member, supplier, outsider):
        client = logged_in(app, email)
        assert post(client, f"/alliances/ict/requests/{request_id}/approve").status_code == 403
        assert "Requests to join" not in client.get("/alliances/ict").get_data(as_text=True)
    anonymous = app.test_client()
    token = csrf_token(anonymous, "/auth/login")
    response = anonymous.post(f"/alliances/ict/requests/{request_id}/approve", data={"csrf_token": token})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert membership_row(app, alliance_id, org) == ("pending", "member")


def test_lead_of_one_alliance_cannot_decide_for_another(app):
    _, _, _, ict_lead, _ = setup_alliance(app, "ict")
    health_id, *_ = setup_alliance(app, "health")
    org = make_organisation(app)
    health_request = add_member(app, health_id, org, status="pending")
    client = logged_in(app, ict_lead)
    # through its own alliance's address: the request is not part of it
    assert post(client, f"/alliances/ict/requests/{health_request}/approve").status_code == 404
    # through the other alliance's address: not a lead there
    assert post(client, f"/alliances/health/requests/{health_request}/approve").status_code == 403
    assert post(client, f"/alliances/ict/members/{health_request}/lead").status_code == 404
    assert post(client, "/alliances/ict/requests/abc/approve").status_code == 404
    assert post(client, f"/alliances/ict/requests/{health_request}/accept-all").status_code == 404
    assert membership_row(app, health_id, org) == ("pending", "member")


def test_decision_races_second_lead_gets_a_message(app):
    """The UPDATE carries status='pending' in its WHERE: a request decided meanwhile is not decided twice,
    even when this session still holds the row as pending."""
    alliance_id, _lead_org, *_ = setup_alliance(app)
    org = make_organisation(app)
    request_id = add_member(app, alliance_id, org, status="pending")
    lead_id = make_user(app, _lead_org)
    with app.app_context():
        alliance = db.session.get(Alliance, alliance_id)
        stale = db.session.get(Membership, request_id)
        assert stale.status == "pending"
        with db.engine.begin() as other_lead:
            other_lead.execute(sa.update(Membership).where(Membership.id == request_id).values(status="declined"))
        try:
            ops.decide_request(db.session.get(User, lead_id), alliance, request_id, approve=True)
        except ops.MembershipError as error:
            assert "decided already" in str(error)
        else:
            raise AssertionError("a decided request was decided again")
        db.session.rollback()
    assert membership_row(app, alliance_id, org) == ("declined", "member")


def test_deciding_twice_through_the_page_says_so(app):
    alliance_id, *_, lead, _ = setup_alliance(app)
    request_id = add_member(app, alliance_id, make_organisation(app), status="pending")
    client = logged_in(app, lead)
    post(client, f"/alliances/ict/requests/{request_id}/approve")
    post(client, f"/alliances/ict/requests/{request_id}/decline")
    assert "This request was decided already" in client.get("/alliances/ict").get_data(as_text=True)
    assert audit_actions(app).count("membership.approved") == 1


# --- leads and leaving -----------------------------------------------------------------------------------

def test_lead_makes_member_a_lead(app):
    alliance_id, lead_org, member_org, lead, member = setup_alliance(app)
    with app.app_context():
        member_row = db.session.scalar(sa.select(Membership.id).where(Membership.organisation_id == member_org))
    assert post(logged_in(app, member), f"/alliances/ict/members/{member_row}/lead").status_code == 403
    client = logged_in(app, lead)
    post(client, f"/alliances/ict/members/{member_row}/lead")
    assert membership_row(app, alliance_id, member_org) == ("active", "lead")
    assert "Member of ict is now a lead" in client.get("/alliances/ict").get_data(as_text=True)
    post(client, f"/alliances/ict/members/{member_row}/lead")
    assert "Only an active member that is not a lead yet" in client.get("/alliances/ict").get_data(as_text=True)
    assert audit_actions(app).count("membership.made_lead") == 1


def test_pending_request_cannot_be_made_lead(app):
    alliance_id, *_, lead, _ = setup_alliance(app)
    org = make_organisation(app)
    request_id = add_member(app, alliance_id, org, status="pending")
    post(logged_in(app, lead), f"/alliances/ict/members/{request_id}/lead")
    assert membership_row(app, alliance_id, org) == ("pending", "member")


def test_member_leaves_and_last_lead_cannot(app):
    alliance_id, lead_org, member_org, lead, member = setup_alliance(app)
    member_client = logged_in(app, member)
    assert "/alliances/ict/rounds/" in member_client.get("/alliances/ict").get_data(as_text=True)
    post(member_client, "/alliances/ict/leave", form_page="/alliances/ict")
    assert membership_row(app, alliance_id, member_org) == ("left", "member")
    assert "Member of ict has left ICT alliance" in member_client.get("/alliances/ict").get_data(as_text=True)
    lead_client = logged_in(app, lead)
    post(lead_client, "/alliances/ict/leave", form_page="/alliances/ict")
    assert "only lead" in lead_client.get("/alliances/ict").get_data(as_text=True)
    assert membership_row(app, alliance_id, lead_org) == ("active", "lead")
    assert audit_actions(app) == ["membership.left"]


def test_a_lead_may_leave_when_another_lead_remains(app):
    alliance_id, lead_org, member_org, lead, member = setup_alliance(app)
    with app.app_context():
        db.session.execute(sa.update(Membership).where(Membership.organisation_id == member_org).values(role="lead"))
        db.session.commit()
    post(logged_in(app, lead), "/alliances/ict/leave", form_page="/alliances/ict")
    assert membership_row(app, alliance_id, lead_org) == ("left", "member")
    post(logged_in(app, member), "/alliances/ict/leave", form_page="/alliances/ict")
    assert membership_row(app, alliance_id, member_org) == ("active", "lead")


def test_withdraw_a_pending_request_and_leaving_without_membership(app):
    alliance_id, *_ = setup_alliance(app)
    org = make_organisation(app)
    add_member(app, alliance_id, org, status="pending")
    client = logged_in(app, email_of(app, make_user(app, org)))
    post(client, "/alliances/ict/leave", form_page="/alliances/ict")
    assert "request to join ICT alliance is withdrawn" in client.get("/alliances/ict").get_data(as_text=True)
    assert membership_row(app, alliance_id, org) == ("left", "member")
    post(client, "/alliances/ict/leave", form_page="/alliances/ict")
    assert "not a member of this alliance" in client.get("/alliances/ict").get_data(as_text=True)


# --- settings ---------------------------------------------------------------------------------------------

def settings_data(client, **fields):
    html = client.get("/alliances/ict/settings").get_data(as_text=True)
    import re

    fingerprint = re.search(r'id="fingerprint" name="fingerprint" type="hidden" value="([^"]*)"', html).group(1)
    data = {"charter": "We buy **better**.", "k": "4", "p": "70", "fingerprint": fingerprint}
    data.update(fields)
    return data


def alliance_settings(app, alliance_id):
    with app.app_context():
        alliance = db.session.get(Alliance, alliance_id)
        return alliance.charter, alliance.k, alliance.p


def test_lead_edits_settings(app):
    alliance_id, *_, lead, _ = setup_alliance(app)
    client = logged_in(app, lead)
    data = settings_data(client, charter="Aims <script>x()</script> here")
    response = post(client, "/alliances/ict/settings", data, form_page="/alliances/ict/settings")
    assert response.status_code == 302
    charter, k, p = alliance_settings(app, alliance_id)
    assert (k, p) == (4, 70) and "<script>" not in charter and "Aims" in charter
    assert "alliance.settings_changed" in audit_actions(app)


def test_settings_bad_input_is_refused_and_nothing_stored(app):
    alliance_id, *_, lead, _ = setup_alliance(app)
    client = logged_in(app, lead)
    cases = [
        ({"k": "1"}, "k must be from 2 to 1000"),
        ({"k": ""}, "Give k"),
        ({"k": "three"}, "Not a valid integer value"),
        ({"p": "0"}, "p must be from 1 to 100"),
        ({"p": "101"}, "p must be from 1 to 100"),
        ({"p": "80.5"}, "Not a valid integer value"),
        ({"charter": "x" * 20_001}, "limited to 20000 characters"),
    ]
    for fields, message in cases:
        response = post(client, "/alliances/ict/settings", settings_data(client, **fields),
                        form_page="/alliances/ict/settings")
        assert response.status_code == 200, fields
        assert message in response.get_data(as_text=True), fields
    assert alliance_settings(app, alliance_id) == ("We buy better.", 3, 80)


def test_settings_edited_meanwhile_by_another_lead(app):
    alliance_id, *_, lead, _ = setup_alliance(app)
    client = logged_in(app, lead)
    data = settings_data(client, k="5")
    with app.app_context():
        db.session.get(Alliance, alliance_id).p = 90  # another lead saved first
        db.session.commit()
    response = post(client, "/alliances/ict/settings", data, form_page="/alliances/ict/settings")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Another lead changed these settings meanwhile" in html
    assert "p = 90" in html
    assert alliance_settings(app, alliance_id) == ("We buy better.", 3, 90)


def test_only_leads_open_settings(app):
    setup_alliance(app)
    *_, member = setup_alliance(app, "health")
    assert logged_in(app, member).get("/alliances/ict/settings").status_code == 403
    assert logged_in(app, email_of(app, make_user(app, kind="supplier"))).get("/alliances/ict/settings").status_code == 403
    assert app.test_client().get("/alliances/ict/settings").status_code == 302


# --- creating alliances (admins) -------------------------------------------------------------------------

def new_alliance_data(**fields):
    data = {"slug": "food", "name": "Food Alliance", "sector": "food", "charter": "Seasonal and organic.",
            "k": "3", "p": "80", "currency": "sek", "lead_organisation": "0"}
    data.update(fields)
    return data


def test_admin_creates_alliance_with_first_lead(app):
    lead_org = make_organisation(app, name="City Kitchen Agency")
    admin = logged_in(app, email_of(app, make_user(app, is_admin=True)))
    response = post(admin, "/admin/alliances/new", new_alliance_data(lead_organisation=str(lead_org)),
                    form_page="/admin/alliances/new")
    assert response.status_code == 302 and response.headers["Location"].endswith("/alliances/food")
    with app.app_context():
        alliance = db.session.scalar(sa.select(Alliance).where(Alliance.slug == "food"))
        assert (alliance.currency, alliance.sector, alliance.k, alliance.p) == ("SEK", "food", 3, 80)
        alliance_id = alliance.id
    assert membership_row(app, alliance_id, lead_org) == ("active", "lead")
    assert "alliance.created" in audit_actions(app)


def test_admin_create_alliance_bad_input(app):
    verified = make_organisation(app, name="Verified Region")
    unverified = make_organisation(app, verified=False, name="Unverified Town")
    make_alliance(app, slug="ict")
    admin = logged_in(app, email_of(app, make_user(app, is_admin=True)))
    cases = [
        ({"slug": "Not A Slug"}, "lower-case letters, digits and single hyphens"),
        ({"slug": ""}, "This field is required"),
        ({"slug": "ict"}, "exists already"),
        ({"slug": "a" * 61}, "Field cannot be longer than 60 characters"),
        ({"name": ""}, "This field is required"),
        ({"name": "x" * 201}, "Field cannot be longer than 200 characters"),
        ({"currency": "ABC"}, "ISO 4217"),
        ({"currency": "EURO"}, "three-letter ISO 4217 code"),
        ({"sector": "space"}, "Not a valid choice"),
        ({"k": "1"}, "k must be from 2 to 1000"),
        ({"lead_organisation": str(unverified)}, "verified buyer organisation"),
        ({"lead_organisation": "0"}, "verified buyer organisation"),
    ]
    for fields, message in cases:
        data = new_alliance_data(lead_organisation=str(verified))
        data.update(fields)
        response = post(admin, "/admin/alliances/new", data, form_page="/admin/alliances/new")
        assert response.status_code == 200, fields
        assert message in response.get_data(as_text=True), fields
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Alliance)) == 1


def test_only_admins_create_alliances(app):
    _, _, _, lead, _ = setup_alliance(app)
    assert logged_in(app, lead).get("/admin/alliances/new").status_code == 403


def test_simultaneous_first_requests_store_one_row(app, monkeypatch):
    """Two members of one organisation asking at the same moment: the unique (alliance, organisation)
    constraint catches the second insert, which gets a message instead of a 500."""
    alliance_id, *_ = setup_alliance(app)
    org = make_organisation(app)
    add_member(app, alliance_id, org, status="pending")  # the other request got in first
    user_id = make_user(app, org)
    monkeypatch.setattr(ops, "membership_of", lambda *_: None)  # this one checked before that commit
    with app.app_context():
        user = db.session.get(User, user_id)
        try:
            ops.request_to_join(user, db.session.get(Alliance, alliance_id))
        except ops.MembershipError as error:
            assert "asked to join already" in str(error)
        else:
            raise AssertionError("a second request row was accepted")
        db.session.rollback()
    assert membership_row(app, alliance_id, org) == ("pending", "member")


# --- notifications ---------------------------------------------------------------------------------------

def test_leads_hear_of_requests_and_the_organisation_of_the_decision(app, run_worker):
    from alliance.models import MailMessage, Notification

    alliance_id, lead_org, member_org, lead, member = setup_alliance(app)
    org = make_organisation(app, name="Newtown", country="DK")
    applicant = email_of(app, make_user(app, org))
    applicant_client = logged_in(app, applicant)
    post(applicant_client, "/alliances/ict/join", form_page="/alliances/ict")
    run_worker()
    with app.app_context():
        lead_id = db.session.scalar(sa.select(User.id).where(User.email == lead))
        member_id = db.session.scalar(sa.select(User.id).where(User.email == member))
        titles = {n.user_id: n.title for n in db.session.scalars(sa.select(Notification))}
        assert titles == {lead_id: "Newtown asks to join ICT alliance"}  # members do not hear of it
        assert db.session.scalar(sa.select(MailMessage.recipient)) == lead
        request_id = db.session.scalar(sa.select(Membership.id).where(Membership.organisation_id == org))
    assert member_id not in titles
    post(logged_in(app, lead), f"/alliances/ict/requests/{request_id}/approve")
    run_worker()
    run_worker()  # a second run adds nothing
    with app.app_context():
        applicant_id = db.session.scalar(sa.select(User.id).where(User.email == applicant))
        notes = db.session.scalars(sa.select(Notification).where(Notification.user_id == applicant_id)).all()
        assert [n.title for n in notes] == ["ICT alliance: your request to join was approved"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MailMessage)
                                 .where(MailMessage.recipient == applicant)) == 1
