"""Pledges: create, edit, submit and withdraw while the round accepts them, each change kept as a revision.

Functions take the acting user and ids, flush, never commit; the caller commits with
alliance.queue.commit_and_dispatch() so the compile job requested here runs after the commit.
Only the pledging organisation edits its pledges; the alliance's leads read them.
"""

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from alliance.alliances.access import active_membership, is_lead, led_alliance_ids
from alliance.errors import ForbiddenError, NotFoundError, StaleEditError
from alliance.extensions import db
from alliance.formatting import major_amount
from alliance.models import AllianceCategory, Category, DemandRound, Organisation, Pledge, PledgeRevision, User
from alliance.pledges.validation import PledgeStatusError, RoundClosedError, RoundContext, validate
from alliance.signals.triggers import pledges_changed

EDITABLE_STATUSES = ("draft", "submitted")


class PledgeNotFoundError(NotFoundError):
    """No such pledge, or one the user may not know exists."""


class PledgeReadOnlyError(ForbiddenError):
    """The user sees the pledge (a lead) but it belongs to another organisation."""


class PledgingForbiddenError(ForbiddenError):
    """The user's organisation may not pledge in this alliance; the message says why (pledging_refusal)."""


class StaleVersionError(StaleEditError):
    """The pledge changed since the caller read `expected`."""

    def __init__(self, pledge_id: int, expected: int | None, current_version: int | None = None):
        super().__init__(_("The pledge changed since version %(expected)s. Read it again and apply your change "
                           "to the current version.", expected=expected),
                         expected=expected, current_version=current_version, model=Pledge, row_id=pledge_id)
        self.pledge_id = pledge_id


def round_visible_to(user: User, demand_round: DemandRound) -> bool:
    """A draft round is its alliance leads' work in progress (404 to anyone else); an opened one is public."""
    return demand_round.status != "draft" or is_lead(user, demand_round.alliance_id)


def pledging_refusal(user: User, alliance_id: int) -> str | None:
    """Why the user's organisation may not pledge in the alliance, or None when it may."""
    organisation = user.organisation
    if organisation is None:
        return "You are not an active member of an organisation."
    if organisation.kind != "buyer":
        return "Only public buyer organisations pledge; suppliers read the published summaries."
    if active_membership(organisation.id, alliance_id) is None:
        return "Your organisation is not a member of this alliance; ask to join it first."
    if not organisation.verified:
        return "Your organisation must be verified by a platform admin before it can pledge."
    return None


def visible_to(user: User):
    """SQL condition: pledges of the user's organisation, and every pledge of alliances it leads."""
    condition = Pledge.organisation_id == user.organisation_id
    led = led_alliance_ids(user)
    if led:
        led_rounds = sa.select(DemandRound.id).where(DemandRound.alliance_id.in_(led))
        condition = sa.or_(condition, Pledge.round_id.in_(led_rounds))
    return condition


def get_visible(user: User, pledge_id: int) -> Pledge:
    """The pledge when the user may see it; PledgeNotFoundError otherwise (existence is confidential)."""
    pledge = db.session.scalar(sa.select(Pledge).where(Pledge.id == pledge_id, visible_to(user)))
    if pledge is None:
        raise PledgeNotFoundError(_("No pledge %(id)s.", id=pledge_id))
    return pledge


def pledge_data(pledge: Pledge) -> dict:
    """The pledge's fields as kept in a revision and shown in a form."""
    return {
        "category": pledge.category.cpv_code, "criteria_set_id": pledge.criteria_set_id,
        "criteria_version": pledge.criteria_set.version, "level": pledge.level, "quantity": pledge.quantity,
        "value_minor": pledge.value_minor, "currency": pledge.currency, "delivery_quarter": pledge.delivery_quarter,
        "country": pledge.country, "region": pledge.region, "status": pledge.status,
    }


def plain_amount(pledge: Pledge) -> str:
    """The estimated value as a plain decimal, e.g. "1234.50", as a form or CSV takes it."""
    if pledge.value_minor is None:
        return ""
    return f"{major_amount(pledge.value_minor, pledge.currency):f}"


def create_pledge(actor: User, round_id: int, raw: dict, status: str = "draft", today: date | None = None) -> Pledge:
    """Create the actor's organisation's pledge in the round, as a draft or submitted."""
    demand_round = db.session.get(DemandRound, round_id)
    if demand_round is None:
        raise PledgeNotFoundError(_("No round %(id)s.", id=round_id))
    refusal = pledging_refusal(actor, demand_round.alliance_id)
    if refusal:
        raise PledgingForbiddenError(refusal)
    if status not in EDITABLE_STATUSES:
        raise PledgeStatusError("A new pledge is a draft or submitted.")
    clean = validate(raw, RoundContext.load(round_id, today))
    pledge = Pledge(**clean, organisation_id=actor.organisation_id, status=status,
                    created_by_id=actor.id, updated_by_id=actor.id)
    db.session.add(pledge)
    return _changed(pledge, actor, "created" if status == "draft" else "submitted")


def update_pledge(actor: User, pledge_id: int, expected_version: int, raw: dict, submit: bool = False,
                  today: date | None = None) -> Pledge:
    """Change the pledge's fields (raw may hold only some); submit=True also submits a draft.

    Raises StaleVersionError when expected_version is not the stored one, also when another transaction
    commits first between our read and our UPDATE (SQLAlchemy's version check on flush).
    """
    pledge = _editable(actor, pledge_id, expected_version, today)
    given = {k: v for k, v in raw.items() if v is not None}
    if given.get("category", pledge.category.cpv_code) != pledge.category.cpv_code:
        given.setdefault("criteria_version", "")  # another category: its latest version unless one is named
    merged = {**_raw_fields(pledge), **given}
    clean = validate(merged, RoundContext.load(pledge.round_id, today), keep_criteria_set_id=pledge.criteria_set_id)
    for name, value in clean.items():
        setattr(pledge, name, value)
    action = "updated"
    if submit and pledge.status == "draft":
        pledge.status, action = "submitted", "submitted"
    pledge.updated_by_id = actor.id
    return _changed(pledge, actor, action)


def submit_pledge(actor: User, pledge_id: int, expected_version: int, today: date | None = None) -> Pledge:
    """Submit a draft: from now on it counts in the alliance's aggregates."""
    pledge = _editable(actor, pledge_id, expected_version, today)
    if pledge.status != "draft":
        raise PledgeStatusError("Only a draft can be submitted; this pledge is submitted already.")
    # A draft may have been saved against a version retired since: submitting re-checks everything.
    validate(_raw_fields(pledge), RoundContext.load(pledge.round_id, today))
    pledge.status, pledge.updated_by_id = "submitted", actor.id
    return _changed(pledge, actor, "submitted")


def withdraw_pledge(actor: User, pledge_id: int, expected_version: int, today: date | None = None) -> Pledge:
    """Withdraw the pledge; it stays in the history but no longer counts."""
    pledge = _editable(actor, pledge_id, expected_version, today)
    pledge.status, pledge.updated_by_id = "withdrawn", actor.id
    return _changed(pledge, actor, "withdrawn")


def reinstate_pledge(actor: User, pledge_id: int, expected_version: int, today: date | None = None) -> Pledge:
    """Bring a withdrawn pledge back as a draft while the round is open; it counts again once submitted."""
    pledge = _editable(actor, pledge_id, expected_version, today, statuses=("withdrawn",))
    pledge.status, pledge.updated_by_id = "draft", actor.id
    return _changed(pledge, actor, "reinstated")


def revisions(pledge_id: int) -> list[PledgeRevision]:
    return db.session.scalars(
        sa.select(PledgeRevision).where(PledgeRevision.pledge_id == pledge_id)
        .order_by(PledgeRevision.version.desc(), PledgeRevision.id.desc())
    ).all()


def round_totals(round_id: int) -> list[sa.Row]:
    """Per category of the round (submitted pledges): buyers, pledges, quantity and value, summed in SQL.

    Summed per (category, buyer) first and then per category, as the compile does: PostgreSQL hashes the
    few thousand (category, buyer) groups, where COUNT(DISTINCT buyer) would sort every pledge (2M pledges:
    0.24 s instead of 0.96 s, bench/pledge_list.py)."""
    per_buyer = (
        sa.select(Pledge.category_id, sa.func.count(Pledge.id).label("pledges"),
                  sa.func.sum(Pledge.quantity).label("quantity"), sa.func.sum(Pledge.value_minor).label("value_minor"))
        .where(Pledge.round_id == round_id, Pledge.status == "submitted")
        .group_by(Pledge.category_id, Pledge.organisation_id)
        .subquery("per_buyer")
    )
    alliance_id = sa.select(DemandRound.alliance_id).where(DemandRound.id == round_id).scalar_subquery()
    return db.session.execute(
        sa.select(
            Category.cpv_code, Category.name, sa.func.coalesce(AllianceCategory.unit, Category.unit).label("unit"),
            sa.func.count().label("buyers"),
            sa.func.sum(per_buyer.c.pledges).label("pledges"),
            sa.func.sum(per_buyer.c.quantity).label("quantity"),
            sa.func.sum(per_buyer.c.value_minor).label("value_minor"),
        )
        .join(Category, Category.id == per_buyer.c.category_id)
        .outerjoin(AllianceCategory, sa.and_(AllianceCategory.alliance_id == alliance_id,
                                             AllianceCategory.category_id == Category.id))
        .group_by(Category.cpv_code, Category.name, Category.unit, AllianceCategory.unit)
        .order_by(Category.cpv_code)
    ).all()


def alliance_pledges_query(user: User, alliance_id: int, round_id: int | None = None, status: str | None = None):
    """The alliance's pledges the user may see (its organisation's; every member's for a lead), by id."""
    query = (
        sa.select(Pledge).join(DemandRound, DemandRound.id == Pledge.round_id)
        .where(DemandRound.alliance_id == alliance_id, visible_to(user)).order_by(Pledge.id)
    )
    if round_id is not None:
        query = query.where(Pledge.round_id == round_id)
    return query.where(Pledge.status == status) if status else query


def round_pledges_query(round_id: int, status: str | None = None):
    """All pledges of a round with their organisation, for a lead's table."""
    query = (
        sa.select(Pledge).join(Organisation, Organisation.id == Pledge.organisation_id)
        .where(Pledge.round_id == round_id).order_by(Organisation.name, Pledge.id)
    )
    return query.where(Pledge.status == status) if status else query


def _editable(actor: User, pledge_id: int, expected_version: int | None, today: date | None,
              statuses: tuple[str, ...] = EDITABLE_STATUSES) -> Pledge:
    pledge = get_visible(actor, pledge_id)
    if pledge.organisation_id != actor.organisation_id:
        raise PledgeReadOnlyError("Leads see every member's pledges but only the member itself changes them.")
    refusal = pledging_refusal(actor, pledge.demand_round.alliance_id)
    if refusal:
        raise PledgingForbiddenError(refusal)
    closed = RoundContext.load(pledge.round_id, today).closed_reason
    if closed:
        raise RoundClosedError(closed)
    if expected_version is None or pledge.version != expected_version:
        raise StaleVersionError(pledge.id, expected_version, pledge.version)
    if pledge.status not in statuses:
        if pledge.status == "withdrawn":
            raise PledgeStatusError("This pledge is withdrawn; reinstate it first.")
        raise PledgeStatusError("Only a withdrawn pledge can be reinstated.")
    return pledge


def _raw_fields(pledge: Pledge) -> dict:
    return pledge_data(pledge) | {"estimated_value": plain_amount(pledge)}


def _changed(pledge: Pledge, actor: User, action: str) -> Pledge:
    pledge_id, version = pledge.id, pledge.version
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleVersionError(pledge_id, version) from None
    db.session.expire(pledge, ["category", "criteria_set", "demand_round"])
    db.session.add(PledgeRevision(pledge_id=pledge.id, version=pledge.version, action=action,
                                  changed_by_id=actor.id, data=pledge_data(pledge)))
    pledges_changed(pledge.round_id)
    db.session.flush()
    return pledge

