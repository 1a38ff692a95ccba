"""Who reaches a demand round or a pledge, and what they may do with it: loaded and checked once per request.

indico's load → check → operate. A page or an API resource calls load_round() or load_pledge() once; the
object it gets holds what was loaded (the round, the user's membership of its alliance, the pledge, and on
first use the round's validation context), answers the access questions (visible, lead, own, refusal) and
raises on a refusal (check_may_pledge, check_may_change). The operations in pledges/operations.py then take
those loaded objects as they are: they neither reload them nor check again.
"""

from dataclasses import dataclass
from datetime import date
from functools import cached_property

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from alliance.alliances.access import active_membership
from alliance.extensions import db
from alliance.models import DemandRound, Membership, Organisation, Pledge, User
from alliance.pledges.operations import PledgeNotFoundError, PledgeReadOnlyError, PledgingForbiddenError
from alliance.pledges.validation import RoundContext


@dataclass
class RoundAccess:
    """A demand round as one user reaches it: the round, the user's rights in it, its lookups for validation."""

    user: User
    demand_round: DemandRound
    # The user's organisation's active membership of the round's alliance: one read answers both "does it
    # lead the alliance?" and "may it pledge?".
    membership: Membership | None
    today: date | None = None  # the day the round's open or closed state is judged on; None: today

    @property
    def lead(self) -> bool:
        """The user's organisation leads the round's alliance."""
        return self.membership is not None and self.membership.role == "lead"

    @property
    def refusal(self) -> str | None:
        """Why the user's organisation may not pledge in the round's alliance; None when it may."""
        return _refusal(self.user.organisation, self.membership)

    @cached_property
    def context(self) -> RoundContext:
        """The round's categories, units and criteria versions, read on first use (a page that only checks
        access, such as a lead's table, does not read them)."""
        return RoundContext.for_round(self.demand_round, self.today)

    @property
    def visible(self) -> bool:
        """A draft round is its alliance leads' work in progress (404 to anyone else); an opened one is public."""
        return self.demand_round.status != "draft" or self.lead

    def check_may_pledge(self) -> None:
        """PledgingForbiddenError (403) unless the user's organisation may pledge here."""
        if self.refusal:
            raise PledgingForbiddenError(self.refusal)


@dataclass
class PledgeAccess:
    """A pledge the user may see, with its round as the user reaches it."""

    pledge: Pledge
    round: RoundAccess

    @property
    def context(self) -> RoundContext:
        return self.round.context

    @property
    def own(self) -> bool:
        """The pledge is the user's organisation's (otherwise the user reads it as a lead of the alliance)."""
        return self.pledge.organisation_id == self.round.user.organisation_id

    @property
    def changeable(self) -> bool:
        """The user may change the pledge now: its organisation's, allowed to pledge, in a round still open."""
        return self.own and self.round.refusal is None and not self.context.closed_reason

    def check_may_change(self) -> None:
        """PledgeReadOnlyError for a lead reading another member's pledge; PledgingForbiddenError when the user's
        organisation may not pledge (any more) in the alliance."""
        if not self.own:
            raise PledgeReadOnlyError(_("Leads see every member's pledges but only the member itself changes them."))
        self.round.check_may_pledge()


def load_round(user: User, round_id: int, today: date | None = None) -> RoundAccess:
    """The round and the user's rights in it; PledgeNotFoundError when there is no such round. Whether the user
    may see it at all is `visible`: a page answers 404 when it is not."""
    demand_round = db.session.get(DemandRound, round_id)
    if demand_round is None:
        raise PledgeNotFoundError(_("No round %(id)s.", id=round_id))
    return round_reached(user, demand_round, today)


def load_visible_round(user: User, round_id: int) -> RoundAccess:
    """As load_round, for a page: PledgeNotFoundError also for a draft round the user does not lead."""
    loaded = load_round(user, round_id)
    if not loaded.visible:
        raise PledgeNotFoundError(_("No round %(id)s.", id=round_id))
    return loaded


def load_pledge(user: User, pledge_id: int) -> PledgeAccess:
    """The pledge when the user may see it, with its round as the user reaches it (to change the pledge or
    show its form); PledgeNotFoundError otherwise."""
    pledge = visible_pledge(user, pledge_id)
    return PledgeAccess(pledge, round_reached(user, pledge.demand_round))


def visible_pledge(user: User, pledge_id: int) -> Pledge:
    """The pledge alone when the user may see it (to read it); PledgeNotFoundError otherwise, exactly as for a
    pledge that does not exist (its existence is confidential)."""
    pledge = db.session.scalar(
        sa.select(Pledge).where(Pledge.id == pledge_id, visible_to(user)).options(joinedload(Pledge.demand_round))
    )
    if pledge is None:
        raise PledgeNotFoundError(_("No pledge %(id)s.", id=pledge_id))
    return pledge


def alliance_pledges_query(user: User, alliance_id: int, round_id: int | None = None, status: str | None = None):
    """The alliance's pledges the user may see (its organisation's; every member's for a lead), by id."""
    query = (
        sa.select(Pledge).join(DemandRound, DemandRound.id == Pledge.round_id)
        .where(DemandRound.alliance_id == alliance_id, visible_to(user)).order_by(Pledge.id)
    )
    if round_id is not None:
        query = query.where(Pledge.round_id == round_id)
    return query.where(Pledge.status == status) if status else query


def visible_to(user: User):
    """SQL condition: pledges of the user's organisation, and every pledge of alliances it leads."""
    led_alliances = sa.select(Membership.alliance_id).where(
        Membership.organisation_id == user.organisation_id, Membership.status == "active", Membership.role == "lead")
    led_rounds = sa.select(DemandRound.id).where(DemandRound.alliance_id.in_(led_alliances))
    return sa.or_(Pledge.organisation_id == user.organisation_id, Pledge.round_id.in_(led_rounds))


def round_reached(user: User, demand_round: DemandRound, today: date | None = None) -> RoundAccess:
    """A round already loaded, as the user reaches it (one membership read)."""
    membership = active_membership(user.organisation_id, demand_round.alliance_id) if user.organisation_id else None
    return RoundAccess(user=user, demand_round=demand_round, membership=membership, today=today)


def _refusal(organisation: Organisation | None, membership: Membership | None) -> str | None:
    if organisation is None:
        return _("You are not an active member of an organisation.")
    if organisation.kind != "buyer":
        return _("Only public buyer organisations pledge; suppliers read the published summaries.")
    if membership is None:
        return _("Your organisation is not a member of this alliance; ask to join it first.")
    if not organisation.verified:
        return _("Your organisation must be verified by a platform admin before it can pledge.")
    return None
