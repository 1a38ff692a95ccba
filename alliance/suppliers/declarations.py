"""Readiness declarations of a supplier organisation: per criterion of a published criteria set, meets
now / can meet by a date / cannot, with evidence. Versioned like pledges; every change is a revision.

Individual declarations belong to their supplier organisation alone: other suppliers, buyers and leads
never read them; leads and the public see the counts in the round's snapshot (suppliers.readiness).
"""

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from alliance.errors import InvalidError, StaleEditError
from alliance.extensions import db
from alliance.models import READINESS, Category, CriteriaSet, Criterion, DeclarationRevision, ReadinessDeclaration, User

LABEL_MAX, REFERENCE_MAX, NOTE_MAX = 120, 500, 2000
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:(?!\d)")
FIELDS = ("status", "ready_by", "evidence_label", "evidence_reference", "note")


class DeclarationError(InvalidError):
    """Invalid input; `fields` maps an item's position to its field messages. Nothing was written."""

    def __init__(self, fields: dict[int, dict[str, list[str]]]):
        super().__init__(_("Some declarations are invalid; nothing was saved."), fields=fields)


class StaleDeclarationError(StaleEditError):
    """Someone changed (or created) a declaration since the caller read it. Nothing was written."""

    code = "stale_version"

    def __init__(self, criterion_ids: list[int]):
        super().__init__(_("Someone in your organisation changed these declarations meanwhile: reload to see "
                           "the current ones, then make your change again."), fields={"criterion_ids": criterion_ids})
        self.criterion_ids = criterion_ids


def published_sets() -> list[CriteriaSet]:
    """The criteria sets a supplier can declare against: every published version, by category."""
    return db.session.scalars(
        sa.select(CriteriaSet).join(Category).where(CriteriaSet.status == "published")
        .order_by(Category.cpv_code, CriteriaSet.alliance_id, CriteriaSet.version)
    ).all()


def declared_counts(organisation_id: int) -> dict[int, int]:
    """criteria_set_id → how many of its criteria the organisation declared."""
    rows = db.session.execute(
        sa.select(Criterion.criteria_set_id, sa.func.count())
        .join(ReadinessDeclaration, ReadinessDeclaration.criterion_id == Criterion.id)
        .where(ReadinessDeclaration.organisation_id == organisation_id)
        .group_by(Criterion.criteria_set_id)
    ).all()
    return dict(rows)


def own_declarations(organisation_id: int, criteria_set_id: int | None = None) -> list[ReadinessDeclaration]:
    """The organisation's declarations (only ever its own), optionally of one criteria set."""
    query = (
        sa.select(ReadinessDeclaration).join(Criterion)
        .where(ReadinessDeclaration.organisation_id == organisation_id)
        .order_by(Criterion.criteria_set_id, Criterion.position, Criterion.id)
    )
    if criteria_set_id is not None:
        query = query.where(Criterion.criteria_set_id == criteria_set_id)
    return db.session.scalars(query).all()


def published_set(set_id: int) -> CriteriaSet | None:
    """A published criteria set by id (suppliers declare only against published versions)."""
    return db.session.scalar(sa.select(CriteriaSet).where(CriteriaSet.id == set_id, CriteriaSet.status == "published"))


def declaration_items(organisation_id: int, criteria_set: CriteriaSet) -> list[dict]:
    """One item per criterion of the set, in its order, as save_declarations() takes it: the organisation's
    declaration with the version read, or an empty one."""
    own = {row.criterion_id: row for row in own_declarations(organisation_id, criteria_set.id)}
    items = []
    for criterion in criteria_set.criteria:
        row = own.get(criterion.id)
        values = ({name: getattr(row, name) for name in FIELDS} if row is not None else
                  {"status": "", "ready_by": None, "evidence_label": "", "evidence_reference": "", "note": ""})
        items.append({"criterion_id": criterion.id, "version": row.version if row is not None else None, **values})
    return items


def save_declarations(user: User, items: list[dict], today: date | None = None) -> list[ReadinessDeclaration]:
    """Create or update the user's organisation's declarations for the listed criteria, as a whole.

    Each item: criterion_id, status, ready_by, evidence_label, evidence_reference, note, and version (the
    version read, required to change an existing declaration). Raises DeclarationError or
    StaleDeclarationError before writing anything; unchanged items write nothing. Flushes, never commits.
    """
    clean = _validated(items, today or date.today())
    existing = {
        row.criterion_id: row for row in db.session.scalars(
            sa.select(ReadinessDeclaration).where(
                ReadinessDeclaration.organisation_id == user.organisation_id,
                ReadinessDeclaration.criterion_id.in_([item["criterion_id"] for item in clean]),
            )
        )
    }
    stale = [item["criterion_id"] for item in clean if _is_stale(existing.get(item["criterion_id"]), item["version"])]
    if stale:
        raise StaleDeclarationError(stale)
    changed = [row for item in clean if (row := _written(user, existing.get(item["criterion_id"]), item)) is not None]
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError):  # another member changed or created one of them since the read above
        raise StaleDeclarationError([row.criterion_id for row in changed]) from None
    for row in changed:
        db.session.add(DeclarationRevision(declaration_id=row.id, version=row.version, changed_by_id=user.id,
                                           data=revision_data(row)))
    db.session.flush()
    return changed


def _validated(items: list[dict], today: date) -> list[dict]:
    """The items cleaned; DeclarationError with every problem of every item when any has one."""
    clean, errors = [], {}
    for position, item in enumerate(items):
        cleaned, item_errors = _clean(item, today)
        clean.append(cleaned)
        if item_errors:
            errors[position] = item_errors
    for position, message in _criterion_problems(clean):
        errors.setdefault(position, {})["criterion_id"] = [message]
    if errors:
        raise DeclarationError(errors)
    return clean


def _criterion_problems(clean: list[dict]):
    """(position, message) of each item whose criterion is not in a published set, or listed before."""
    ids = [item["criterion_id"] for item in clean if item.get("criterion_id")]
    published = set(db.session.scalars(
        sa.select(Criterion.id).join(CriteriaSet).where(Criterion.id.in_(ids), CriteriaSet.status == "published")
    ))
    seen = set()
    for position, item in enumerate(clean):
        criterion_id = item.get("criterion_id")
        if criterion_id and criterion_id not in published:
            yield position, _("No criterion of a published criteria set has this id.")
        elif criterion_id in seen:
            yield position, _("This criterion is listed twice.")
        seen.add(criterion_id)


def _written(user: User, row: ReadinessDeclaration | None, item: dict) -> ReadinessDeclaration | None:
    """The declaration with the item's values, added or changed; None when nothing changes."""
    values = {name: item[name] for name in FIELDS}
    if row is not None and all(getattr(row, name) == value for name, value in values.items()):
        return None
    if row is None:
        row = ReadinessDeclaration(organisation_id=user.organisation_id, criterion_id=item["criterion_id"])
        db.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_by_id = user.id
    return row


def revision_data(row: ReadinessDeclaration) -> dict:
    data = {name: getattr(row, name) for name in FIELDS}
    data["ready_by"] = row.ready_by.isoformat() if row.ready_by else None
    data["criterion_id"] = row.criterion_id
    return data


def _is_stale(row: ReadinessDeclaration | None, version: int | None) -> bool:
    if row is None:
        return version not in (None, 0)
    return version != row.version


def _clean(item: dict, today: date) -> tuple[dict, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    clean = {
        "criterion_id": item.get("criterion_id"),
        "status": item.get("status") or "",
        "ready_by": item.get("ready_by"),
        "evidence_label": (item.get("evidence_label") or "").strip(),
        "evidence_reference": (item.get("evidence_reference") or "").strip(),
        "note": (item.get("note") or "").strip(),
        "version": item.get("version"),
    }
    if not isinstance(clean["criterion_id"], int) or clean["criterion_id"] <= 0:
        errors["criterion_id"] = [_("Give the criterion's id.")]
    if clean["status"] not in READINESS:
        errors["status"] = [_("Choose meets now, can meet by a date, or cannot meet.")]
    if clean["status"] == "by_date":
        if clean["ready_by"] is None:
            errors["ready_by"] = [_("Give the date by which you can meet the criterion.")]
        elif clean["ready_by"] <= today:
            errors["ready_by"] = [_("The date must be in the future.")]
        elif clean["ready_by"] > today + timedelta(days=365 * 20):
            errors["ready_by"] = [_("Give a date within the next 20 years.")]
    else:
        clean["ready_by"] = None  # a date only means something for "can meet by a date"
    for name, limit in (("evidence_label", LABEL_MAX), ("evidence_reference", REFERENCE_MAX), ("note", NOTE_MAX)):
        if len(clean[name]) > limit:
            errors[name] = [_("Use at most %(max)d characters.", max=limit)]
    reference = clean["evidence_reference"]
    if reference and _looks_like_link(reference) and not is_evidence_link(reference):
        errors["evidence_reference"] = [_("A link must be a full https:// address, e.g. https://example.org/certificate.")]
    if any(ord(char) < 32 for char in clean["evidence_label"] + reference):
        errors.setdefault("evidence_reference", []).append(_("Remove line breaks and control characters."))
    return clean, errors


def _looks_like_link(text: str) -> bool:
    """A scheme ("javascript:x", "ftp://"), "//host" or "www.": a link, not a certificate number like "TCO:123"."""
    return bool(_SCHEME.match(text)) or text.lower().startswith(("www.", "//"))


def is_evidence_link(text: str) -> bool:
    """True for an absolute https URL with a host (a certificate link), nothing else: evidence is read by
    buyers' procurement officers, so it is never an unencrypted or script link."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname) and " " not in text
