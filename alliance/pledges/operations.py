"""Pledges: create, edit, submit and withdraw while the round accepts them, each change kept as a revision.

Functions take the acting user and the objects the caller loaded and checked with pledges/access.py (the
round's RoundContext, the pledge): they neither reload them nor check the user's rights again. They flush,
never commit; the caller commits with alliance.queue.commit_and_dispatch() so the compile job requested here
runs after the commit. Only the pledging organisation edits its pledges; the alliance's leads read them.
"""

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from alliance.errors import ForbiddenError, NotFoundError, StaleEditError
from alliance.extensions import db
from alliance.formatting import amount_for_input
from alliance.models import AllianceCategory, Category, DemandRound, Organisation, Pledge, PledgeRevision, User
from alliance.pledges.validation import PledgeStatusError, RoundClosedError, RoundContext, validate
from alliance.signals.triggers import pledges_changed

EDITABLE_STATUSES = ("draft", "submitted")


class PledgeNotFoundError(NotFoundError):
    """No such pledge, or one the user may not know exists."""


class PledgeReadOnlyError(ForbiddenError):
    """The user sees the pledge (a lead) but it belongs to another organisation."""


class PledgingForbiddenError(ForbiddenError):
    """The user's organisation may not pledge in this alliance; the message says why (access.RoundAccess.refusal)."""


class StaleVersionError(StaleEditError):
    """The pledge changed since the caller read `expected`."""

    def __init__(self, pledge_id: int, expected: int | None, current_version: int | None = None):
        super().__init__(_("The pledge changed since version %(expected)s. Read it again and apply your change "
                           "to the current version.", expected=expected),
                         expected=expected, current_version=current_version, model=Pledge, row_id=pledge_id)
        self.pledge_id = pledge_id


def pledge_data(pledge: Pledge, context: RoundContext | None = None) -> dict:
    """The pledge's fields as kept in a revision and shown in a form.

    With its round's context, the category code and criteria version come from the lookups loaded there rather
    than from the pledge's category and criteria set, which cost a query each (and after a change of category,
    another query each, as the pledge may point to others now)."""
    category = context.category_by_id(pledge.category_id) if context else None
    versions = category.versions.items() if category else ()
    criteria_version = next((version for version, (set_id, _) in versions if set_id == pledge.criteria_set_id), None)
    if criteria_version is None:  # no context, or a category or criteria set the round no longer offers
        category, criteria_version = pledge.category, pledge.criteria_set.version
    return {
        "category": category.cpv_code, "criteria_set_id": pledge.criteria_set_id, "criteria_version": criteria_version,
        "level": pledge.level, "quantity": pledge.quantity, "value_minor": pledge.value_minor,
        "currency": pledge.currency, "delivery_quarter": pledge.delivery_quarter, "country": pledge.country,
        "region": pledge.region, "status": pledge.status,
    }


def plain_amount(pledge: Pledge) -> str:
    """The estimated value as a plain decimal with a point, e.g. "1234.50" or "1.001" (KWD), as the API shows it."""
    return amount_for_input(pledge.value_minor, pledge.currency)


def create_pledge(actor: User, context: RoundContext, raw: dict, status: str = "draft",
                  decimal_mark: str | None = None) -> Pledge:
    """Create the actor's organisation's pledge in context's round, as a draft or submitted."""
    if status not in EDITABLE_STATUSES:
        raise PledgeStatusError(_("A new pledge is a draft or submitted."))
    clean = validate(raw, context, decimal_mark=decimal_mark)
    pledge = Pledge(**clean, organisation_id=actor.organisation_id, status=status,
                    created_by_id=actor.id, updated_by_id=actor.id)
    db.session.add(pledge)
    return _changed(pledge, context, actor, "created" if status == "draft" else "submitted")


def update_pledge(actor: User, pledge: Pledge, context: RoundContext, expected_version: int | None, raw: dict,
                  submit: bool = False, decimal_mark: str | None = None) -> Pledge:
    """Change the pledge's fields (raw may hold only some); submit=True also submits a draft.

    Raises StaleVersionError when expected_version is not the stored one, also when another transaction
    commits first between our read and our UPDATE (SQLAlchemy's version check on flush).
    """
    _check_changeable(pledge, context, expected_version)
    stored = pledge_data(pledge, context)
    given = {k: v for k, v in raw.items() if v is not None}
    if given.get("category", stored["category"]) != stored["category"]:
        given.setdefault("criteria_version", "")  # another category: its latest version unless one is named
    clean = validate(stored | given, context, keep_criteria_set_id=pledge.criteria_set_id, decimal_mark=decimal_mark)
    for name, value in clean.items():
        setattr(pledge, name, value)
    action = "updated"
    if submit and pledge.status == "draft":
        pledge.status, action = "submitted", "submitted"
    pledge.updated_by_id = actor.id
    return _changed(pledge, context, actor, action)


def submit_pledge(actor: User, pledge: Pledge, context: RoundContext, expected_version: int | None) -> Pledge:
    """Submit a draft: from now on it counts in the alliance's aggregates."""
    _check_changeable(pledge, context, expected_version)
    if pledge.status != "draft":
        raise PledgeStatusError(_("Only a draft can be submitted; this pledge is submitted already."))
    # A draft may have been saved against a version retired since: submitting re-checks everything.
    validate(pledge_data(pledge, context), context)
    pledge.status, pledge.updated_by_id = "submitted", actor.id
    return _changed(pledge, context, actor, "submitted")


def withdraw_pledge(actor: User, pledge: Pledge, context: RoundContext, expected_version: int | None) -> Pledge:
    """Withdraw the pledge; it stays in the history but no longer counts."""
    _check_changeable(pledge, context, expected_version)
    pledge.status, pledge.updated_by_id = "withdrawn", actor.id
    return _changed(pledge, context, actor, "withdrawn")


def reinstate_pledge(actor: User, pledge: Pledge, context: RoundContext, expected_version: int | None) -> Pledge:
    """Bring a withdrawn pledge back as a draft while the round is open; it counts again once submitted."""
    _check_changeable(pledge, context, expected_version, statuses=("withdrawn",))
    pledge.status, pledge.updated_by_id = "draft", actor.id
    return _changed(pledge, context, actor, "reinstated")


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


def round_pledges_query(round_id: int, status: str | None = None):
    """All pledges of a round with their organisation, for a lead's table."""
    query = (
        sa.select(Pledge).join(Organisation, Organisation.id == Pledge.organisation_id)
        .where(Pledge.round_id == round_id).order_by(Organisation.name, Pledge.id)
    )
    return query.where(Pledge.status == status) if status else query


def _check_changeable(pledge: Pledge, context: RoundContext, expected_version: int | None,
                      statuses: tuple[str, ...] = EDITABLE_STATUSES) -> None:
    """The round still takes changes, the caller read the current version, and the pledge's status allows it."""
    if context.closed_reason:
        raise RoundClosedError(context.closed_reason)
    if expected_version is None or pledge.version != expected_version:
        raise StaleVersionError(pledge.id, expected_version, pledge.version)
    if pledge.status not in statuses:
        if pledge.status == "withdrawn":
            raise PledgeStatusError(_("This pledge is withdrawn; reinstate it first."))
        raise PledgeStatusError(_("Only a withdrawn pledge can be reinstated."))


def _changed(pledge: Pledge, context: RoundContext, actor: User, action: str) -> Pledge:
    pledge_id, version = pledge.id, pledge.version
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleVersionError(pledge_id, version) from None
    # The category or criteria set may have changed: read them anew when the page or the API shows them.
    db.session.expire(pledge, ["category", "criteria_set"])
    db.session.add(PledgeRevision(pledge_id=pledge.id, version=pledge.version, action=action,
                                  changed_by_id=actor.id, data=pledge_data(pledge, context)))
    pledges_changed(pledge.round_id)
    db.session.flush()
    return pledge
