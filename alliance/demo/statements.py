"""Demo step: the ICT round's joint statement of demand, published and signed.

Before signing was a deliberate act, every buyer organisation with a submitted pledge in the round counted
as a signatory. Those organisations now sign the published statement explicitly (one of their users
signs), so the demo keeps the same signatories. The edition is found again by its round, so a second run
adds nothing.
"""

import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import Alliance, DemandRound, Organisation, Pledge, User
from alliance.statements import operations as ops

PREAMBLE = """The public buyers of the ICT alliance buy laptops, desktops, monitors, tablets and smartphones
every year. Most of their environmental footprint comes from making the devices, so keeping them in use
longer and buying them to published criteria matters more than any single product feature.

The criteria we refer to are published by public bodies and cite their evidence:

- the European Commission's [EU green public procurement criteria for computers, monitors, tablets and
  smartphones](https://green-forum.ec.europa.eu/green-public-procurement/gpp-criteria-and-requirements_en)
  (2021);
- the Swedish National Agency for Public Procurement's
  [sustainability criteria for IT equipment](https://www.upphandlingsmyndigheten.se/en/criteria/it-and-telecom/).
"""
CONDITIONS = """Suppliers can expect these purchases to ask for the criteria sets named in each commitment,
with labels accepted **or equivalent**. Needs the market does not meet yet are shown in the summary's
supplier-readiness view: criteria that few suppliers declare they meet today."""
WORKING_GROUP = """The ICT alliance's working group on devices, coordinated by Region Västerdal (lead of
the alliance). Questions go through the alliance's market dialogue."""
# (CPV code of the criteria set's category, share in %, level, from year)
COMMITMENTS = (("30213100-6", 50, "comprehensive", 2027), ("30231310-3", 75, "core", 2027))


def load() -> None:
    alliance = db.session.scalar(sa.select(Alliance).where(Alliance.slug == "ict"))
    lead = db.session.scalar(sa.select(User).where(User.email == "lead@ict.demo"))
    if alliance is None or lead is None:
        return
    demand_round = db.session.scalar(
        sa.select(DemandRound).where(DemandRound.alliance_id == alliance.id).order_by(DemandRound.id.desc()).limit(1))
    if demand_round is None or ops.editions(demand_round.id, include_drafts=True):
        return
    statement = ops.create_draft(lead, demand_round.id)
    sets = {criteria_set.category.cpv_code: criteria_set for criteria_set in ops.round_criteria_sets(demand_round)}
    fields = ops.StatementFields(
        title=f"Joint statement of demand: {demand_round.title}", preamble=PREAMBLE, market_conditions=CONDITIONS,
        working_group=WORKING_GROUP, statement_date=statement.statement_date, summary_id=statement.summary_id,
        commitments=[ops.CommitmentInput(sets[cpv].id, share, level, year)
                     for cpv, share, level, year in COMMITMENTS if cpv in sets],
    )
    ops.update_draft(lead, statement.id, statement.version, fields)
    ops.publish(lead, statement.id, statement.version)
    pledged = sa.select(Pledge.organisation_id).where(Pledge.round_id == demand_round.id, Pledge.status == "submitted")
    organisations = db.session.scalars(sa.select(Organisation).where(
        Organisation.id.in_(pledged), Organisation.kind == "buyer").order_by(Organisation.id))
    for organisation in organisations:
        signer = db.session.scalar(sa.select(User).where(User.organisation_id == organisation.id).order_by(User.id))
        if signer is not None and ops.signing_refusal(signer, statement) is None:
            ops.sign(signer, statement.id)
