"""Criteria sets of an alliance: drafting, editing, publishing and retiring versions.

A published or retired version never changes: pledges point to the exact version they committed to. Every
change to a set is a conditional UPDATE or a write after locking the set's row, so a lead who publishes
while another edits cannot slip an edit into a published version.
Functions flush, never commit.
"""

import hashlib
import re

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import orm

from alliance.alliances.access import is_lead
from alliance.audit import record_event
from alliance.criteria.categories import category_by_id, set_unit, unit_for
from alliance.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from alliance.extensions import db
from alliance.models import Alliance, Category, CriteriaSet, Criterion, User
from alliance.models.base import utcnow
from alliance.reference.criterion_rules import clean_criterion, criterion_problems
from alliance.reference.loader import reference_library

TITLE_MAX = 200
NOTES_MAX = 5_000


class CriteriaError(InvalidError):
    """A user-facing reason a change was refused: `field` or `fields` name what to correct."""


class CriteriaForbiddenError(ForbiddenError):
    """Only the alliance's leads change its criteria sets."""


class CriteriaLockedError(ConflictError):
    """The set is published or retired (or changed meanwhile): it cannot be edited."""


def _require_lead(actor: User, alliance_id: int) -> None:
    if not is_lead(actor, alliance_id):
        raise CriteriaForbiddenError(_("Only a lead of this alliance may change its criteria sets."))


def _with_criteria():
    return orm.selectinload(CriteriaSet.criteria), orm.joinedload(CriteriaSet.category)


def published_sets(alliance_id: int) -> list[CriteriaSet]:
    """The alliance's published versions with their criteria, by category then version."""
    return list(db.session.scalars(
        sa.select(CriteriaSet).join(CriteriaSet.category)
        .where(CriteriaSet.alliance_id == alliance_id, CriteriaSet.status == "published")
        .order_by(Category.cpv_code, CriteriaSet.version).options(*_with_criteria())
    ))


def all_sets(alliance_id: int) -> list[CriteriaSet]:
    """Every version (drafts and retired ones too), for the alliance's leads."""
    return list(db.session.scalars(
        sa.select(CriteriaSet).join(CriteriaSet.category).where(CriteriaSet.alliance_id == alliance_id)
        .order_by(Category.cpv_code, CriteriaSet.version.desc()).options(orm.joinedload(CriteriaSet.category))
    ))


def get_set(alliance_id: int, set_id: int) -> CriteriaSet | None:
    """A set of this alliance by id; None for another alliance's set (no access by guessing ids)."""
    return db.session.scalar(
        sa.select(CriteriaSet).where(CriteriaSet.id == set_id, CriteriaSet.alliance_id == alliance_id)
        .options(*_with_criteria())
    )


def _lock_set(criteria_set: CriteriaSet) -> CriteriaSet:
    """Re-read the set's row under a lock and refuse unless it is still a draft."""
    status = db.session.scalar(
        sa.select(CriteriaSet.status).where(CriteriaSet.id == criteria_set.id).with_for_update()
    )
    if status != "draft":
        db.session.refresh(criteria_set)
        raise CriteriaLockedError(locked_reason(criteria_set.version, status))
    return criteria_set


def locked_reason(version: int, status: str) -> str:
    """Why a version that is no longer a draft refuses a change: a whole sentence for each state."""
    if status == "retired":
        return _("Version %(version)s of this criteria set is retired: a published or retired version never "
                 "changes. Draft a new version to change it.", version=version)
    return _("Version %(version)s of this criteria set is published: a published or retired version never "
             "changes. Draft a new version to change it.", version=version)


def create_draft(actor: User, alliance: Alliance, category_id: int, title: str = "",
                 reference_keys: list[str] | tuple[str, ...] = (), from_previous: bool = False,
                 unit: str | None = None) -> CriteriaSet:
    """Start a new draft version for a category: empty, copied from reference libraries, or from the last version.

    The version number is the last one of the category + 1; only one draft per category at a time.
    `unit` is the Rec. 20 code the alliance counts the category in (default: what it chose before, else
    the category's suggestion).
    """
    _require_lead(actor, alliance.id)
    category = category_by_id(category_id)
    if category is None:
        raise CriteriaError(_("Choose a category from the list."), "category_id")
    title = (title or "").strip()
    if len(title) > TITLE_MAX:
        raise CriteriaError(_("The title is limited to %(max)d characters.", max=TITLE_MAX), "title")
    previous = _latest_version_without_draft(alliance, category)
    try:
        set_unit(alliance.id, category, unit or unit_for(alliance.id, category))
    except ValueError as error:
        raise CriteriaError(str(error), "unit") from None
    copied = _copied_from_previous(category, previous) if from_previous else []
    library = reference_library()
    copied += _copied_from_references(category, library, reference_keys, taken={c["code"] for c in copied})
    if not title:
        title = previous.title if from_previous else _new_title(category, library, reference_keys)
    draft = CriteriaSet(
        alliance_id=alliance.id, category_id=category.id, version=(previous.version + 1) if previous else 1,
        title=title, notes=previous.notes if from_previous else "", status="draft",
        based_on_id=previous.id if from_previous else None,
        criteria=[Criterion(position=i, **fields) for i, fields in enumerate(copied)],
    )
    db.session.add(draft)
    db.session.flush()
    record_event(actor, "criteria_set.drafted", "criteria_set", draft.id, version=draft.version,
                 category=category.cpv_code, references=list(reference_keys), based_on=draft.based_on_id)
    return draft


def draft_start(start: str | None) -> tuple[list[str], bool]:
    """Where a new draft starts: (reference library keys, copy of the last version?) for "empty",
    "previous" or "ref:<library key>" (an empty choice is "empty")."""
    start = start or "empty"
    if start.startswith("ref:"):
        return [start.removeprefix("ref:")], False
    if start not in ("empty", "previous"):
        raise CriteriaError(_("Choose where the set starts from."), "start")
    return [], start == "previous"


def _latest_version_without_draft(alliance: Alliance, category: Category) -> CriteriaSet | None:
    """The category's newest version, under the alliance's row lock; refused while a draft is open (one
    draft per category at a time)."""
    db.session.scalar(sa.select(Alliance.id).where(Alliance.id == alliance.id).with_for_update())
    versions = db.session.scalars(
        sa.select(CriteriaSet).where(CriteriaSet.alliance_id == alliance.id, CriteriaSet.category_id == category.id)
        .order_by(CriteriaSet.version.desc())
    ).all()
    draft = next((v for v in versions if v.status == "draft"), None)
    if draft is not None:
        raise CriteriaError(_("Version %(version)s for %(category)s is still a draft: edit or publish it.",
                              version=draft.version, category=category.name), "category_id")
    return versions[0] if versions else None


def _copied_from_previous(category: Category, previous: CriteriaSet | None) -> list[dict]:
    if previous is None:
        raise CriteriaError(_("There is no earlier version for %(category)s to start from.", category=category.name),
                            "from_previous")
    return [_criterion_fields(c) for c in previous.criteria]


def _copied_from_references(category: Category, library: dict, reference_keys, taken: set[str]) -> list[dict]:
    """The criteria of each chosen reference library for the category, skipping codes already taken."""
    copied: list[dict] = []
    for key in reference_keys:
        reference = library.get(key)
        if reference is None or not reference.criteria_for(category.cpv_code):
            raise CriteriaError(_("That reference library has no criteria for this category."), "reference_keys")
        taken_now = taken | {fields["code"] for fields in copied}
        copied += [c.fields_for(category.cpv_code) for c in reference.criteria_for(category.cpv_code)
                   if c.code not in taken_now]
    return copied


def _new_title(category: Category, library: dict, reference_keys) -> str:
    # A library's title names its source ("EU GPP criteria …"): only a set copied from that one library
    # may carry it.
    if len(reference_keys) == 1:
        return f"{category.name}: {library[reference_keys[0]].title}"[:TITLE_MAX]
    if reference_keys:
        return f"{category.name}: sustainability criteria"
    return category.name


def _criterion_fields(criterion: Criterion) -> dict:
    return {name: getattr(criterion, name) for name in (
        "code", "title", "text", "type", "level", "verification", "source", "source_section", "source_url",
        "impact_factor", "impact_unit", "impact_source", "wording", "language", "topic")}


def criterion_fingerprint(criterion: Criterion) -> str:
    """A digest of a criterion's fields, carried by the edit form to detect a concurrent edit."""
    return hashlib.sha256(repr(sorted(_criterion_fields(criterion).items())).encode()).hexdigest()[:32]


def _validated(criteria_set: CriteriaSet, fields: dict, criterion_id: int | None = None) -> dict:
    problems = criterion_problems(fields)
    code = (fields.get("code") or "").strip()
    if "code" not in problems and any(c.code == code and c.id != criterion_id for c in criteria_set.criteria):
        problems["code"] = _("This set has a criterion %(code)s already.", code=code)
    if problems:
        raise CriteriaError(_("Check the criterion's fields."), fields=problems)
    return clean_criterion(fields)


def update_details(actor: User, criteria_set: CriteriaSet, title: str, notes: str) -> None:
    """Change a draft's title and notes."""
    _require_lead(actor, criteria_set.alliance_id)
    title, notes = (title or "").strip(), (notes or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise CriteriaError(_("Give a title of at most %(max)d characters.", max=TITLE_MAX), "title")
    if len(notes) > NOTES_MAX:
        raise CriteriaError(_("The notes are limited to %(max)d characters.", max=NOTES_MAX), "notes")
    _lock_set(criteria_set)
    criteria_set.title, criteria_set.notes = title, notes
    db.session.flush()


def add_criterion(actor: User, criteria_set: CriteriaSet, fields: dict) -> Criterion:
    """Append a criterion to a draft."""
    _require_lead(actor, criteria_set.alliance_id)
    _lock_set(criteria_set)
    cleaned = _validated(criteria_set, fields)
    position = max((c.position for c in criteria_set.criteria), default=-1) + 1
    criterion = Criterion(position=position, **cleaned)
    criteria_set.criteria.append(criterion)
    db.session.flush()
    return criterion


def _criterion_of(criteria_set: CriteriaSet, criterion_id: int) -> Criterion:
    criterion = next((c for c in criteria_set.criteria if c.id == criterion_id), None)
    if criterion is None:
        raise NotFoundError()
    return criterion


def update_criterion(actor: User, criteria_set: CriteriaSet, criterion_id: int, fields: dict,
                     fingerprint: str | None = None) -> Criterion:
    """Change a draft's criterion; refused if someone changed it since `fingerprint` was taken."""
    _require_lead(actor, criteria_set.alliance_id)
    _lock_set(criteria_set)
    criterion = _criterion_of(criteria_set, criterion_id)
    if fingerprint is not None and fingerprint != criterion_fingerprint(criterion):
        raise CriteriaLockedError(_("Another lead changed this criterion meanwhile. Review it and save again."))
    cleaned = _validated(criteria_set, fields, criterion_id)
    for name, value in cleaned.items():
        setattr(criterion, name, value)
    db.session.flush()
    return criterion


def editable_criterion(criteria_set: CriteriaSet, criterion_id: int | None) -> Criterion | None:
    """The criterion a lead opens for editing, None for a new one. NotFoundError for an id that is not the
    set's; CriteriaLockedError when the set is no longer a draft."""
    criterion = None if criterion_id is None else _criterion_of(criteria_set, criterion_id)
    if criteria_set.status != "draft":
        raise CriteriaLockedError(locked_reason(criteria_set.version, criteria_set.status))
    return criterion


def new_criterion_defaults(criteria_set: CriteriaSet) -> dict:
    """What a new criterion's form starts with: the source of the set's last criterion (criteria of one set
    mostly cite the same document)."""
    if not criteria_set.criteria:
        return {}
    last = criteria_set.criteria[-1]
    return {"source": last.source, "source_url": last.source_url}


def save_criterion(actor: User, criteria_set: CriteriaSet, criterion_id: int | None, fields: dict,
                   fingerprint: str | None = None) -> Criterion:
    """Add a criterion to a draft (criterion_id None) or change one of its criteria (see update_criterion)."""
    if criterion_id is None:
        return add_criterion(actor, criteria_set, fields)
    return update_criterion(actor, criteria_set, criterion_id, fields, fingerprint)


def remove_criterion(actor: User, criteria_set: CriteriaSet, criterion_id: int) -> None:
    """Delete a criterion from a draft."""
    _require_lead(actor, criteria_set.alliance_id)
    _lock_set(criteria_set)
    criteria_set.criteria.remove(_criterion_of(criteria_set, criterion_id))
    db.session.flush()


def move_criterion(actor: User, criteria_set: CriteriaSet, criterion_id: int, offset: int) -> None:
    """Move a draft's criterion up (offset -1) or down (+1); positions are renumbered 0…n-1."""
    _require_lead(actor, criteria_set.alliance_id)
    _lock_set(criteria_set)
    ordered = sorted(criteria_set.criteria, key=lambda c: (c.position, c.id))
    index = ordered.index(_criterion_of(criteria_set, criterion_id))
    target = index + (1 if offset > 0 else -1)
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, criterion in enumerate(ordered):
        criterion.position = position
    db.session.flush()
    db.session.expire(criteria_set, ["criteria"])


EU_GPP_TITLE = re.compile(r"\bEU\s+GPP\b", re.IGNORECASE)
EU_GPP_SOURCE = "European Commission"


def publish_problems(criteria_set: CriteriaSet) -> list[str]:
    """What stops a draft from being published, each as a sentence a lead can act on.

    - criteria sharing a topic are alternatives (a warranty of 1, 2 or 3 years): the lead keeps one;
    - a set whose title says "EU GPP" holds only criteria of the European Commission's EU GPP criteria.
    """
    problems = []
    if not criteria_set.criteria:
        problems.append(_("A criteria set needs at least one criterion before it is published."))
    by_topic: dict[str, list[Criterion]] = {}
    for criterion in criteria_set.criteria:
        if criterion.topic:
            by_topic.setdefault(criterion.topic, []).append(criterion)
    for topic, rivals in sorted(by_topic.items()):
        if len(rivals) > 1:
            names = "; ".join(f"{c.code} {c.title}" for c in rivals)
            problems.append(_("These criteria are alternatives on the topic '%(topic)s' and contradict each other: "
                              "%(names)s. Keep one and remove the others.", topic=topic, names=names))
    if EU_GPP_TITLE.search(criteria_set.title or ""):
        others = [c.code for c in criteria_set.criteria if not c.source.startswith(EU_GPP_SOURCE)]
        if others:
            problems.append(ngettext(
                "The title says EU GPP, but %(codes)s is not from the EU GPP criteria. Change the title or remove "
                "that criterion.",
                "The title says EU GPP, but %(codes)s are not from the EU GPP criteria. Change the title or remove "
                "those criteria.", len(others), codes=", ".join(others)))
    return problems


def publish(actor: User, criteria_set: CriteriaSet, retire_previous: bool = False) -> list[int]:
    """Publish a draft; with retire_previous, the category's earlier published versions are retired.

    Refused while publish_problems() finds anything. Returns the ids of the versions retired.
    """
    _require_lead(actor, criteria_set.alliance_id)
    _lock_set(criteria_set)
    problems = publish_problems(criteria_set)
    if problems:
        raise CriteriaError(" ".join(problems))
    now = utcnow()
    criteria_set.status, criteria_set.published_at = "published", now
    retired: list[int] = []
    if retire_previous:
        retired = list(db.session.scalars(sa.select(CriteriaSet.id).where(
            CriteriaSet.alliance_id == criteria_set.alliance_id, CriteriaSet.category_id == criteria_set.category_id,
            CriteriaSet.status == "published", CriteriaSet.id != criteria_set.id,
        )))
        if retired:
            db.session.execute(sa.update(CriteriaSet).where(CriteriaSet.id.in_(retired))
                               .values(status="retired", retired_at=now).execution_options(synchronize_session=False))
    db.session.flush()
    record_event(actor, "criteria_set.published", "criteria_set", criteria_set.id, version=criteria_set.version,
                 retired=retired)
    return retired


def retire(actor: User, criteria_set: CriteriaSet) -> None:
    """Retire a published version: it stays readable, but takes no new pledges."""
    _require_lead(actor, criteria_set.alliance_id)
    changed = db.session.execute(
        sa.update(CriteriaSet).where(CriteriaSet.id == criteria_set.id, CriteriaSet.status == "published")
        .values(status="retired", retired_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(criteria_set)
    if not changed:
        raise CriteriaLockedError(_("This version is retired already.") if criteria_set.status == "retired"
                                  else _("This version is a draft; only a published version can be retired."))
    record_event(actor, "criteria_set.retired", "criteria_set", criteria_set.id, version=criteria_set.version)


def delete_draft(actor: User, criteria_set: CriteriaSet) -> None:
    """Discard a draft (published and retired versions are kept for ever)."""
    _require_lead(actor, criteria_set.alliance_id)
    _lock_set(criteria_set)
    record_event(actor, "criteria_set.discarded", "criteria_set", criteria_set.id, version=criteria_set.version)
    db.session.delete(criteria_set)
    db.session.flush()
