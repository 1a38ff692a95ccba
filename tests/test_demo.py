"""The demo: who exists, who belongs where, that a second run adds nothing, and what its signals show."""

from html import unescape

import sqlalchemy as sa

from alliance.auth.passwords import authenticate
from alliance.demo import DEMO_PASSWORD, DEMO_STEPS, load_demo
from alliance.demo import organisations as demo
from alliance.disclosure.rules import SECONDARY, dominance_reason, p_percent_reason, threshold_reason
from alliance.extensions import db
from alliance.models import Alliance, DemandRound, Membership, Organisation, Pledge, Snapshot, User
from alliance.signals.snapshots import latest_snapshot
from tests.factories import login


def load(app) -> None:
    with app.app_context():
        demo.load()
        db.session.commit()


def counts(app) -> tuple[int, ...]:
    with app.app_context():
        return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                     for model in (Organisation, User, Alliance, Membership))


def active_members(alliance_slug: str) -> list[Organisation]:
    return list(db.session.scalars(
        sa.select(Organisation).join(Membership, Membership.organisation_id == Organisation.id)
        .join(Alliance, Alliance.id == Membership.alliance_id)
        .where(Alliance.slug == alliance_slug, Membership.status == "active")
    ))


def role_in(email: str, slug: str) -> str | None:
    return db.session.scalar(
        sa.select(Membership.role).join(User, User.organisation_id == Membership.organisation_id)
        .join(Alliance, Alliance.id == Membership.alliance_id)
        .where(User.email == email, Alliance.slug == slug, Membership.status == "active")
    )


def test_organisations_is_the_first_demo_step():
    assert DEMO_STEPS[0] == "organisations"


def test_demo_is_idempotent(app):
    load(app)
    first = counts(app)
    with app.app_context():
        hashes = set(db.session.scalars(sa.select(User.password_hash)))
    assert len(hashes) == 1  # one hash per run, reused
    load(app)
    assert counts(app) == first
    assert first[0] >= 17 and first[2] == 2


def test_demo_accounts_log_in_with_the_demo_password(app):
    load(app)
    with app.app_context():
        for email in ("admin@demo.test", "lead@ict.demo", "buyer1@ict.demo", "lead@health.demo",
                      "supplier1@demo.test"):
            assert authenticate(email, DEMO_PASSWORD) is not None, email
        assert db.session.scalar(sa.select(User.is_admin).where(User.email == "admin@demo.test"))
    assert login(app.test_client(), "buyer2@ict.demo", DEMO_PASSWORD).status_code == 302


def test_demo_alliances_members_and_roles(app):
    load(app)
    with app.app_context():
        ict = db.session.scalar(sa.select(Alliance).where(Alliance.slug == "ict"))
        assert (ict.k, ict.p, ict.currency, ict.sector) == (3, 80, "EUR", "ict")
        assert "EU Green" in ict.charter
        ict_members = active_members("ict")
        assert len(ict_members) >= 10 and all(org.kind == "buyer" and org.verified for org in ict_members)
        assert len(active_members("health")) >= 5
        assert role_in("lead@ict.demo", "ict") == "lead" and role_in("lead@health.demo", "health") == "lead"
        buyer_orgs = {email: db.session.scalar(sa.select(User.organisation_id).where(User.email == email))
                      for email in ("buyer1@ict.demo", "buyer2@ict.demo", "buyer3@ict.demo")}
        assert len(set(buyer_orgs.values())) == 3
        assert all(role_in(email, "ict") == "member" for email in buyer_orgs)
        assert role_in("supplier1@demo.test", "ict") is None
        verified_buyers = db.session.scalars(
            sa.select(Organisation).where(Organisation.kind == "buyer", Organisation.verified.is_(True))).all()
        assert len(verified_buyers) >= 12 and len({org.country for org in verified_buyers}) >= 8
        suppliers = db.session.scalars(sa.select(Organisation).where(Organisation.kind == "supplier")).all()
        assert len(suppliers) == 5 and sum(org.sme for org in suppliers) == 2
        for number in range(1, 6):
            assert db.session.scalar(sa.select(User.id).where(User.email == f"supplier{number}@demo.test"))


def test_demo_accounts_constant_matches_the_database(app):
    load(app)
    with app.app_context():
        for item in demo.DEMO_ACCOUNTS:
            user = db.session.scalar(sa.select(User).where(User.email == item.email))
            assert user.organisation.name == item.organisation.name
            assert user.organisation.country == item.organisation.country
    assert demo.account("lead@ict.demo").memberships == (("ict", "lead", "active"),)


def test_demo_pages_show_the_alliances(app, client):
    load(app)
    html = client.get("/alliances/ict").get_data(as_text=True)
    assert "ICT Sustainable Procurement Alliance" in html and "Region Västerdal" in html and "Portugal" in html
    assert "Stad Leiebrugge" not in html.split('id="members-heading"')[1]  # a pending request is not a member


# --- the whole demo: what a visitor sees in the market signals ------------------------------------------------

def public_cells(slug: str) -> list[dict]:
    demand_round = db.session.scalar(
        sa.select(DemandRound).join(Alliance, Alliance.id == DemandRound.alliance_id)
        .where(Alliance.slug == slug, DemandRound.status == "open"))
    return latest_snapshot(demand_round.id, view="public").public_data["cells"]


def test_demo_snapshots_publish_country_cells_and_show_each_suppression(app):
    with app.app_context():
        load_demo()
        first = [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Pledge, Snapshot)]
        load_demo()  # a second run adds nothing, not even a snapshot: the pledges are unchanged
        assert [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Pledge, Snapshot)] == first
        ict, health = public_cells("ict"), public_cells("health")
    published = {(c["category"], c["quarter"], c["country"]): (c["buyers"], c["quantity"])
                 for c in ict if not c["suppressed"]}
    assert published[("30213100-6", "2027-Q3", "SE")] == (4, 4150)  # laptops: several buyers per country
    assert {country for _, _, country in published} == {"SE", "NL", "DE"}
    assert all(buyers >= 3 for buyers, _ in published.values())
    reasons = {c["reason"] for c in ict if c["suppressed"]}
    assert reasons == {threshold_reason(3), dominance_reason(80), p_percent_reason(20), SECONDARY}
    # Swedish monitors: three buyers, none over 80 %, but the 500-unit buyer could bound the lead's 1,800.
    assert [c["reason"] for c in ict if (c["category"], c["country"]) == ("30231310-3", "SE")] == [
        p_percent_reason(20)]
    assert all(c["quantity"] is None and c["buyers"] is None for c in ict if c["suppressed"])
    assert [(c["country"], c["buyers"]) for c in health if not c["suppressed"]] == [("SE", 3)]


def test_demo_signals_page_shows_published_and_suppressed_cells_to_anyone(app, client):
    with app.app_context():
        load_demo()
    html = client.get("/alliances/ict/signals").get_data(as_text=True)
    assert "4,150" in html and "1,370" in html  # Swedish and Dutch laptops in 2027-Q3
    for reason in (threshold_reason(3), dominance_reason(80), p_percent_reason(20), SECONDARY):
        assert reason in unescape(html)


def test_demo_impact_view_shows_cited_ecodesign_estimates_and_no_invented_one(app, client):
    with app.app_context():
        load_demo()
    html = client.get("/alliances/ict/signals").get_data(as_text=True)
    impact = html[html.index('<h2 id="impact-heading"'):]
    assert "TS18 Minimum energy performance of computers <span class=\"muted\">(CPV 30213100-6)</span>" in impact
    assert "36.0 kWh/year per notebook, at most (Ecodesign limit, category A)" in impact
    assert "282,600" in impact  # 36 kWh/year × the 7,850 notebooks pledged at the core level
    assert "Regulation (EU) No 617/2013" in impact and "legislation.gov.uk/eur/2013/617/annex/II" in impact
    assert "(CPV 30213300-8)" in impact and "119,700" not in impact  # desktops: fewer than 3 core buyers, hidden
    gloves = client.get("/alliances/health/signals").get_data(as_text=True)
    assert "No impact estimate: none of these criteria carries a cited impact factor" in gloves
