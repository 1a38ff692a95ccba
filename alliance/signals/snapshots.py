"""Building, storing and reading snapshots of a round's market signals."""

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import defer

from alliance.extensions import db
from alliance.models import Alliance, CriteriaSet, Criterion, DemandRound, Pledge, Snapshot
from alliance.models.base import utcnow
from alliance.signals import views
from alliance.signals.compile import aggregate_round, categories, watermark
from alliance.disclosure.protection import protect_release
from alliance.disclosure.rules import SECONDARY, Figures, layout_groups
from alliance.suppliers.readiness import compile_readiness


class RoundNotFoundError(LookupError):
    pass


def compile_signals(round_id: int, job_id: str | None = None,
                    progress: Callable[[float, str], None] | None = None) -> Snapshot:
    """Compile the round's submitted pledges into a snapshot (lead and public view); flushes, never commits.

    Idempotent: when the latest snapshot of the round saw the same pledges, settings and readiness
    declarations (same watermark), that snapshot is returned and nothing is written.
    Raises RoundNotFoundError for an unknown round.
    """
    step = progress or (lambda fraction, message: None)
    demand_round = db.session.get(DemandRound, round_id)
    if demand_round is None:
        raise RoundNotFoundError(f"No demand round {round_id}.")
    alliance = db.session.get(Alliance, demand_round.alliance_id)
    k, p = alliance.k, alliance.p
    mark, pledge_count = watermark(round_id, k, p)
    mark = f"{mark}|P{alliance.protection_percent}"  # a new protection interval is a new compile
    previous = latest_snapshot(round_id)
    if previous is not None and previous.watermark == mark:
        step(1.0, "unchanged since the last snapshot")
        return previous
    step(0.2, "aggregating pledges")
    agg = aggregate_round(round_id)
    step(0.6, "applying disclosure control")
    reasons = protect_release(agg.figures, layout_groups(agg.figures), k, p, alliance.protection_percent)
    category_ids = {c.id for c in demand_round.categories} | {key[1] for key in agg.figures if key[0] == "category"}
    category_rows = categories(category_ids)
    codes = {cid: category.cpv_code for cid, category in category_rows.items()}
    criteria = _cited_criteria({key[2] for key in agg.figures if key[0] == "set"})
    lead_readiness, public_readiness = _readiness(round_id, k, p, reasons, agg.required)
    compiled_at = utcnow()
    common = {
        "round": {"id": demand_round.id, "title": demand_round.title, "currency": demand_round.currency,
                  "delivery_from": demand_round.delivery_from, "delivery_to": demand_round.delivery_to},
        "k": k, "p": p, "protection_percent": alliance.protection_percent, "compiled_at": compiled_at.isoformat(), "watermark": mark,
        "categories": [{"cpv_code": c.cpv_code, "name": c.name, "unit": c.unit}
                       for c in sorted(category_rows.values(), key=lambda c: c.cpv_code)],
    }
    change_hidden = _change_reason(round_id, previous, k)
    step(0.8, "building the views")
    data = {}
    for public, readiness in ((False, lead_readiness), (True, public_readiness)):
        view = common | views.build_view(agg, reasons, codes, public)
        view["impact"] = views.impact_rows(criteria, agg, reasons, codes, public)
        view["readiness"] = readiness
        if not public:
            view["by_set"] = views.set_rows(agg, reasons, codes)  # what the disclosure audit command re-checks
        before = None if previous is None else (previous.public_data if public else previous.lead_data)
        view["change"] = views.change(view, before, previous.id if previous else None,
                                      hidden_reason=change_hidden if public else None)
        data[public] = view
    snapshot = Snapshot(
        round_id=round_id, compiled_at=compiled_at, watermark=mark, pledge_count=pledge_count, k=k, p=p,
        lead_data=data[False], public_data=data[True], job_id=job_id,
    )
    db.session.add(snapshot)
    db.session.flush()
    step(0.95, "snapshot stored")
    return snapshot


def _change_reason(round_id: int, previous: Snapshot | None, k: int) -> str | None:
    """Why the public may not see the change since the previous snapshot, or None when it may.

    The difference of two published totals is exactly what the buyers who edited in between changed:
    published only when at least k distinct buyers changed pledges of the round since then.
    """
    if previous is None:
        return None
    changed_buyers = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Pledge.organisation_id)))
        .where(Pledge.round_id == round_id, Pledge.updated_at > previous.compiled_at)
    )
    return None if changed_buyers >= k else f"fewer than {k} buyers changed their pledges since the previous snapshot"


def _cited_criteria(criteria_set_ids: set[int]) -> list[Criterion]:
    """Criteria of the pledged sets that carry an impact factor with a cited source."""
    if not criteria_set_ids:
        return []
    return list(db.session.scalars(
        sa.select(Criterion).join(CriteriaSet)
        .where(Criterion.criteria_set_id.in_(criteria_set_ids), Criterion.impact_factor.is_not(None),
               Criterion.impact_source != "")
        .order_by(Criterion.id)
    ))


def _readiness(round_id: int, k: int, p: int, reasons: dict[tuple, str],
               required: dict[tuple[int, str], Figures]) -> tuple[list, list]:
    """The suppliers' readiness rows, with required quantities hidden where they would reveal a figure
    this snapshot suppressed (a criterion's required quantity is its set's pledged quantity by level)."""
    lead_rows, public_rows = compile_readiness(round_id, k, p, required)
    hidden_sets = {key[2] for key in reasons if key[0] == "set"}
    ids = [row["criterion_id"] for row in public_rows]
    set_of = dict(db.session.execute(
        sa.select(Criterion.id, Criterion.criteria_set_id).where(Criterion.id.in_(ids))
    ).all()) if ids else {}
    guarded = []
    for row in public_rows:
        if set_of.get(row["criterion_id"]) in hidden_sets and row.get("required_quantity") is not None:
            row = row | {"required_quantity": None, "suppressed": True, "reason": row.get("reason") or SECONDARY,
                         "suppressed_fields": [*row.get("suppressed_fields", []), "required_quantity"]}
        guarded.append(row)
    return list(lead_rows), guarded


def latest_snapshot(round_id: int, view: str | None = None) -> Snapshot | None:
    """The round's newest snapshot, read by index. view="public" or "lead" loads only that view's data."""
    query = (
        sa.select(Snapshot).where(Snapshot.round_id == round_id)
        .order_by(Snapshot.compiled_at.desc(), Snapshot.id.desc()).limit(1)
    )
    if view == "public":
        query = query.options(defer(Snapshot.lead_data))
    elif view == "lead":
        query = query.options(defer(Snapshot.public_data))
    return db.session.scalar(query)


def view_for(snapshot: Snapshot, lead: bool) -> dict:
    """The data a reader may see: leads get lead_data, everyone else public_data."""
    return snapshot.lead_data if lead else snapshot.public_data
