"""Who may do what in an alliance. Every feature asks these questions here, never on its own."""

import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import Alliance, Membership, User


def active_membership(organisation_id: int, alliance_id: int) -> Membership | None:
    return db.session.scalar(
        sa.select(Membership).where(
            Membership.organisation_id == organisation_id,
            Membership.alliance_id == alliance_id,
            Membership.status == "active",
        )
    )


def is_lead(user: User | None, alliance: Alliance | int) -> bool:
    """True when the user's organisation leads the alliance."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    alliance_id = alliance if isinstance(alliance, int) else alliance.id
    membership = active_membership(user.organisation_id, alliance_id)
    return membership is not None and membership.role == "lead"


def is_member(user: User | None, alliance: Alliance | int) -> bool:
    """True when the user's organisation is an active member or lead of the alliance."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    alliance_id = alliance if isinstance(alliance, int) else alliance.id
    return active_membership(user.organisation_id, alliance_id) is not None


def can_pledge(user: User | None, alliance: Alliance | int) -> bool:
    """A user may pledge for its organisation when that is a verified buyer and an active member."""
    return (
        is_member(user, alliance) and user.organisation.kind == "buyer" and user.organisation.verified
    )


def led_alliance_ids(user: User | None) -> set[int]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return set(
        db.session.scalars(
            sa.select(Membership.alliance_id).where(
                Membership.organisation_id == user.organisation_id,
                Membership.status == "active",
                Membership.role == "lead",
            )
        )
    )
