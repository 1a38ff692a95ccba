"""Demo step: an open demand round per alliance, open today and closing about two months from now.

A round is found again by its title, so a second run adds nothing.
"""

from datetime import timedelta

import sqlalchemy as sa

from alliance.demo.reference import lead_user
from alliance.extensions import db
from alliance.models import Alliance, DemandRound
from alliance.rounds.operations import RoundInput, create_round, open_round, pledgeable_categories, today_utc

ROUNDS = (
    ("ict", "ICT devices 2027–2028", "2027-Q1", "2028-Q4", """\
We, the public buyers of the ICT alliance, intend to buy laptops, desktops, monitors, tablets and smartphones
for delivery in 2027 and 2028 against the alliance's published criteria sets.

- We will ask for **longer lifetimes**: extended warranties, spare parts and design for repair.
- We will ask for **lower energy use** and **fewer hazardous substances**.
- We will accept labels such as TCO Certified **or equivalent** as proof.

Suppliers: the pooled, disclosure-controlled demand of this round will be published as a demand summary.
"""),
    ("health", "Medical gloves 2027", "2027-Q1", "2027-Q4", """\
We, the hospitals and regions of the health alliance, intend to buy examination and surgical gloves for
delivery in 2027 that meet the alliance's published criteria on hazardous substances and manufacturing
standards.
"""),
)


def load() -> None:
    today = today_utc()
    for slug, title, delivery_from, delivery_to, statement in ROUNDS:
        alliance = db.session.scalar(sa.select(Alliance).where(Alliance.slug == slug))
        lead = lead_user(alliance) if alliance else None
        categories = pledgeable_categories(alliance.id) if alliance else []
        if lead is None or not categories:
            continue
        exists = db.session.scalar(sa.select(DemandRound.id).where(
            DemandRound.alliance_id == alliance.id, DemandRound.title == title))
        if exists:
            continue
        demand_round = create_round(lead, alliance, RoundInput(
            title=title, statement=statement, category_ids=[c.id for c in categories],
            opens_on=today - timedelta(days=7), closes_on=today + timedelta(days=61),
            delivery_from=delivery_from, delivery_to=delivery_to,
        ))
        open_round(lead, demand_round, today)
