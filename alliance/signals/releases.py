"""The database side of release control: which snapshot of a round the public reads, and whether a new one
may follow every earlier release (rules in alliance.disclosure.release).

Who changed what is kept, not recomputed: when a snapshot is released, its per-buyer totals per base cell
(category, quarter, country, level, criteria set) go into the private release_contribution table, copied
by one INSERT … SELECT from the per-buyer rows the compile rolled its figures up from
(aggregation.per_buyer_rows), which the release check also reads: the pledges are grouped once per compile. Recomputing from pledge revisions instead would have to replay every revision up to
the instant of each release and agree exactly with what that compile read (imports, status changes,
deletions); the stored rows are by construction what the release was computed from. Nothing reads them but
this module, and no figure from them is logged.

Releases of one round go out one at a time: compile_signals takes the round's row lock first
(lock_round), so a second compile of the same round, on any machine, waits until the first has committed
and then checks itself against it.
"""

import sqlalchemy as sa

from alliance.database import is_postgres
from alliance.disclosure.release import (
    BuyerChange,
    PublicFigures,
    ReleaseDecision,
    check_release,
    decide,
    describe,
)
from alliance.extensions import db
from alliance.models import Category, Criterion, DemandRound, ReleaseContribution, Snapshot
from alliance.signals.contract import View, figure_rows, from_json

_BASE = ("category_id", "quarter", "country", "level", "criteria_set_id", "organisation_id")


def lock_round(round_id: int) -> None:
    """Hold the round's row until the transaction ends, so its releases are decided one at a time.

    PostgreSQL: SELECT … FOR NO KEY UPDATE, which two compiles cannot both hold, while a pledge insert's
    foreign-key check (FOR KEY SHARE on the round) goes through: buyers keep pledging during a compile.
    SQLite has no row locks; a no-op UPDATE takes the database's write lock, which serialises the same way
    (busy_timeout makes the second compile wait).
    """
    if is_postgres():
        db.session.execute(sa.select(DemandRound.id).where(DemandRound.id == round_id)
                           .with_for_update(key_share=True))
    else:
        db.session.execute(sa.update(DemandRound).where(DemandRound.id == round_id).values(id=DemandRound.id)
                           .execution_options(synchronize_session=False))


def latest_release(round_id: int) -> Snapshot | None:
    """The round's newest released snapshot: what every public reader sees."""
    return db.session.scalar(
        sa.select(Snapshot).where(Snapshot.round_id == round_id, Snapshot.release_number.is_not(None))
        .order_by(Snapshot.release_number.desc()).limit(1)
    )


def public_figures(view: View, criterion_sets: dict[int, int]) -> PublicFigures:
    """The keys a public view lists and those whose figures it publishes (category keyed by CPV code).

    criterion_sets maps a readiness row's criterion to its criteria set (see criterion_sets()).
    """
    listed, published = set(), set()

    def add(key: tuple, row: dict) -> None:
        listed.add(key)
        if row.get("quantity") is not None:
            published.add(key)

    for key, row in figure_rows(view):
        add(key, row)
    for row in view.get("impact") or []:  # an impact estimate is its criteria set's quantity times a factor
        if "criteria_set_id" in row:
            add(("set", row["category"], row["criteria_set_id"], row["level"]), row)
    for row in view.get("readiness") or []:  # a required quantity sums its set's figures (see release.py)
        set_id = criterion_sets.get(row.get("criterion_id"))
        if set_id is not None and row.get("required_quantity") is not None:
            add(("required", row["category"], set_id, row["level"]), {"quantity": row["required_quantity"]})
    return PublicFigures(frozenset(listed), frozenset(published))


def criterion_sets(views: list[View]) -> dict[int, int]:
    """criterion id → criteria set id, for the readiness rows of these views."""
    ids = {row["criterion_id"] for view in views for row in view.get("readiness") or [] if row.get("criterion_id")}
    if not ids:
        return {}
    return dict(db.session.execute(
        sa.select(Criterion.id, Criterion.criteria_set_id).where(Criterion.id.in_(ids))
    ).all())


def changes_since(release: Snapshot, current: sa.Table | Snapshot, codes: dict[int, str]) -> list[BuyerChange]:
    """Per buyer and base cell, how its submitted pledges changed since the release (in SQL; only the
    rows that changed come back): up to now (`current` is the compile's per-buyer rows, see
    aggregation.per_buyer_rows), or up to a later release (`current` is that snapshot)."""
    if isinstance(current, Snapshot):
        current = _stored(current, sign=1).subquery("current")
    stored = _stored(release, sign=-1)
    both = sa.union_all(sa.select(*(current.c[c] for c in _BASE), current.c.quantity, current.c.value_minor),
                        stored).subquery("both")
    quantity, value = sa.func.sum(both.c.quantity), sa.func.sum(both.c.value_minor)
    rows = db.session.execute(
        sa.select(*(both.c[c] for c in _BASE), quantity.label("quantity"), value.label("value_minor"))
        .group_by(*(both.c[c] for c in _BASE))
        .having(sa.or_(quantity != 0, value != 0))
    ).all()
    return [BuyerChange((codes.get(r.category_id, str(r.category_id)), r.quarter, r.country, r.level,
                         r.criteria_set_id), r.organisation_id, int(r.quantity), int(r.value_minor)) for r in rows]


def _stored(release: Snapshot, sign: int) -> sa.Select:
    return (
        sa.select(*(getattr(ReleaseContribution, c) for c in _BASE),
                  (sign * ReleaseContribution.quantity).label("quantity"),
                  (sign * ReleaseContribution.value_minor).label("value_minor"))
        .where(ReleaseContribution.snapshot_id == release.id)
    )


def check_against_releases(per_buyer: sa.Table, public_view: View, codes: dict[int, str], k: int, p: int,
                           percent: int, earlier: list[Snapshot]) -> ReleaseDecision:
    """May this public view, compiled from these per-buyer rows, follow every earlier release of the round?"""
    earlier_views = {release.id: from_json(release.public_data) for release in earlier}
    sets = criterion_sets([public_view, *earlier_views.values()])
    now = public_figures(public_view, sets)
    checks = {}
    for release in earlier:
        changes = changes_since(release, per_buyer, codes)
        before = public_figures(earlier_views[release.id], sets)
        checks[release.release_number] = check_release(changes, before, now, k, p, percent)
    return decide(checks)


def released_snapshots(round_id: int) -> list[Snapshot]:
    return list(db.session.scalars(
        sa.select(Snapshot).where(Snapshot.round_id == round_id, Snapshot.release_number.is_not(None))
        .order_by(Snapshot.release_number)
    ))


def next_release_number(round_id: int) -> int:
    latest = db.session.scalar(sa.select(sa.func.max(Snapshot.release_number)).where(Snapshot.round_id == round_id))
    return (latest or 0) + 1


def store_contributions(snapshot: Snapshot, per_buyer: sa.Table) -> None:
    """Keep the per-buyer rows the released snapshot was computed from (private; see the module doc)."""
    db.session.execute(sa.insert(ReleaseContribution).from_select(
        ["snapshot_id", *_BASE, "quantity", "value_minor"],
        sa.select(sa.literal(snapshot.id, sa.Integer), *(per_buyer.c[c] for c in _BASE),
                  per_buyer.c.quantity, per_buyer.c.value_minor),
    ))


def release_audit(round_id: int) -> list[tuple[str, bool]]:
    """(printable line, is_breach) for the audit command: every public release of the round re-checked
    against each earlier one from the stored contributions, then the state of the latest snapshot."""
    codes = dict(db.session.execute(sa.select(Category.id, Category.cpv_code)).all())
    released = released_snapshots(round_id)
    views = {r.id: from_json(r.public_data) for r in released}
    sets = criterion_sets(list(views.values()))
    # A release states the protection interval it was compiled with; one from before it did is held to today's.
    percent = db.session.get(DemandRound, round_id).alliance.protection_percent
    lines: list[tuple[str, bool]] = []
    for index, later in enumerate(released):
        for earlier in released[:index]:
            changes = changes_since(earlier, later, codes)
            breaches = check_release(changes, public_figures(views[earlier.id], sets),
                                     public_figures(views[later.id], sets), later.k, later.p,
                                     views[later.id].get("protection_percent") or percent)
            if breaches:
                lines += [(f"release {later.release_number} vs {earlier.release_number}: BREACH {b.reason} "
                           f"in {describe(b.key)}", True) for b in breaches]
            else:
                lines.append((f"release {later.release_number} vs {earlier.release_number}: ok "
                              f"({len(changes)} changed buyer cells)", False))
    latest = db.session.scalar(sa.select(Snapshot).where(Snapshot.round_id == round_id)
                               .order_by(Snapshot.compiled_at.desc(), Snapshot.id.desc()).limit(1))
    if latest is not None and latest.release_number is None:
        lines.append((f"latest snapshot {latest.id}: not released ({latest.held_reason})", False))
    elif latest is not None:
        lines.append((f"latest snapshot {latest.id} is public release {latest.release_number}", False))
    return lines

