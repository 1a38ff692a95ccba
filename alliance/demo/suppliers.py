"""Demo step after "signals": readiness declarations of the five demo suppliers, their subscriptions, and a
market dialogue on the ICT round with a public question and answer and an RFI response.

Declarations cite no certificate numbers (the suppliers are fictional): evidence is a note. Rows are found
again by natural keys (organisation + criterion, dialogue title), so a second run adds nothing.
"""

from datetime import date, timedelta

import sqlalchemy as sa

from alliance.demo.reference import lead_user
from alliance.dialogues import operations as dialogues
from alliance.extensions import db
from alliance.models import (
    Alliance,
    CriteriaSet,
    DemandRound,
    Dialogue,
    Post,
    ReadinessDeclaration,
    Subscription,
    User,
)
from alliance.models.base import utcnow
from alliance.suppliers.declarations import save_declarations

# Per criterion (by position modulo 4), the status of each ICT supplier: some rows pass the k = 3 rule,
# some are suppressed, so the readiness view shows both.
ICT_PATTERN = (("meets", "meets", "meets"), ("meets", "meets", "by_date"), ("by_date", "by_date", "by_date"),
               ("meets", "cannot", "cannot"))
ICT_SUPPLIERS = ("supplier1@demo.test", "supplier2@demo.test", "supplier3@demo.test")
HEALTH_SUPPLIERS = ("supplier4@demo.test", "supplier5@demo.test")
DIALOGUE_TITLE = "Preliminary market consultation: ICT devices 2027–2028"


def load() -> None:
    ict = db.session.scalar(sa.select(Alliance).where(Alliance.slug == "ict"))
    health = db.session.scalar(sa.select(Alliance).where(Alliance.slug == "health"))
    for index, email in enumerate(ICT_SUPPLIERS):
        _declare(_user(email), ict, lambda position, i=index: ICT_PATTERN[position % 4][i], ready_in_days=120 + 60 * index)
    for email in HEALTH_SUPPLIERS:
        _declare(_user(email), health, lambda position: "meets", ready_in_days=0)
    _subscribe(_user("supplier1@demo.test"), sector="ict")
    _subscribe(_user("supplier2@demo.test"), cpv_prefix="302")
    _subscribe(_user("supplier4@demo.test"), sector="health")
    if ict is not None:
        _dialogue(ict)


def _user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _declare(user: User | None, alliance: Alliance | None, status_of, ready_in_days: int) -> None:
    if user is None or alliance is None:
        return
    criteria = [
        criterion
        for criteria_set in db.session.scalars(sa.select(CriteriaSet).where(
            CriteriaSet.alliance_id == alliance.id, CriteriaSet.status == "published"))
        for criterion in criteria_set.criteria
    ]
    declared = set(db.session.scalars(sa.select(ReadinessDeclaration.criterion_id).where(
        ReadinessDeclaration.organisation_id == user.organisation_id)))
    items = []
    for position, criterion in enumerate(criteria):
        if criterion.id in declared:
            continue
        status = status_of(position)
        items.append({
            "criterion_id": criterion.id, "status": status,
            "ready_by": date.today() + timedelta(days=ready_in_days) if status == "by_date" else None,
            "note": {"meets": "Met by our current range; documentation on request.",
                     "by_date": "Planned with our next product generation.",
                     "cannot": "Not planned at present."}[status],
        })
    if items:
        save_declarations(user, items)


def _subscribe(user: User | None, sector: str = "", cpv_prefix: str = "") -> None:
    if user is None or db.session.scalar(sa.select(Subscription.id).where(
            Subscription.user_id == user.id, Subscription.sector == sector, Subscription.cpv_prefix == cpv_prefix)):
        return
    db.session.add(Subscription(user_id=user.id, sector=sector, cpv_prefix=cpv_prefix))
    db.session.flush()


def _dialogue(alliance: Alliance) -> None:
    lead = lead_user(alliance)
    demand_round = db.session.scalar(sa.select(DemandRound).where(DemandRound.alliance_id == alliance.id)
                                     .order_by(DemandRound.id).limit(1))
    asker, responder = _user("supplier1@demo.test"), _user("supplier2@demo.test")
    if lead is None or demand_round is None or asker is None or responder is None or db.session.scalar(
            sa.select(Dialogue.id).where(Dialogue.title == DIALOGUE_TITLE)):
        return
    dialogue = dialogues.open_dialogue(
        lead, alliance, DIALOGUE_TITLE,
        "Before we publish our tenders we want to hear from the market: can you deliver devices that meet the "
        "alliance's **comprehensive** criteria, and what would help small suppliers take part?\n\n"
        "Questions and answers here are public; RFI responses reach the alliance's leads only.",
        utcnow() + timedelta(days=45), round_id=demand_round.id,
        rfi_questions=["Which spare parts can you guarantee, and for how many years after the last delivery?"],
    )
    question = dialogues.add_post(
        asker, dialogue, "question",
        "Will refurbished laptops that meet the same criteria be accepted as **equivalent** to new ones?")
    dialogues.add_post(
        lead, dialogue, "answer",
        "Yes. The criteria describe performance and verification, not whether a device is new; refurbished "
        "devices that meet them, with the same proof, are welcome.", parent_id=question.id)
    rfi = db.session.scalar(sa.select(Post).where(Post.dialogue_id == dialogue.id, Post.kind == "rfi"))
    dialogues.add_post(
        responder, dialogue, "response",
        "We stock batteries, keyboards and displays for the models we refurbish for five years.", parent_id=rfi.id)
