"""The life of an edition, shared by a round's joint statement and a demand summary.

An edition belongs to a series (the editions of one round's statement; of one summary's series_id): draft
(editable by the alliance's leads, optimistic `version`) → published (never changes again) → withdrawn, or
superseded when the series' next edition is published. Each kind says in a `Series` which column holds its
series, how it is named in the audit log and how it words its refusals; the functions here check, change
and flush, never commit. The caller has loaded the edition and checked that the user leads its alliance.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from alliance.audit import record_event
from alliance.errors import ConflictError, StaleEditError
from alliance.extensions import db
from alliance.models import User
from alliance.models.base import utcnow


@dataclass(frozen=True)
class Series:
    """What differs between the kinds of editions. Messages may be lazy (translated when raised)."""

    model: type  # a model with alliance.models.edition.EditionColumns
    key: str  # the column the editions of one series share, e.g. "round_id"
    event: str  # audit action prefix: "summary" records "summary.published"
    object_type: str  # audit object type, e.g. "demand_summary"
    conflict: type[ConflictError]  # the kind's error for a change its status refuses (409)
    stale: type[StaleEditError]  # the kind's error for a change made from an older version: (id, expected, current)
    fixed_edition: dict  # status -> the refusal of a change to an edition that is no draft (a whole sentence)
    draft_open: str  # a second draft of the series; may name the %(edition)s being drafted

    def record(self, user: User, action: str, edition, **details) -> None:
        """Write the audit event of an edition's change, naming its series and edition number."""
        record_event(user, f"{self.event}.{action}", self.object_type, edition.id,
                     **{self.key: getattr(edition, self.key)}, edition=edition.edition, **details)


def next_edition_number(series: Series, series_value) -> int:
    """The number the series' next edition takes (1 for a new series). Refused (conflict) while one of its
    editions is being drafted: one draft per series at a time."""
    model, key = series.model, getattr(series.model, series.key)
    draft = db.session.scalar(sa.select(model).where(key == series_value, model.status == "draft"))
    if draft is not None:
        raise series.conflict(str(series.draft_open) % {"edition": draft.edition})
    return (db.session.scalar(sa.select(sa.func.max(model.edition)).where(key == series_value)) or 0) + 1


def check_draft(series: Series, edition, expected_version: int | None) -> None:
    """Refuse (conflict) unless the edition is a draft still at the version the editor started from."""
    if edition.status != "draft":
        raise series.conflict(str(series.fixed_edition[edition.status]))
    if expected_version != edition.version:
        raise series.stale(edition.id, expected_version, edition.version)


def flush_versioned(series: Series, edition) -> None:
    """Flush; a concurrent save that moved the version on first is a stale edit, not an overwrite."""
    edition_id, version = edition.id, edition.version
    try:
        db.session.flush()
    except StaleDataError:
        raise series.stale(edition_id, version) from None


def publish(series: Series, user: User, edition) -> None:
    """Publish a draft the caller has checked: from now on it never changes. The series' published edition
    is superseded (it stays readable)."""
    model = series.model
    previous = db.session.scalars(
        sa.select(model).where(getattr(model, series.key) == getattr(edition, series.key),
                               model.status == "published", model.id != edition.id)
        .order_by(model.edition.desc())
    ).all()
    for older in previous:
        older.status = "superseded"
    edition.status = "published"
    edition.published_at = utcnow()
    flush_versioned(series, edition)
    series.record(user, "published", edition, superseded=[older.id for older in previous])


def withdraw(series: Series, user: User, edition, expected_version: int | None) -> None:
    """Withdraw the published edition: it stays readable, marked withdrawn."""
    if edition.status != "published":
        raise series.conflict(_("Only the current published edition can be withdrawn."))
    if expected_version != edition.version:
        raise series.stale(edition.id, expected_version, edition.version)
    edition.status = "withdrawn"
    edition.withdrawn_at = utcnow()
    flush_versioned(series, edition)
    series.record(user, "withdrawn", edition)


def discard(series: Series, user: User, edition, expected_version: int | None) -> None:
    """Delete a draft that was never published."""
    check_draft(series, edition, expected_version)
    series.record(user, "discarded", edition)
    db.session.delete(edition)
    db.session.flush()
