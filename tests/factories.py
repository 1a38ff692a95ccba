"""Test data helpers. Each opens its own app context, commits, and returns plain ids."""

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

from alliance.auth.accounts import create_user
from alliance.extensions import db
from alliance.models import Alliance, Membership, Organisation

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_organisation(app, kind="buyer", verified=True, country="SE", name=None, sme=False) -> int:
    with app.app_context():
        org = Organisation(
            name=name or f"{kind.title()} organisation {next(_counter)}", kind=kind,
            org_type="municipality" if kind == "buyer" else "company", country=country, verified=verified, sme=sme,
        )
        db.session.add(org)
        db.session.commit()
        return org.id


def make_user(app, organisation_id=None, email=None, is_admin=False, kind="buyer", verified=True) -> int:
    organisation_id = organisation_id or make_organisation(app, kind=kind, verified=verified)
    with app.app_context():
        user = create_user(email or f"user{next(_counter)}@example.test", "Test User", PASSWORD,
                           db.session.get(Organisation, organisation_id), is_admin=is_admin)
        db.session.commit()
        return user.id


def make_alliance(app, slug="ict", sector="ict", k=3, p=80) -> int:
    with app.app_context():
        alliance = Alliance(slug=slug, name=f"{slug.upper()} alliance", sector=sector, charter="We buy better.", k=k, p=p)
        db.session.add(alliance)
        db.session.commit()
        return alliance.id


def add_member(app, alliance_id, organisation_id, role="member", status="active") -> int:
    with app.app_context():
        membership = Membership(alliance_id=alliance_id, organisation_id=organisation_id, role=role, status=status)
        db.session.add(membership)
        db.session.commit()
        return membership.id


def email_of(app, user_id) -> str:
    from alliance.models import User

    with app.app_context():
        return db.session.get(User, user_id).email


def login(client, email, password=PASSWORD):
    """Log in through the real form (CSRF included) and return the response."""
    token = csrf_token(client, "/auth/login")
    return client.post("/auth/login", data={"email": email, "password": password, "csrf_token": token})


def csrf_token(client, path) -> str:
    """The CSRF token of the form on the page at path."""
    import re

    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def api_token(client, email, password=PASSWORD) -> str:
    response = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


@dataclass(frozen=True)
class TwoAlliances:
    """The ICT and health alliances (ids) and the e-mail of a user in each role around them."""

    ict: int
    health: int
    lead: str  # of a buyer organisation leading ICT
    member: str  # of a buyer organisation that is an ICT member
    health_lead: str  # of a buyer organisation leading health, not a member of ICT
    supplier: str  # of a supplier organisation, in neither alliance


def make_two_alliances(app) -> TwoAlliances:
    """The ICT and health alliances with a lead each, an ICT member buyer and a supplier (see TwoAlliances)."""
    ict = make_alliance(app, "ict", "ict")
    health = make_alliance(app, "health", "health")
    people = {}
    for name, alliance_id, role, kind in (("lead", ict, "lead", "buyer"), ("member", ict, "member", "buyer"),
                                          ("health_lead", health, "lead", "buyer"), ("supplier", None, None, "supplier")):
        organisation_id = make_organisation(app, kind=kind)
        if alliance_id:
            add_member(app, alliance_id, organisation_id, role=role)
        people[name] = email_of(app, make_user(app, organisation_id))
    return TwoAlliances(ict=ict, health=health, **people)


@dataclass
class PledgingRound:
    """make_pledging_round's alliance, its open round and the cast: each person's e-mail (`a` and `a2` of
    organisation A, `b`, `lead`, `supplier`, `outsider` of no alliance, `unverified`) and organisation id
    (`a_org` …). Criteria set ids by "cpv/vN" in `sets`. A test may add what it builds on top
    (`world.pledge_id = …`); `world[who]` reads a field a parametrised test names by a string."""

    alliance_id: int
    round_id: int
    laptops_id: int
    monitors_id: int
    sets: dict[str, int]
    a: str
    a_org: int
    a2: str
    b: str
    b_org: int
    lead: str
    lead_org: int
    supplier: str
    supplier_org: int
    outsider: str
    outsider_org: int
    unverified: str
    unverified_org: int

    def __getitem__(self, name: str):
        return getattr(self, name)


def make_pledging_round(app, slug="ict", status="open", currency="EUR") -> PledgingRound:
    """An alliance with an open round (laptops and monitors, delivery 2027-Q1…2028-Q4) and its cast:
    buyers A (two users) and B, a lead, a supplier, a non-member buyer and an unverified member.
    Laptops have criteria v1 (retired), v2 (published) and v3 (draft); monitors v1 (published).
    Returns ids and e-mails as a PledgingRound."""
    from datetime import date, timedelta

    import sqlalchemy as sa

    from alliance.models import Category, CriteriaSet, DemandRound

    alliance_id = make_alliance(app, slug=slug)
    world = {"alliance_id": alliance_id}
    with app.app_context():
        alliance = db.session.get(Alliance, alliance_id)
        alliance.currency = currency
        categories = []
        for cpv, name in (("30213100-6", "Portable computers"), ("30231310-3", "Flat panel displays")):
            category = db.session.scalar(sa.select(Category).where(Category.cpv_code == cpv))
            if category is None:
                category = Category(cpv_code=cpv, name=name, unit="C62", sector="ict")
                db.session.add(category)
            categories.append(category)
        db.session.flush()
        laptops, monitors = categories
        sets = {}
        for category, version, state in ((laptops, 1, "retired"), (laptops, 2, "published"), (laptops, 3, "draft"),
                                         (monitors, 1, "published")):
            row = CriteriaSet(alliance_id=alliance_id, category_id=category.id, version=version, status=state,
                              title=f"{category.name} criteria v{version}")
            db.session.add(row)
            sets[f"{category.cpv_code}/v{version}"] = row
        today = date.today()
        demand_round = DemandRound(
            alliance_id=alliance_id, title="ICT round 2027", opens_on=today - timedelta(days=10),
            closes_on=today + timedelta(days=30), delivery_from="2027-Q1", delivery_to="2028-Q4",
            currency=currency, status=status, categories=[laptops, monitors],
        )
        db.session.add(demand_round)
        db.session.commit()
        world.update(round_id=demand_round.id, laptops_id=laptops.id, monitors_id=monitors.id,
                     sets={name: row.id for name, row in sets.items()})
    for name, kind, role, verified in (("a", "buyer", "member", True), ("b", "buyer", "member", True),
                                       ("lead", "buyer", "lead", True), ("supplier", "supplier", None, True),
                                       ("outsider", "buyer", None, True), ("unverified", "buyer", "member", False)):
        org_id = make_organisation(app, kind=kind, verified=verified, name=f"{name.title()} org {next(_counter)}")
        if role:
            add_member(app, alliance_id, org_id, role=role)
        world[f"{name}_org"] = org_id
        world[name] = email_of(app, make_user(app, org_id))
    world["a2"] = email_of(app, make_user(app, world["a_org"]))
    return PledgingRound(**world)


def pledge_fields(**changes) -> dict:
    """A valid pledge for make_pledging_round's round, as a form or API would send it."""
    fields = {"category": "30213100-6", "criteria_version": "2", "level": "core", "quantity": "150",
              "estimated_value": "135000.00", "currency": "EUR", "delivery_quarter": "2027-Q3", "country": "SE",
              "region": "SE110"}
    fields.update(changes)
    return fields


def make_published_criteria(app, alliance_id, cpv_code="30213100-6", levels=("core", "comprehensive"),
                            status="published") -> tuple[int, list[int]]:
    """A criteria set of the alliance with one criterion per level given; returns (set id, criterion ids)."""
    from alliance.models import Category, CriteriaSet, Criterion

    with app.app_context():
        category = db.session.scalar(db.select(Category).where(Category.cpv_code == cpv_code))
        if category is None:
            category = Category(cpv_code=cpv_code, name=f"Category {cpv_code}", unit="C62", sector="ict")
            db.session.add(category)
            db.session.flush()
        criteria_set = CriteriaSet(alliance_id=alliance_id, category_id=category.id, title=f"Criteria {cpv_code}",
                                   status=status, version=next(_counter))
        criteria_set.criteria = [
            Criterion(code=f"C{position}", title=f"Criterion {position}", text="Text.", type="specification",
                      level=level, position=position, source="EU GPP criteria (test)")
            for position, level in enumerate(levels, start=1)
        ]
        db.session.add(criteria_set)
        db.session.commit()
        return criteria_set.id, [criterion.id for criterion in criteria_set.criteria]


def add_criterion(app, criteria_set_id, code="TS1", **fields) -> int:
    """A criterion appended to a criteria set (a core specification citing a test source unless fields say
    otherwise); returns its id."""
    from alliance.models import Criterion

    values = {"title": f"Criterion {code}", "text": "...", "type": "specification", "level": "core",
              "source": "EU GPP criteria (test)", **fields}
    with app.app_context():
        criterion = Criterion(criteria_set_id=criteria_set_id, code=code, **values)
        db.session.add(criterion)
        db.session.commit()
        return criterion.id


def make_open_round(app, alliance_id, closes_on=None, category_ids=()) -> int:
    """An open demand round of the alliance, closing in 30 days unless closes_on is given."""
    from datetime import date, timedelta

    from alliance.models import Category, DemandRound

    with app.app_context():
        demand_round = DemandRound(
            alliance_id=alliance_id, title=f"Round {next(_counter)}", opens_on=date.today() - timedelta(days=10),
            closes_on=closes_on or date.today() + timedelta(days=30), delivery_from="2027-Q1",
            delivery_to="2027-Q4", status="open",
        )
        demand_round.categories = [db.session.get(Category, category_id) for category_id in category_ids]
        db.session.add(demand_round)
        db.session.commit()
        return demand_round.id


def make_submitted_pledge(app, round_id, organisation_id, criteria_set_id, level="core", quantity=100) -> int:
    from alliance.models import CriteriaSet, Pledge

    with app.app_context():
        criteria_set = db.session.get(CriteriaSet, criteria_set_id)
        pledge = Pledge(round_id=round_id, organisation_id=organisation_id, category_id=criteria_set.category_id,
                        criteria_set_id=criteria_set_id, level=level, quantity=quantity, value_minor=quantity * 1000,
                        currency="EUR", delivery_quarter="2027-Q1", country="SE", status="submitted")
        db.session.add(pledge)
        db.session.commit()
        return pledge.id


# Demand summaries ------------------------------------------------------------------------------------------

# Figures that disclosure control hides: in lead_data only. Tests check no export or page ever shows them.
SUPPRESSED_FIGURES = {
    "monitors_total": {"quantity": 7919, "value_minor": 444412300, "buyers": 29},
    "laptops_q2": {"quantity": 3571, "value_minor": 271828100, "buyers": 41},
    "laptops_q3": {"quantity": 6173, "value_minor": 161803300, "buyers": 37},
    "laptops_dk": {"quantity": 2237, "value_minor": 141421300, "buyers": 23},
    "readiness": {"meets": 17, "meets_sme": 13, "by_date": 19, "cannot": 11},
    "impact": {"estimate": 98765},
}


def summary_snapshot_data(round_id: int, k: int = 30, p: int = 80) -> tuple[dict, dict]:
    """(lead_data, public_data) in alliance.signals' format for make_pledging_round's round: laptops mostly
    public, monitors suppressed, one suppressed readiness row and impact estimate, a negative change."""
    def public(**figures):
        return {**figures, "suppressed": False, "reason": None}

    def hidden(name, reason):
        return ({**SUPPRESSED_FIGURES[name], "suppressed": True, "reason": reason},
                {"quantity": None, "value_minor": None, "buyers": None, "suppressed": True, "reason": reason})

    few, dominant, secondary = (f"fewer than {k} buyers", "one buyer holds more than 80% of the volume",
                                "hidden so a suppressed figure cannot be derived")
    lead, pub = {}, {}
    monitors = hidden("monitors_total", few)
    q2, q3, dk = hidden("laptops_q2", dominant), hidden("laptops_q3", secondary), hidden("laptops_dk", few)
    laptops = public(quantity=12000, value_minor=960000000, buyers=120)
    for target, index in ((lead, 0), (pub, 1)):
        target.update({
            "round": {"id": round_id, "title": "ICT round 2027", "currency": "EUR", "delivery_from": "2027-Q1",
                      "delivery_to": "2028-Q4"},
            "k": k, "p": p, "compiled_at": "2026-11-20T10:00:00+00:00", "watermark": "test",
            "totals": {"quantity": 19919 if index == 0 else 12000, "value_minor": 1404412300 if index == 0 else None,
                       "buyers": 149 if index == 0 else None, "countries": 2 if index == 0 else None,
                       "comprehensive_value_share": 0.4},
            "categories": [{"cpv_code": "30213100-6", "name": "Portable computers", "unit": "C62"},
                           {"cpv_code": "30231310-3", "name": "=HYPERLINK(\"http://evil.example\")", "unit": "C62"}],
            "cells": [],
            "by_category": [{"category": "30213100-6", **laptops, "comprehensive_value_share": 0.4},
                            {"category": "30231310-3", **monitors[index], "comprehensive_value_share": None}],
            "by_quarter": [{"category": "30213100-6", "quarter": "2027-Q1", **public(quantity=2429, value_minor=1,
                                                                                       buyers=60)},
                           {"category": "30213100-6", "quarter": "2027-Q2", **q2[index]},
                           {"category": "30213100-6", "quarter": "2027-Q3", **q3[index]}],
            "by_country": [{"category": "30213100-6", "country": "SE", **public(quantity=9763, value_minor=5,
                                                                                  buyers=97)},
                           {"category": "30213100-6", "country": "DK", **dk[index]}],
            "by_level": [{"category": "30213100-6", "level": "core", **public(quantity=7200, value_minor=576000000,
                                                                                buyers=70)},
                         {"category": "30213100-6", "level": "comprehensive",
                          **public(quantity=4800, value_minor=384000000, buyers=50)}],
            "impact": [{"category": "30213100-6", "criterion_code": "C1", "criterion_title": "Criterion 1",
                        "factor": 0.5, "unit": "kg CO2e per unit", "source": "A cited source",
                        "estimate": SUPPRESSED_FIGURES["impact"]["estimate"] if index == 0 else None,
                        "suppressed": True, "reason": few}],
            "readiness": [
                {"criterion_id": 1, "criterion_code": "C1", "category": "30213100-6", "level": "core", "meets": 45, "meets_sme": 31,
                 "by_date": 33, "earliest_quarter": "2027-Q2", "cannot": 32, "required_quantity": None,
                 "suppressed": False, "reason": None},
                {"criterion_id": 2, "criterion_code": "C2", "category": "30213100-6", "level": "core",
                 **({**SUPPRESSED_FIGURES["readiness"], "earliest_quarter": "2029-Q1"} if index == 0 else
                    {"meets": None, "meets_sme": None, "by_date": None, "cannot": None, "earliest_quarter": None}),
                 "required_quantity": None, "suppressed": True, "reason": f"fewer than {k} suppliers"},
            ],
            "change": {"previous_snapshot_id": 1, "quantity": -250, "value_minor": -1500000},
        })
    return lead, pub


def make_summary_snapshot(app, round_id: int, k: int = 30) -> int:
    """A Snapshot row of the round with summary_snapshot_data(); returns its id."""
    from alliance.models import Snapshot

    lead, public = summary_snapshot_data(round_id, k=k)
    with app.app_context():
        snapshot = Snapshot(round_id=round_id, watermark=f"test-{next(_counter)}", pledge_count=150, k=k, p=80,
                            lead_data=lead, public_data=public, release_number=next(_counter),
                            released_at=datetime.now(UTC))
        db.session.add(snapshot)
        db.session.commit()
        return snapshot.id


def make_summary(app, world: PledgingRound, status: str = "published", views=("quarter", "country", "level", "readiness",
                                                                      "impact"), snapshot_id: int | None = None,
                 criteria_set_ids=None) -> int:
    """A summary of make_pledging_round's round, drafted (and published or withdrawn) by its lead."""
    import sqlalchemy as sa

    from alliance.models import User
    from alliance.summaries import operations as ops

    snapshot_id = snapshot_id or make_summary_snapshot(app, world.round_id)
    if criteria_set_ids is None:
        criteria_set_ids = [world.sets["30213100-6/v2"]]
    with app.app_context():
        lead = db.session.scalar(sa.select(User).where(User.email == world.lead))
        summary = ops.create_draft(lead, snapshot_id, ops.SummaryFields(
            title="ICT demand 2027", narrative="We **will** buy laptops.", views=list(views),
            criteria_set_ids=list(criteria_set_ids)))
        if status in ("published", "withdrawn"):
            ops.publish(lead, summary.id, summary.version)
        if status == "withdrawn":
            ops.withdraw(lead, summary.id)
        db.session.commit()
        return summary.id
