"""Demo: a published demand summary of the ICT round's latest snapshot (compiled by the signals step)."""

import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import Alliance, CriteriaSet, DemandRound, DemandSummary, User
from alliance.signals.releases import latest_release
from alliance.summaries import operations as ops

NARRATIVE = """The alliance's buyers plan to renew ICT equipment over the delivery period below. They
pledged to the criteria listed on this page, which cite their published sources.

Figures built from too few buyers, or dominated by one buyer, are suppressed and say so. Questions are
welcome in the alliance's market dialogue; answers are published here for every supplier to read."""


def load() -> None:
    """Publish one summary of the ICT round; a second run finds it and adds nothing."""
    alliance = db.session.scalar(sa.select(Alliance).where(Alliance.slug == "ict"))
    lead = db.session.scalar(sa.select(User).where(User.email == "lead@ict.demo"))
    if alliance is None or lead is None:
        return
    demand_round = db.session.scalar(
        sa.select(DemandRound).where(DemandRound.alliance_id == alliance.id).order_by(DemandRound.id.desc()).limit(1)
    )
    if demand_round is None or db.session.scalar(
        sa.select(DemandSummary.id).where(DemandSummary.round_id == demand_round.id).limit(1)
    ):
        return
    snapshot = latest_release(demand_round.id)
    if snapshot is None or not ops.snapshot_categories(snapshot):
        return
    codes = {category["cpv_code"] for category in ops.snapshot_categories(snapshot)}
    criteria_sets = [
        criteria_set for criteria_set in db.session.scalars(
            sa.select(CriteriaSet).where(CriteriaSet.alliance_id == alliance.id, CriteriaSet.status == "published")
            .order_by(CriteriaSet.id)
        ) if criteria_set.category.cpv_code in codes
    ]
    summary = ops.create_draft(lead, snapshot.id, ops.SummaryFields(
        title=f"{demand_round.title}: pooled demand", narrative=NARRATIVE,
        views=list(ops.VIEWS), criteria_set_ids=[criteria_set.id for criteria_set in criteria_sets],
    ))
    ops.publish(lead, summary.id, summary.version)
