"""An alliance's demand rounds: one by id, or all of them. Every feature that shows rounds loads them here."""

import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import DemandRound


def get_round(alliance_id: int, round_id: int) -> DemandRound | None:
    """A round of this alliance by id; None for another alliance's round."""
    return db.session.scalar(sa.select(DemandRound).where(DemandRound.id == round_id,
                                                          DemandRound.alliance_id == alliance_id))


def alliance_rounds(alliance_id: int, include_drafts: bool = False) -> list[DemandRound]:
    query = sa.select(DemandRound).where(DemandRound.alliance_id == alliance_id)
    if not include_drafts:
        query = query.where(DemandRound.status != "draft")
    return list(db.session.scalars(query.order_by(DemandRound.opens_on.desc(), DemandRound.id.desc())))
