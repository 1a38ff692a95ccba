"""The readiness view of a round: what the market says it can deliver, against what buyers ask.

Rows follow the "readiness" format of alliance.signals (see its docstring). Per criterion of every
criteria set that submitted pledges of the round use:
- meets / meets_sme / by_date / cannot: how many supplier organisations declared so (one declaration per
  organisation and criterion, so rows are organisations); earliest_quarter: the quarter by which at least k
  suppliers declared they will be ready (the k-th soonest "by_date" date, coarsened to its quarter), so it is
  never one supplier's own answer; null when fewer than k suppliers gave a date;
- required_quantity: the submitted quantity that requires the criterion. A core criterion is required by
  core and comprehensive pledges, a comprehensive criterion by comprehensive pledges only.

Disclosure control (the rules live in alliance.disclosure): a supplier count from fewer than k
organisations is suppressed (a count of 0 names nobody and is shown); required_quantity follows the buyer
rules (fewer than k buyers, one buyer holding more than p % of its quantity or value, or the p% rule). Public
rows carry null for a suppressed figure; lead rows keep the figures. Each row
also lists "suppressed_fields" so a page can mark exactly which figure is hidden.
"""

from collections.abc import Mapping

import sqlalchemy as sa

from alliance.disclosure.reasons import code_of
from alliance.disclosure.rules import (
    Figures,
    primary_reason,
    quarter_of,
    supplier_count_hidden,
    supplier_threshold_reason,
)
from alliance.disclosure.sql import largest, second_largest
from alliance.extensions import db
from alliance.models import Category, CriteriaSet, Criterion, DemandRound, Organisation, Pledge, ReadinessDeclaration

SUPPLIER_FIELDS = ("meets", "meets_sme", "by_date", "cannot")
# Criterion level → the pledge levels that require a criterion of that level.
REQUIRED_BY = {"core": ("core", "comprehensive"), "comprehensive": ("comprehensive",)}


def compile_readiness(round_id: int, k: int, p: int | None = None,
                      required: Mapping[tuple[int, str], Figures] | None = None,
                      percent: int | None = None) -> tuple[list[dict], list[dict]]:
    """(lead_rows, public_rows) of the round's readiness view; p and percent (the p% rule's P, the protection
    interval) default to the alliance's.

    `required` maps (criteria set id, criterion level) to the figures of the round's submitted pledges
    that require such a criterion (see REQUIRED_BY); compile_signals passes the ones its own aggregation
    computed, so the pledges are read once. Without it they are computed here by required_quantities().
    """
    if p is None or percent is None:
        alliance = db.session.get(DemandRound, round_id).alliance
        p = alliance.p if p is None else p
        percent = alliance.protection_percent if percent is None else percent
    if required is None:
        required = required_quantities(round_id)
    pledged_sets = sorted({set_id for set_id, _ in required})
    if not pledged_sets:
        return [], []
    criteria = db.session.execute(
        sa.select(Criterion.id, Criterion.criteria_set_id, Criterion.code, Criterion.title, Criterion.level,
                  Category.cpv_code)
        .join(CriteriaSet, CriteriaSet.id == Criterion.criteria_set_id)
        .join(Category, Category.id == CriteriaSet.category_id)
        .where(Criterion.criteria_set_id.in_(pledged_sets))
        .order_by(Category.cpv_code, CriteriaSet.version, Criterion.position, Criterion.id)
    ).all()
    supply = _supplier_counts([row.id for row in criteria])
    ready_quarters = _kth_ready_quarters([row.id for row in criteria], k)
    lead_rows, public_rows = [], []
    for criterion in criteria:
        demand = required.get((criterion.criteria_set_id, criterion.level))
        lead, public = _row(criterion, supply.get(criterion.id), ready_quarters.get(criterion.id), demand, k, p,
                            percent)
        lead_rows.append(lead)
        public_rows.append(public)
    return lead_rows, public_rows


def _supplier_counts(criterion_ids: list[int]) -> dict[int, sa.Row]:
    if not criterion_ids:
        return {}
    decl = ReadinessDeclaration

    def count_if(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    rows = db.session.execute(
        sa.select(
            decl.criterion_id,
            count_if(decl.status == "meets").label("meets"),
            count_if(sa.and_(decl.status == "meets", Organisation.sme.is_(True))).label("meets_sme"),
            count_if(decl.status == "by_date").label("by_date"),
            count_if(decl.status == "cannot").label("cannot"),
        )
        .join(Organisation, Organisation.id == decl.organisation_id)
        .where(decl.criterion_id.in_(criterion_ids), Organisation.kind == "supplier")
        .group_by(decl.criterion_id)
    ).all()
    return {row.criterion_id: row for row in rows}


def _kth_ready_quarters(criterion_ids: list[int], k: int) -> dict[int, str]:
    """criterion id → quarter of the k-th soonest "by_date" date among supplier organisations (if k gave one)."""
    if not criterion_ids:
        return {}
    decl = ReadinessDeclaration
    ranked = (
        sa.select(decl.criterion_id, decl.ready_by,
                  sa.func.row_number().over(partition_by=decl.criterion_id,
                                            order_by=(decl.ready_by, decl.id)).label("rank"))
        .join(Organisation, Organisation.id == decl.organisation_id)
        .where(decl.criterion_id.in_(criterion_ids), Organisation.kind == "supplier", decl.status == "by_date",
               decl.ready_by.is_not(None))
        .subquery()
    )
    rows = db.session.execute(sa.select(ranked.c.criterion_id, ranked.c.ready_by).where(ranked.c.rank == k))
    return {criterion_id: quarter_of(ready_by) for criterion_id, ready_by in rows}


def required_quantities(round_id: int) -> dict[tuple[int, str], Figures]:
    """(criteria set id, criterion level) → figures of the round's submitted pledges requiring it.

    The pledges are first summed per (criteria set, buyer) — a small table — so criteria never meet pledge
    rows; a level no submitted pledge requires has no entry.
    """
    comprehensive = Pledge.level == "comprehensive"
    per_buyer = (
        sa.select(
            Pledge.criteria_set_id,
            sa.func.sum(Pledge.quantity).label("quantity"),
            sa.func.sum(Pledge.value_minor).label("value_minor"),
            sa.func.sum(sa.case((comprehensive, Pledge.quantity))).label("comprehensive_quantity"),
            sa.func.sum(sa.case((comprehensive, Pledge.value_minor))).label("comprehensive_value"),
        )
        .where(Pledge.round_id == round_id, Pledge.status == "submitted")
        .group_by(Pledge.criteria_set_id, Pledge.organisation_id)
        .subquery()
    )
    # Each buyer row with its set's largest shares beside it (one window), for the p% rule's second largest.
    c = per_buyer.c
    ranked = sa.select(
        c.criteria_set_id, c.quantity, c.value_minor, c.comprehensive_quantity, c.comprehensive_value,
        *(largest(column, [c.criteria_set_id])
          for column in (c.quantity, c.value_minor, c.comprehensive_quantity, c.comprehensive_value)),
    ).subquery()
    r = ranked.c
    rows = db.session.execute(
        sa.select(
            r.criteria_set_id,
            sa.func.sum(r.quantity), sa.func.sum(r.value_minor), sa.func.count(),
            sa.func.max(r.quantity), sa.func.max(r.value_minor),
            second_largest(r.quantity, r.largest_quantity), second_largest(r.value_minor, r.largest_value_minor),
            sa.func.sum(r.comprehensive_quantity), sa.func.sum(r.comprehensive_value),
            sa.func.count(r.comprehensive_quantity),  # buyers with a comprehensive pledge (NULL otherwise)
            sa.func.max(r.comprehensive_quantity), sa.func.max(r.comprehensive_value),
            second_largest(r.comprehensive_quantity, r.largest_comprehensive_quantity),
            second_largest(r.comprehensive_value, r.largest_comprehensive_value),
        ).group_by(r.criteria_set_id)
    ).all()
    required = {}
    for set_id, *figures in rows:
        core, comprehensive = figures[:7], figures[7:]
        required[(set_id, "core")] = _figures(*core)
        if comprehensive[2]:  # buyers with a comprehensive pledge
            required[(set_id, "comprehensive")] = _figures(*comprehensive)
    return required


def _figures(quantity, value, buyers, top_quantity, top_value, second_quantity, second_value) -> Figures:
    return Figures(int(quantity), int(value), int(buyers), int(top_quantity), int(top_value), int(second_quantity),
                   int(second_value))


def _row(criterion, supply, ready_quarter: str | None, demand, k: int, p: int, percent: int) -> tuple[dict, dict]:
    figures = {name: int(getattr(supply, name)) if supply else 0 for name in SUPPLIER_FIELDS}
    figures["earliest_quarter"] = ready_quarter
    quantity = demand.quantity if demand else 0
    figures["required_quantity"] = quantity

    hidden, reasons = [], []
    for name in SUPPLIER_FIELDS:
        if supplier_count_hidden(figures[name], k):
            hidden.append(name)
    if hidden:
        reasons.append(supplier_threshold_reason(k))
    if demand is not None and (reason := primary_reason(demand, k, p, percent)):
        hidden.append("required_quantity")
        reasons.append(reason)

    base = {
        "criterion_id": criterion.id, "criterion_code": criterion.code, "criterion_title": criterion.title,
        "level": criterion.level, "category": criterion.cpv_code,
        "suppressed": bool(hidden), "reason": "; ".join(reasons) or None,
        "reason_code": code_of("; ".join(reasons)) or None, "suppressed_fields": hidden,
    }
    lead = base | figures
    public = base | {name: (None if name in hidden else value) for name, value in figures.items()}
    return lead, public
