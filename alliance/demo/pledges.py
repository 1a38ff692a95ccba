"""Demo step: submitted pledges from the demo buyers in the open ICT and health rounds.

Volumes are plausible for municipalities, regions, universities and hospitals (150–4,000 devices; glove
pairs by the ten thousand) at typical public-sector unit prices. The mix is chosen so the compiled
signals show each outcome of disclosure control, down to the category × quarter × country cells:
- laptops in 2027-Q3 come from three or four buyers each in Sweden, the Netherlands and Germany, monitors
  in 2027-Q3 from three in the Netherlands: those country cells are published;
- Swedish monitors in 2027-Q3 come from three buyers too, but the lead holds 1,800 of 2,650: the 500-unit
  buyer could bound it at 2,149, within 20 % (p% rule);
- German monitors in 2027-Q3 come from three buyers, one holding over 80 % (dominance rule);
- Swedish laptops: 2027-Q3 and 2028-Q1 have three or more buyers each, but 2027-Q4 has one, so 2028-Q1 is
  hidden as well (secondary suppression), else the Swedish total would give 2027-Q4 away by subtraction
  (2028-Q1 itself passes the p% rule: its third buyer's 262,500 EUR are over 20 % of the lead's 1,296,000);
- the other countries have one buyer per cell, and smartphones in 2027-Q4 two buyers in all (fewer than
  k = 3); tablets in 2027-Q2 are dominated by one buyer holding over 80 %;
- gloves: three Swedish regions pledge disposable gloves for 2027-Q2 (published), the rest is one buyer
  per country.
An organisation that has pledged in a round already is skipped, so a second run adds nothing.
"""

from decimal import Decimal

import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import Alliance, DemandRound, Pledge, User
from alliance.pledges.access import load_round
from alliance.pledges.operations import create_pledge

LAPTOPS, DESKTOPS, MONITORS, TABLETS, PHONES = "30213100-6", "30213300-8", "30231310-3", "30213200-7", "32250000-0"
SURGICAL_GLOVES, DISPOSABLE_GLOVES = "33141420-0", "18424300-0"

# (e-mail of a demo user, CPV code, delivery quarter, quantity, unit price in EUR, level, status)
ICT_PLEDGES = (
    ("lead@ict.demo", LAPTOPS, "2027-Q3", 2400, 1050, "comprehensive", "submitted"),
    ("lead@ict.demo", MONITORS, "2027-Q3", 1800, 240, "comprehensive", "submitted"),
    ("lead@ict.demo", LAPTOPS, "2028-Q1", 1200, 1080, "comprehensive", "submitted"),
    ("buyer1@ict.demo", LAPTOPS, "2027-Q3", 650, 980, "core", "submitted"),
    ("buyer1@ict.demo", MONITORS, "2027-Q3", 500, 210, "core", "submitted"),
    ("buyer1@ict.demo", TABLETS, "2027-Q2", 150, 520, "core", "submitted"),
    ("buyer2@ict.demo", LAPTOPS, "2027-Q3", 1500, 1150, "comprehensive", "submitted"),
    ("buyer2@ict.demo", DESKTOPS, "2027-Q4", 900, 760, "core", "submitted"),
    ("buyer2@ict.demo", TABLETS, "2027-Q2", 4000, 480, "core", "submitted"),
    ("buyer3@ict.demo", LAPTOPS, "2027-Q3", 1200, 890, "core", "submitted"),
    ("buyer3@ict.demo", MONITORS, "2027-Q3", 1100, 195, "core", "submitted"),
    ("buyer3@ict.demo", PHONES, "2027-Q4", 800, 390, "core", "submitted"),
    ("buyer4@ict.demo", LAPTOPS, "2027-Q3", 420, 840, "core", "submitted"),
    ("buyer4@ict.demo", LAPTOPS, "2028-Q1", 380, 860, "core", "submitted"),
    ("buyer4@ict.demo", TABLETS, "2027-Q2", 200, 450, "core", "submitted"),
    ("buyer5@ict.demo", LAPTOPS, "2027-Q3", 2000, 1010, "comprehensive", "submitted"),
    ("buyer5@ict.demo", DESKTOPS, "2027-Q4", 600, 720, "comprehensive", "submitted"),
    ("buyer5@ict.demo", MONITORS, "2027-Q3", 1400, 230, "comprehensive", "submitted"),
    ("buyer6@ict.demo", LAPTOPS, "2027-Q3", 300, 920, "core", "submitted"),
    ("buyer6@ict.demo", PHONES, "2027-Q4", 450, 410, "core", "submitted"),
    ("buyer6@ict.demo", LAPTOPS, "2028-Q1", 250, 940, "core", "submitted"),
    ("buyer7@ict.demo", LAPTOPS, "2027-Q3", 350, 1120, "comprehensive", "submitted"),
    ("buyer7@ict.demo", MONITORS, "2027-Q3", 300, 260, "comprehensive", "submitted"),
    ("buyer8@ict.demo", LAPTOPS, "2027-Q3", 280, 950, "core", "submitted"),
    ("buyer8@ict.demo", DESKTOPS, "2027-Q4", 200, 700, "core", "draft"),
    ("buyer9@ict.demo", LAPTOPS, "2027-Q3", 500, 830, "core", "submitted"),
    ("buyer9@ict.demo", MONITORS, "2027-Q3", 350, 185, "core", "submitted"),
    ("buyer9@ict.demo", LAPTOPS, "2028-Q1", 400, 850, "core", "submitted"),
    ("buyer10@ict.demo", LAPTOPS, "2027-Q3", 900, 1190, "comprehensive", "submitted"),
    ("buyer10@ict.demo", DESKTOPS, "2027-Q4", 750, 780, "comprehensive", "submitted"),
    ("buyer11@ict.demo", LAPTOPS, "2027-Q3", 700, 940, "core", "submitted"),
    ("buyer11@ict.demo", MONITORS, "2027-Q3", 500, 215, "core", "submitted"),
    ("buyer11@ict.demo", LAPTOPS, "2028-Q1", 300, 950, "core", "submitted"),
    ("buyer12@ict.demo", LAPTOPS, "2027-Q3", 450, 910, "core", "submitted"),
    ("buyer12@ict.demo", MONITORS, "2027-Q3", 350, 205, "core", "submitted"),
    ("buyer12@ict.demo", LAPTOPS, "2028-Q1", 250, 1050, "core", "submitted"),
    ("buyer13@ict.demo", LAPTOPS, "2027-Q3", 600, 1000, "comprehensive", "submitted"),
    ("buyer13@ict.demo", LAPTOPS, "2027-Q4", 180, 990, "comprehensive", "submitted"),
    ("buyer14@ict.demo", LAPTOPS, "2027-Q3", 420, 930, "core", "submitted"),
    ("buyer14@ict.demo", MONITORS, "2027-Q3", 300, 200, "core", "submitted"),
    ("buyer15@ict.demo", LAPTOPS, "2027-Q3", 300, 1020, "comprehensive", "submitted"),
    ("buyer15@ict.demo", MONITORS, "2027-Q3", 250, 225, "comprehensive", "submitted"),
    ("buyer16@ict.demo", LAPTOPS, "2027-Q3", 800, 960, "core", "submitted"),
    ("buyer16@ict.demo", MONITORS, "2027-Q3", 2400, 190, "core", "submitted"),
    ("buyer17@ict.demo", LAPTOPS, "2027-Q3", 550, 900, "core", "submitted"),
    ("buyer17@ict.demo", MONITORS, "2027-Q3", 200, 220, "core", "submitted"),
    ("buyer18@ict.demo", LAPTOPS, "2027-Q3", 700, 1080, "comprehensive", "submitted"),
    ("buyer18@ict.demo", MONITORS, "2027-Q3", 150, 235, "comprehensive", "submitted"),
)

# Glove prices are per pair (unit PR): examination gloves cost cents, sterile surgical gloves under a euro.
HEALTH_PLEDGES = (
    ("lead@health.demo", DISPOSABLE_GLOVES, "2027-Q2", 1_800_000, "0.09", "comprehensive", "submitted"),
    ("lead@health.demo", SURGICAL_GLOVES, "2027-Q2", 120_000, "0.85", "comprehensive", "submitted"),
    ("buyer2@ict.demo", DISPOSABLE_GLOVES, "2027-Q2", 950_000, "0.08", "core", "submitted"),
    ("buyer1@health.demo", DISPOSABLE_GLOVES, "2027-Q2", 1_200_000, "0.07", "core", "submitted"),
    ("buyer1@health.demo", SURGICAL_GLOVES, "2027-Q3", 60_000, "0.78", "core", "submitted"),
    ("buyer2@health.demo", DISPOSABLE_GLOVES, "2027-Q3", 700_000, "0.08", "core", "submitted"),
    ("buyer3@health.demo", DISPOSABLE_GLOVES, "2027-Q2", 400_000, "0.10", "core", "submitted"),
    ("buyer3@health.demo", SURGICAL_GLOVES, "2027-Q2", 35_000, "0.92", "core", "submitted"),
    ("buyer4@health.demo", DISPOSABLE_GLOVES, "2027-Q3", 550_000, "0.09", "comprehensive", "submitted"),
    ("buyer5@health.demo", SURGICAL_GLOVES, "2027-Q2", 45_000, "0.88", "core", "submitted"),
    ("buyer6@health.demo", DISPOSABLE_GLOVES, "2027-Q2", 900_000, "0.08", "core", "submitted"),
    ("buyer7@health.demo", DISPOSABLE_GLOVES, "2027-Q2", 650_000, "0.09", "comprehensive", "submitted"),
)


def load() -> None:
    _load_round("ict", ICT_PLEDGES)
    _load_round("health", HEALTH_PLEDGES)


def _load_round(slug: str, plan: tuple) -> None:
    demand_round = db.session.scalar(
        sa.select(DemandRound).join(Alliance, Alliance.id == DemandRound.alliance_id)
        .where(Alliance.slug == slug, DemandRound.status == "open").order_by(DemandRound.id).limit(1)
    )
    if demand_round is None:
        return
    offered = {category.cpv_code for category in demand_round.categories}
    pledged = set(db.session.scalars(sa.select(Pledge.organisation_id).where(Pledge.round_id == demand_round.id)))
    users = {user.email: user for user in db.session.scalars(
        sa.select(User).where(User.email.in_({row[0] for row in plan})))}
    for email, cpv, quarter, quantity, unit_price, level, status in plan:
        user = users.get(email)
        if user is None or cpv not in offered or user.organisation_id in pledged:
            continue
        value = _value(quantity, unit_price)
        loaded = load_round(user, demand_round.id, today=demand_round.opens_on)
        loaded.check_may_pledge()
        create_pledge(user, loaded.context, {
            "category": cpv, "criteria_version": "", "level": level, "quantity": quantity, "estimated_value": value,
            "currency": demand_round.currency, "delivery_quarter": quarter, "country": user.organisation.country,
        }, status=status)
    db.session.flush()


def _value(quantity: int, unit_price) -> str:
    return str((Decimal(quantity) * Decimal(str(unit_price))).quantize(Decimal("0.01")))
