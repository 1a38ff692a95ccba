"""Drafting, publishing, withdrawing and superseding demand summaries, and finding the published ones.

Life of a summary (alliance.editions): draft (editable by the alliance's leads, optimistic `version`) →
published (never changes again) → withdrawn, or superseded when the next edition of its series (same
series_id, edition + 1) is published. Functions take ids, check the caller, flush and never commit.
"""

import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from alliance import editions as edition_life
from alliance.alliances.access import is_lead
from alliance.disclosure.wording import held_reason_text
from alliance.errors import ConflictError, InvalidError, NotFoundError, StaleEditError
from alliance.extensions import db
from alliance.markdown import sanitise_markdown
from alliance.models import SECTORS, Alliance, CriteriaSet, DemandRound, DemandSummary, Snapshot, User
from alliance.notifications.events import summary_published
from alliance.signals.contract import from_json
from alliance.signals.releases import latest_release

VIEWS = {  # the optional tables of a summary, as the lead's form offers them
    "quarter": _l("Per delivery quarter"),
    "country": _l("Per country"),
    "level": _l("Per ambition level"),
    "readiness": _l("Supplier readiness"),
    "impact": _l("Estimated impact"),
}
# Why an edition that is no longer a draft refuses a change: one whole sentence per state.
FIXED_EDITION = {
    "published": _l("This edition is published and never changes. Draft a new edition instead."),
    "withdrawn": _l("This edition is withdrawn and never changes."),
    "superseded": _l("This edition is superseded by a newer one and never changes."),
}
TITLE_MAX = 200
NARRATIVE_MAX = 20_000


class SummaryError(InvalidError):
    """A refused change; `field` names the form field to correct."""


class SummaryNotFoundError(NotFoundError):
    """No such summary or snapshot among the user's alliances' (a draft's existence is confidential)."""


class SummaryConflictError(ConflictError):
    """The edition's status does not allow this change."""


class SummaryStaleError(StaleEditError):
    """Someone changed the summary since the user read `expected`."""

    def __init__(self, summary_id: int, expected: int | None = None, current_version: int | None = None):
        super().__init__(_("Someone changed this draft meanwhile; reload it, then make your change again."),
                         expected=expected, current_version=current_version, model=DemandSummary, row_id=summary_id)


SERIES = edition_life.Series(
    model=DemandSummary, key="series_id", event="summary", object_type="demand_summary",
    conflict=SummaryConflictError, stale=SummaryStaleError,
    fixed_edition=FIXED_EDITION,
    draft_open=_l("Edition %(edition)s is already being drafted."),
)


@dataclass
class SummaryFields:
    """What a lead writes in a draft."""

    title: str
    narrative: str = ""
    views: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)  # CPV codes; empty = every category of the snapshot
    criteria_set_ids: list[int] = field(default_factory=list)


def snapshot_categories(snapshot: Snapshot) -> list[dict]:
    """The categories the snapshot's public data covers (CPV code, name, unit)."""
    return list(from_json(snapshot.public_data).get("categories") or [])


def _lead_summary(user: User, summary_id: int) -> DemandSummary:
    """The summary, when the user's organisation leads its alliance. Other alliances' summaries are 404:
    a draft's existence is confidential."""
    summary = db.session.get(DemandSummary, summary_id)
    if summary is None or not is_lead(user, summary.alliance_id):
        raise SummaryNotFoundError(_("No such summary among your alliances' summaries."))
    return summary


def _apply(summary: DemandSummary, snapshot: Snapshot, fields: SummaryFields) -> None:
    title = _checked_title(fields.title)
    narrative = sanitise_markdown(fields.narrative or "")
    if len(narrative) > NARRATIVE_MAX:
        raise SummaryError(_("The narrative is limited to %(max)d characters.", max=NARRATIVE_MAX), "narrative")
    _check_views(fields.views)
    chosen = _chosen_categories(snapshot, fields.categories)
    criteria_sets = _criteria_sets(summary.alliance_id, fields.criteria_set_ids, chosen)
    summary.title = title
    summary.narrative = narrative
    summary.views = {
        "show": [view for view in VIEWS if view in fields.views],
        "categories": chosen,
        "countries": _public_countries(snapshot, chosen),
    }
    summary.criteria_sets = criteria_sets


def _checked_title(text: str | None) -> str:
    title = (text or "").strip()
    if not title:
        raise SummaryError(_("Give the summary a title."), "title")
    if len(title) > TITLE_MAX:
        raise SummaryError(_("The title is limited to %(max)d characters.", max=TITLE_MAX), "title")
    return title


def _check_views(views: list[str]) -> None:
    unknown = [view for view in views if view not in VIEWS]
    if unknown:
        raise SummaryError(_("Unknown view(s): %(unknown)s. Choose from %(views)s.", unknown=", ".join(unknown)[:200],
                             views=", ".join(VIEWS)), "views")


def _chosen_categories(snapshot: Snapshot, wanted: list[str]) -> list[str]:
    """The CPV codes the summary shows, in the snapshot's order: those wanted, or all when none is named."""
    available = [category["cpv_code"] for category in snapshot_categories(snapshot)]
    chosen = [code for code in available if code in wanted] if wanted else available
    stray = sorted(set(wanted) - set(available))
    if stray:
        raise SummaryError(_("The snapshot has no figures for %(codes)s.", codes=", ".join(stray)[:200]), "categories")
    if not chosen:
        raise SummaryError(_("The snapshot has no categories to show; compile signals first."), "categories")
    return chosen


def _public_countries(snapshot: Snapshot, chosen: list[str]) -> list[str]:
    """Countries with a public row (even a suppressed one) in the snapshot: the public list filters on them."""
    return sorted({row["country"] for row in from_json(snapshot.public_data).get("by_country") or []
                   if row.get("category") in chosen and row.get("country")})


def _criteria_sets(alliance_id: int, ids: list[int], cpv_codes: list[str]) -> list[CriteriaSet]:
    if not ids:
        return []
    rows = db.session.scalars(sa.select(CriteriaSet).where(CriteriaSet.id.in_(set(ids)))).all()
    found = {row.id: row for row in rows}
    for criteria_set_id in ids:
        row = found.get(criteria_set_id)
        if row is None or row.alliance_id != alliance_id:
            raise SummaryError(_("Criteria set %(id)s is not one of this alliance's.", id=criteria_set_id), "criteria_sets")
        if row.status != "published":
            raise SummaryError(_("'%(title)s' (version %(version)s) is not published.", title=row.title, version=row.version),
                               "criteria_sets")
        if row.category.cpv_code not in cpv_codes:
            raise SummaryError(_("'%(title)s' is for a category the summary does not show.", title=row.title),
                               "criteria_sets")
    return [found[i] for i in dict.fromkeys(ids)]


def _check_released(snapshot: Snapshot) -> None:
    """A summary is public, so it shows only a snapshot released to the public (release control)."""
    if snapshot.release_number is None:
        raise SummaryError(_("This snapshot is not released to the public: %(reason)s Choose a released one.",
                             reason=held_reason_text(snapshot)), "snapshot_id")


def create_draft(user: User, snapshot_id: int, fields: SummaryFields) -> DemandSummary:
    """A lead drafts edition 1 of a new summary series from a released snapshot of one of its alliance's rounds."""
    snapshot = db.session.get(Snapshot, snapshot_id)
    if snapshot is None or not is_lead(user, snapshot.demand_round.alliance_id):
        raise SummaryNotFoundError(_("No such snapshot among your alliances' rounds."))
    _check_released(snapshot)
    demand_round = snapshot.demand_round
    summary = DemandSummary(
        series_id=str(uuid.uuid4()), edition=1, alliance_id=demand_round.alliance_id, round_id=demand_round.id,
        snapshot_id=snapshot.id, created_by_id=user.id, status="draft", title="",
    )
    _apply(summary, snapshot, fields)
    db.session.add(summary)
    db.session.flush()
    SERIES.record(user, "drafted", summary)
    return summary


def update_draft(user: User, summary_id: int, expected_version: int, fields: SummaryFields,
                 snapshot_id: int | None = None) -> DemandSummary:
    """Edit a draft. `expected_version` is the version the editor started from; another edit since → conflict."""
    summary = _lead_summary(user, summary_id)
    edition_life.check_draft(SERIES, summary, expected_version)
    snapshot = summary.snapshot
    if snapshot_id is not None and snapshot_id != summary.snapshot_id:
        snapshot = db.session.get(Snapshot, snapshot_id)
        if snapshot is None or snapshot.round_id != summary.round_id:
            raise SummaryError(_("Choose a snapshot of the summary's round."), "snapshot_id")
        _check_released(snapshot)
        summary.snapshot = snapshot
    _apply(summary, snapshot, fields)
    edition_life.flush_versioned(SERIES, summary)
    return summary


def publish(user: User, summary_id: int, expected_version: int) -> DemandSummary:
    """Publish a draft. From now on it never changes; the series' previous published edition is superseded.

    Records an audit event and tells subscribed suppliers (alliance.notifications).
    """
    summary = _lead_summary(user, summary_id)
    edition_life.check_draft(SERIES, summary, expected_version)
    _check_released(summary.snapshot)
    edition_life.publish(SERIES, user, summary)
    summary_published(summary.id)
    return summary


def withdraw(user: User, summary_id: int, expected_version: int | None = None) -> DemandSummary:
    """Take a published summary off the public lists; its address says it was withdrawn. Without
    `expected_version`, whatever version it has now."""
    summary = _lead_summary(user, summary_id)
    edition_life.withdraw(SERIES, user, summary, summary.version if expected_version is None else expected_version)
    return summary


def new_edition(user: User, summary_id: int) -> DemandSummary:
    """Draft the next edition of a published summary, from the round's latest snapshot. One draft per series."""
    current = _lead_summary(user, summary_id)
    if current.status != "published":
        raise SummaryConflictError(_("A new edition starts from the current published edition."))
    number = edition_life.next_edition_number(SERIES, current.series_id)
    snapshot = latest_release(current.round_id) or current.snapshot
    draft = DemandSummary(
        series_id=current.series_id, edition=number, alliance_id=current.alliance_id,
        round_id=current.round_id, snapshot_id=snapshot.id, created_by_id=user.id, status="draft", title="",
    )
    fields = SummaryFields(
        title=current.title, narrative=current.narrative, views=list(current.views.get("show", [])),
        categories=[code for code in current.views.get("categories", [])
                    if code in {c["cpv_code"] for c in snapshot_categories(snapshot)}],
        criteria_set_ids=[criteria_set.id for criteria_set in current.criteria_sets],
    )
    _apply(draft, snapshot, fields)
    db.session.add(draft)
    db.session.flush()
    SERIES.record(user, "drafted", draft)
    return draft


def discard_draft(user: User, summary_id: int, expected_version: int) -> None:
    """Delete a draft that was never published."""
    edition_life.discard(SERIES, user, _lead_summary(user, summary_id), expected_version)


def lead_snapshots(user: User) -> list[Snapshot]:
    """The latest released snapshot of each round of the alliances the user's organisation leads."""
    from alliance.alliances.access import led_alliance_ids

    alliance_ids = led_alliance_ids(user)
    if not alliance_ids:
        return []
    newest = (
        sa.select(Snapshot.round_id, sa.func.max(Snapshot.id).label("id"))
        .join(DemandRound, DemandRound.id == Snapshot.round_id)
        .where(DemandRound.alliance_id.in_(alliance_ids), Snapshot.release_number.is_not(None))
        .group_by(Snapshot.round_id).subquery()
    )
    return list(db.session.scalars(sa.select(Snapshot).join(newest, newest.c.id == Snapshot.id)
                                   .order_by(Snapshot.id.desc())))


@dataclass
class ListFilters:
    """Filters of the public list. Validated by the form/schema before they get here."""

    sector: str = ""
    cpv: str = ""  # a CPV code or a prefix of one, digits only ("302", "30213100")
    country: str = ""  # ISO 3166 alpha-2
    quarter_from: str = ""  # "2027-Q1"
    quarter_to: str = ""


def sectors_with_alliances() -> list[str]:
    """The codes of the sectors some alliance works in (in SECTORS' order): the only ones worth filtering by."""
    used = set(db.session.scalars(sa.select(Alliance.sector).distinct()))
    return [code for code in SECTORS if code in used]


def published_query(filters: ListFilters | None = None) -> sa.Select:
    """Published summaries (the current edition of each series), newest first, filtered."""
    filters = filters or ListFilters()
    query = (
        sa.select(DemandSummary)
        .join(Alliance, Alliance.id == DemandSummary.alliance_id)
        .join(DemandRound, DemandRound.id == DemandSummary.round_id)
        .where(DemandSummary.status == "published")
    )
    if filters.sector:
        query = query.where(Alliance.sector == filters.sector)
    # views["categories"] / views["countries"] are JSON arrays of codes we wrote ourselves; their text form
    # is ["30213100-6", ...] on every backend, so a quoted-prefix LIKE matches one element.
    if filters.cpv:
        query = query.where(DemandSummary.views["categories"].as_string().like(f'%"{filters.cpv}%'))
    if filters.country:
        query = query.where(DemandSummary.views["countries"].as_string().like(f'%"{filters.country}"%'))
    # Quarter strings sort in time order; a round matches when its delivery period overlaps the range.
    if filters.quarter_from:
        query = query.where(DemandRound.delivery_to >= filters.quarter_from)
    if filters.quarter_to:
        query = query.where(DemandRound.delivery_from <= filters.quarter_to)
    return query.order_by(DemandSummary.published_at.desc(), DemandSummary.id.desc())


def series_editions(series_id: str) -> list[DemandSummary]:
    """Every non-draft edition of a series, newest first."""
    return list(db.session.scalars(
        sa.select(DemandSummary).where(DemandSummary.series_id == series_id, DemandSummary.status != "draft")
        .order_by(DemandSummary.edition.desc())
    ))


def alliance_drafts_and_editions(alliance_ids: set[int]) -> list[DemandSummary]:
    """Every summary of the given alliances (leads' overview), newest first."""
    if not alliance_ids:
        return []
    return list(db.session.scalars(
        sa.select(DemandSummary).where(DemandSummary.alliance_id.in_(alliance_ids))
        .order_by(DemandSummary.created_at.desc(), DemandSummary.id.desc())
    ))
