"""Building, storing and reading snapshots of a round's market signals."""

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import defer

from alliance.criteria.categories import alliance_units
from alliance.disclosure.protection import protect_release
from alliance.disclosure.reasons import code_of
from alliance.disclosure.rules import SECONDARY, Figures, layout_groups
from alliance.extensions import db
from alliance.models import Alliance, CriteriaSet, Criterion, DemandRound, Snapshot
from alliance.models.base import utcnow
from alliance.signals import releases, views
from alliance.signals.aggregation import (
    aggregate_round,
    categories,
    counted_pledges,
    per_buyer_rows,
    submitted_count,
    watermark,
)
from alliance.signals.contract import View, from_json
from alliance.suppliers.readiness import compile_readiness


class RoundNotFoundError(LookupError):
    pass


def compile_signals(round_id: int, job_id: str | None = None,
                    progress: Callable[[float, str], None] | None = None) -> Snapshot:
    """Compile the round's submitted pledges into a snapshot (lead and public view); flushes, never commits.

    Idempotent: when the latest snapshot of the round saw the same pledges, settings and readiness
    declarations (same watermark), that snapshot is returned and nothing is written.
    Release control: the round's row is locked first, so compiles of one round run one at a time; the new
    snapshot is released to the public only when it passes the checks against every earlier release of
    the round (alliance.signals.releases), else it is held and the public keeps the last release.
    Raises RoundNotFoundError for an unknown round.
    """
    step = progress or (lambda fraction, message: None)
    demand_round = db.session.get(DemandRound, round_id)
    if demand_round is None:
        raise RoundNotFoundError(f"No demand round {round_id}.")
    releases.lock_round(round_id)
    alliance = db.session.get(Alliance, demand_round.alliance_id)
    stamp = watermark(round_id, alliance.k, alliance.p, alliance.protection_percent)
    previous = latest_snapshot(round_id)
    # Counting the submitted pledges reads the index of all of them: only when nothing else changed.
    if (previous is not None and stamp.may_match(previous.watermark)
            and previous.watermark == stamp.mark(submitted_count(round_id))):
        step(1.0, "unchanged since the last snapshot")
        return previous
    step(0.2, "aggregating pledges")
    with per_buyer_rows(round_id) as per_buyer:
        pledge_count = counted_pledges(per_buyer)
        snapshot = _compile(demand_round, alliance, per_buyer, stamp.mark(pledge_count), pledge_count, previous,
                            job_id, step)
    step(0.95, "snapshot stored")
    return snapshot


def _compile(demand_round: DemandRound, alliance: Alliance, per_buyer, mark: str, pledge_count: int,
             previous: Snapshot | None, job_id: str | None, step: Callable[[float, str], None]) -> Snapshot:
    """The snapshot of the round's per-buyer rows (aggregation.per_buyer_rows), released or held."""
    round_id, k, p = demand_round.id, alliance.k, alliance.p
    agg = aggregate_round(per_buyer)
    step(0.6, "applying disclosure control")
    reasons = protect_release(agg.figures, layout_groups(agg.figures), k, p, alliance.protection_percent)
    category_ids = {c.id for c in demand_round.categories} | {key[1] for key in agg.figures if key[0] == "category"}
    category_rows = categories(category_ids)
    codes = {cid: category.cpv_code for cid, category in category_rows.items()}
    criteria = _cited_criteria({key[2] for key in agg.figures if key[0] == "set"})
    lead_readiness, public_readiness = _readiness(round_id, k, p, alliance.protection_percent, reasons,
                                                  agg.required)
    compiled_at = utcnow()
    common = _round_header(demand_round, alliance, category_rows)
    earlier = releases.released_snapshots(round_id)
    last_release = earlier[-1] if earlier else None
    step(0.8, "building the views")
    data = {
        False: _lead_view(common, agg, reasons, codes, criteria, lead_readiness, previous),
        True: _public_view(common, agg, reasons, codes, criteria, public_readiness, last_release),
    }
    step(0.85, "checking the release against the earlier ones")
    decision = releases.check_against_releases(per_buyer, data[True], codes, k, p,
                                                alliance.protection_percent, earlier)
    number = releases.next_release_number(round_id) if decision.released else None
    # The public learns a release number and its date, never the watermark or the instant of a compile.
    data[True]["release"] = {"number": number, "date": compiled_at.date().isoformat() if number else None}
    data[False] |= {"compiled_at": compiled_at.isoformat(), "watermark": mark, "release": data[True]["release"],
                    "release_check": {"released": decision.released, "held_reason": decision.held_reason,
                                      "held": decision.held, "against": [s.release_number for s in earlier]}}
    snapshot = Snapshot(
        round_id=round_id, compiled_at=compiled_at, watermark=mark, pledge_count=pledge_count, k=k, p=p,
        lead_data=data[False], public_data=data[True], job_id=job_id, release_number=number,
        released_at=compiled_at if number else None, held_reason=decision.held_reason,
    )
    db.session.add(snapshot)
    db.session.flush()
    if number:
        releases.store_contributions(snapshot, per_buyer)
    return snapshot


def _round_header(demand_round: DemandRound, alliance: Alliance, category_rows: dict) -> dict:
    """What both views start with: the round, the disclosure settings and the categories in the alliance's units."""
    units = alliance_units(demand_round.alliance_id)
    return {
        "round": {"id": demand_round.id, "title": demand_round.title, "currency": demand_round.currency,
                  "delivery_from": demand_round.delivery_from, "delivery_to": demand_round.delivery_to},
        "k": alliance.k, "p": alliance.p, "protection_percent": alliance.protection_percent,
        "categories": [{"cpv_code": c.cpv_code, "name": c.name, "unit": units.get(c.id, c.unit)}
                       for c in sorted(category_rows.values(), key=lambda c: c.cpv_code)],
    }


def _view(common: dict, agg, reasons: dict, codes: dict, criteria: list[Criterion], readiness: list[dict],
          public: bool) -> dict:
    view = common | views.build_view(agg, reasons, codes, public)
    view["impact"] = views.impact_rows(criteria, agg, reasons, codes, public)
    view["readiness"] = readiness
    return view


def _lead_view(common: dict, agg, reasons: dict, codes: dict, criteria: list[Criterion], readiness: list[dict],
               previous: Snapshot | None) -> dict:
    """Leads see every set's rows (what the disclosure audit command re-checks) and the change since the
    previous snapshot."""
    view = _view(common, agg, reasons, codes, criteria, readiness, public=False)
    view["by_set"] = views.set_rows(agg, reasons, codes)
    view["change"] = views.change(view, from_json(previous.lead_data) if previous else None,
                                  previous.id if previous else None)
    return view


def _public_view(common: dict, agg, reasons: dict, codes: dict, criteria: list[Criterion], readiness: list[dict],
                 last_release: Snapshot | None) -> dict:
    """The public sees the change since the last public release, which anyone holding both releases can
    subtract anyway; the release check vets exactly those differences."""
    view = _view(common, agg, reasons, codes, criteria, readiness, public=True)
    view["change"] = views.change(view, from_json(last_release.public_data) if last_release else None, None)
    view["change"]["previous_release"] = last_release.release_number if last_release else None
    return view


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


def _readiness(round_id: int, k: int, p: int, percent: int, reasons: dict[tuple, str],
               required: dict[tuple[int, str], Figures]) -> tuple[list, list]:
    """The suppliers' readiness rows, with required quantities hidden where they would reveal a figure
    this snapshot suppressed (a criterion's required quantity is its set's pledged quantity by level)."""
    lead_rows, public_rows = compile_readiness(round_id, k, p, required, percent)
    hidden_sets = {key[2] for key in reasons if key[0] == "set"}
    ids = [row["criterion_id"] for row in public_rows]
    set_of = dict(db.session.execute(
        sa.select(Criterion.id, Criterion.criteria_set_id).where(Criterion.id.in_(ids))
    ).all()) if ids else {}
    guarded = []
    for row in public_rows:
        if set_of.get(row["criterion_id"]) in hidden_sets and row.get("required_quantity") is not None:
            reason = row.get("reason") or SECONDARY
            row = row | {"required_quantity": None, "suppressed": True, "reason": reason,
                         "reason_code": code_of(reason) or None, "suppressed_fields": [*row.get("suppressed_fields", []), "required_quantity"]}
        guarded.append(row)
    return list(lead_rows), guarded


def latest_snapshot(round_id: int, view: str | None = None) -> Snapshot | None:
    """The round's newest snapshot, read by index. view="public" or "lead" loads only that view's data.

    view="public" gives the newest RELEASED snapshot (release control): what every public reader sees.
    """
    query = (
        sa.select(Snapshot).where(Snapshot.round_id == round_id)
        .order_by(Snapshot.compiled_at.desc(), Snapshot.id.desc()).limit(1)
    )
    if view == "public":
        query = query.where(Snapshot.release_number.is_not(None)).options(defer(Snapshot.lead_data))
    elif view == "lead":
        query = query.options(defer(Snapshot.public_data))
    return db.session.scalar(query)


def latest_release_stamp(round_id: int) -> tuple | None:
    """(id, compile time) of the round's newest released snapshot (what latest_snapshot(view="public")
    returns), without its data. The public page's ETag is built from it: a tag that moved with held snapshots
    too would tell a stranger polling the page when a held edit happened. The time makes the stamp unique
    even where a database reuses the id of a deleted row."""
    row = db.session.execute(
        sa.select(Snapshot.id, Snapshot.compiled_at).where(Snapshot.round_id == round_id,
                                                           Snapshot.release_number.is_not(None))
        .order_by(Snapshot.compiled_at.desc(), Snapshot.id.desc()).limit(1)
    ).first()
    return tuple(row) if row else None


def view_for(snapshot: Snapshot, lead: bool) -> View:
    """The data a reader may see: leads get lead_data, everyone else public_data (alliance.signals.contract)."""
    return from_json(snapshot.lead_data if lead else snapshot.public_data)
