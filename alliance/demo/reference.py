"""Demo step: the reference data (CPV categories) and each alliance's published criteria sets.

ICT: a set per ICT category, copied from the shipped EU GPP and Upphandlingsmyndigheten libraries.
Health: a set per glove category from the Upphandlingsmyndigheten disposable-gloves library.
Where the libraries offer alternatives on one topic (a guarantee of 1 or 3 years, a warranty of 2), the demo
lead keeps the first one with the source's text, as a lead must before publishing.
A category that has a criteria set already is left alone, so a second run adds nothing.
"""

import sqlalchemy as sa

from alliance.criteria.operations import create_draft, publish, remove_criterion
from alliance.extensions import db
from alliance.models import Alliance, Category, CriteriaSet, Membership, User
from alliance.reference.loader import load_reference, reference_sets_for

# alliance slug → the libraries its sets are copied from (in this order)
LIBRARIES = {
    "ict": ("eu-gpp-computers-monitors-tablets-smartphones", "upphandlingsmyndigheten-it-equipment"),
    "health": ("upphandlingsmyndigheten-disposable-gloves",),
}


def lead_user(alliance: Alliance) -> User | None:
    """A user of one of the alliance's lead organisations (the demo acts as that lead)."""
    return db.session.scalar(
        sa.select(User).join(Membership, Membership.organisation_id == User.organisation_id)
        .where(Membership.alliance_id == alliance.id, Membership.role == "lead", Membership.status == "active")
        .order_by(User.id).limit(1)
    )


def load() -> None:
    load_reference()
    for slug, keys in LIBRARIES.items():
        alliance = db.session.scalar(sa.select(Alliance).where(Alliance.slug == slug))
        lead = lead_user(alliance) if alliance else None
        if lead is None:
            continue
        categories = db.session.scalars(sa.select(Category).where(Category.sector == alliance.sector)
                                        .order_by(Category.cpv_code))
        for category in categories:
            available = {library.key for library in reference_sets_for(category.cpv_code)}
            wanted = [key for key in keys if key in available]
            exists = db.session.scalar(sa.select(CriteriaSet.id).where(
                CriteriaSet.alliance_id == alliance.id, CriteriaSet.category_id == category.id).limit(1))
            if not wanted or exists:
                continue
            draft = create_draft(lead, alliance, category.id, reference_keys=wanted)
            for criterion_id in _alternatives_to_drop(draft):
                remove_criterion(lead, draft, criterion_id)
            publish(lead, draft)


def _alternatives_to_drop(draft: CriteriaSet) -> list[int]:
    """Per topic, every criterion but the one kept (the first with text, else the first)."""
    by_topic: dict[str, list] = {}
    for criterion in draft.criteria:
        if criterion.topic:
            by_topic.setdefault(criterion.topic, []).append(criterion)
    drop = []
    for rivals in by_topic.values():
        kept = next((c for c in rivals if c.wording != "missing"), rivals[0])
        drop += [c.id for c in rivals if c is not kept]
    return drop
