"""Who may do what in an alliance. Every feature asks these questions here, never on its own."""

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

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


def alliance_by_slug(slug: str) -> Alliance | None:
    return db.session.scalar(sa.select(Alliance).where(Alliance.slug == slug))


def alliance_or_404(slug: str) -> Alliance:
    """For web views: the alliance, or a 404 page."""
    alliance = alliance_by_slug(slug)
    if alliance is None:
        abort(404)
    return alliance


def led_alliance_or_403(slug: str) -> Alliance:
    """For web views: the alliance when the logged-in user's organisation leads it; 403 otherwise."""
    alliance = alliance_or_404(slug)
    if not is_lead(current_user, alliance):
        abort(403)
    return alliance


