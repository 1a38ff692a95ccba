"""Who reaches a demand round or a pledge, and what they may do with it: loaded and checked once per request.

indico's load → check → operate. A page or an API resource calls load_round() or load_pledge() once; the
object it gets holds what was loaded (the round, its validation context, the pledge) with the user's rights
in it, answers the access questions (visible, lead, own, refusal) and raises on a refusal (check_may_pledge,
check_may_change). The operations in pledges/operations.py then take those loaded objects as they are:
they neither reload them nor check again.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from alliance.alliances.access import active_membership
from alliance.extensions import db
from alliance.models import DemandRound, Membership, Organisation, Pledge, User
from alliance.pledges.operations import PledgeNotFoundError, PledgeReadOnlyError
from alliance.pledges.validation import PledgeInvalidError, RoundContext


@dataclass
class RoundAccess:
    """A demand round as one user reaches it: the round, its lookups for validation, the user's rights."""

    user: User
    demand_round: DemandRound
    context: RoundContext
    lead: bool  # the user's organisation leads the round's alliance
    refusal: str | None  # why the user's organisation may not pledge in the round's alliance; None when it may

    @property
    def visible(self) -> bool:
        """A draft round is its alliance leads' work in progress (404 to anyone else); an opened one is public."""
        return self.demand_round.status != "draft" or self.lead

    def check_may_pledge(self) -> None:
        """PledgeInvalidError (field "organisation") unless the user's organisation may pledge here."""
        if self.refusal:
            raise PledgeInvalidError({"organisation": self.refusal})


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
        """PledgeReadOnlyError for a lead reading another member's pledge; PledgeInvalidError when the user's
        organisation may not pledge (any more) in the alliance."""
        if not self.own:
            raise PledgeReadOnlyError("Leads see every member's pledges but only the member itself changes them.")
        self.round.check_may_pledge()


def load_round(user: User, round_id: int, today: date | None = None) -> RoundAccess:
    """The round and the user's rights in it; PledgeNotFoundError when there is no such round. Whether the user
    may see it at all is `visible`: a page answers 404 when it is not."""
    demand_round = db.session.get(DemandRound, round_id)
    if demand_round is None:
        raise PledgeNotFoundError(round_id)
    return _round_access(user, demand_round, today)


def load_visible_round(user: User, round_id: int, today: date | None = None) -> RoundAccess:
    """As load_round, for a page: PledgeNotFoundError also for a draft round the user does not lead."""
    loaded = load_round(user, round_id, today)
    if not loaded.visible:
        raise PledgeNotFoundError(round_id)
    return loaded


def load_pledge(user: User, pledge_id: int, today: date | None = None) -> PledgeAccess:
    """The pledge when the user may see it, with its round as the user reaches it (to change the pledge or
    show its form); PledgeNotFoundError otherwise."""
    pledge = visible_pledge(user, pledge_id)
    return PledgeAccess(pledge, _round_access(user, pledge.demand_round, today))


def visible_pledge(user: User, pledge_id: int) -> Pledge:
    """The pledge alone when the user may see it (to read it); PledgeNotFoundError otherwise, exactly as for a
    pledge that does not exist (its existence is confidential)."""
    pledge = db.session.scalar(
        sa.select(Pledge).where(Pledge.id == pledge_id, visible_to(user)).options(joinedload(Pledge.demand_round))
    )
    if pledge is None:
        raise PledgeNotFoundError(pledge_id)
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


def pledging_refusal(user: User, alliance_id: int) -> str | None:
    """Why the user's organisation may not pledge in the alliance, or None when it may."""
    membership = active_membership(user.organisation_id, alliance_id) if user.organisation_id else None
    return _refusal(user.organisation, membership)


def _round_access(user: User, demand_round: DemandRound, today: date | None) -> RoundAccess:
    # One membership read answers both questions: does the organisation lead the alliance, may it pledge.
    membership = active_membership(user.organisation_id, demand_round.alliance_id) if user.organisation_id else None
    return RoundAccess(user=user, demand_round=demand_round, context=RoundContext.for_round(demand_round, today),
                       lead=membership is not None and membership.role == "lead",
                       refusal=_refusal(user.organisation, membership))


def _refusal(organisation: Organisation | None, membership: Membership | None) -> str | None:
    if organisation is None:
        return "You are not an active member of an organisation."
    if organisation.kind != "buyer":
        return "Only public buyer organisations pledge; suppliers read the published summaries."
    if membership is None:
        return "Your organisation is not a member of this alliance; ask to join it first."
    if not organisation.verified:
        return "Your organisation must be verified by a platform admin before it can pledge."
    return None
