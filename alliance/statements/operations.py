"""Joint statements of demand: a round's leads draft the text and commitments, publish it, and buyer
organisations sign it (or withdraw their signature) as a deliberate act.

Life of an edition (alliance.editions): draft (editable by the alliance's leads, optimistic `version`) →
published (never changes again) → withdrawn, or superseded when the round's next edition is published. A
signature belongs to the edition that was signed: a new edition is a new text and is signed afresh.
Functions take ids, check the caller, flush and never commit.
"""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified

from alliance import editions as edition_life
from alliance.alliances.access import active_membership, is_lead
from alliance.audit import record_event
from alliance.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError, StaleEditError
from alliance.extensions import db
from alliance.language.labels import label
from alliance.markdown import sanitise_markdown
from alliance.models import (
    LEVELS,
    CriteriaSet,
    DemandRound,
    DemandSummary,
    JointStatement,
    Organisation,
    StatementCommitment,
    StatementSignature,
    User,
)
from alliance.models.base import utcnow
from alliance.models.statement import DEFAULT_LEGAL_NATURE

TITLE_MAX = 200
TEXT_MAX = 20_000
NOTE_MAX = 500
MAX_COMMITMENTS = 20
# Why an edition in its present state refuses a change or a signature: one whole sentence per state.
FIXED_EDITION = {
    "published": _l("This edition is published and never changes; draft a new edition."),
    "withdrawn": _l("This edition is withdrawn and never changes; draft a new edition."),
    "superseded": _l("This edition is superseded and never changes; draft a new edition."),
}
NOT_SIGNABLE = {
    "draft": _l("This edition is a draft; only the current published edition can be signed."),
    "withdrawn": _l("This edition is withdrawn; only the current published edition can be signed."),
    "superseded": _l("This edition is superseded; only the current published edition can be signed."),
}


class StatementError(InvalidError):
    """A refused change; `field` names the form field to correct."""


class StatementForbiddenError(ForbiddenError):
    """The user's organisation may not sign this statement; the message says why."""


class StatementNotFoundError(NotFoundError):
    """No such statement or round among the user's alliances' (a draft's existence is confidential)."""


class StatementConflictError(ConflictError):
    """The edition's status (or a signature already there) does not allow this change."""


class StatementStaleError(StaleEditError):
    """Someone changed the statement since the user read `expected`."""

    def __init__(self, statement_id: int, expected: int | None = None, current_version: int | None = None):
        super().__init__(_("Someone changed this statement meanwhile; reload it and try again."), expected=expected,
                         current_version=current_version, model=JointStatement, row_id=statement_id)


SERIES = edition_life.Series(
    model=JointStatement, key="round_id", event="statement", object_type="joint_statement",
    conflict=StatementConflictError, stale=StatementStaleError,
    fixed_edition=FIXED_EDITION,
    draft_open=_l("An edition of this statement is already being drafted."),
)


@dataclass
class CommitmentInput:
    criteria_set_id: int | None
    share_percent: int | None
    level: str
    from_year: int | None
    note: str = ""


@dataclass
class StatementFields:
    """What a lead writes in a draft."""

    title: str
    preamble: str = ""
    market_conditions: str = ""
    working_group: str = ""
    legal_nature: str = DEFAULT_LEGAL_NATURE
    statement_date: date | None = None
    summary_id: int | None = None
    commitments: list[CommitmentInput] = field(default_factory=list)


@dataclass(frozen=True)
class Signatory:
    name: str
    country: str
    signed_at: object
    organisation_id: int


# Reading -------------------------------------------------------------------------------------------------


def editions(round_id: int, include_drafts: bool = False) -> list[JointStatement]:
    """The round's statement editions, newest first (drafts only for its leads)."""
    query = sa.select(JointStatement).where(JointStatement.round_id == round_id)
    if not include_drafts:
        query = query.where(JointStatement.status != "draft")
    return list(db.session.scalars(query.order_by(JointStatement.edition.desc())))


def current(round_id: int) -> JointStatement | None:
    """The round's published edition, if any."""
    return db.session.scalar(sa.select(JointStatement).where(
        JointStatement.round_id == round_id, JointStatement.status == "published"))


def signatories(statement_id: int) -> list[Signatory]:
    """Organisations whose signature of this edition stands, in the order they signed. Names, countries and
    dates only: never a volume or anything else derived from pledges."""
    rows = db.session.execute(
        sa.select(Organisation.name, Organisation.country, StatementSignature.signed_at, Organisation.id)
        .join(StatementSignature, StatementSignature.organisation_id == Organisation.id)
        .where(StatementSignature.statement_id == statement_id, StatementSignature.withdrawn_at.is_(None))
        .order_by(StatementSignature.signed_at, Organisation.name)
    )
    return [Signatory(*row) for row in rows]


def signature_of(statement_id: int, organisation_id: int) -> StatementSignature | None:
    return db.session.scalar(sa.select(StatementSignature).where(
        StatementSignature.statement_id == statement_id, StatementSignature.organisation_id == organisation_id))


def commitment_sentence(commitment: StatementCommitment) -> str:
    """'From 2027, at least 50 % of the portable computers the signatories buy meet the comprehensive level
    of "EU GPP computers", version 2 (CPV 30213100-6).'"""
    criteria_set = commitment.criteria_set
    category = criteria_set.category
    return (f"From {commitment.from_year}, at least {commitment.share_percent} % of the "
            f"{category.name.lower()} the signatories buy meet the {LEVELS[commitment.level].lower()} level of "
            f"“{criteria_set.title}”, version {criteria_set.version} (CPV {category.cpv_code}).")


def published_summaries(round_id: int) -> list[DemandSummary]:
    """The round's published summaries: a statement may cite their disclosure-controlled figures."""
    return list(db.session.scalars(sa.select(DemandSummary).where(
        DemandSummary.round_id == round_id, DemandSummary.status == "published").order_by(DemandSummary.id)))


def round_criteria_sets(demand_round: DemandRound) -> list[CriteriaSet]:
    """Published criteria sets of the round's categories: what a commitment may refer to."""
    category_ids = [category.id for category in demand_round.categories]
    return list(db.session.scalars(sa.select(CriteriaSet).where(
        CriteriaSet.alliance_id == demand_round.alliance_id, CriteriaSet.category_id.in_(category_ids),
        CriteriaSet.status == "published").order_by(CriteriaSet.title, CriteriaSet.version)))


# Leads: drafting and publishing --------------------------------------------------------------------------


def _lead_statement(user: User, statement_id: int) -> JointStatement:
    """The edition, when the user's organisation leads its alliance; else 'not found' (drafts are private)."""
    statement = db.session.get(JointStatement, statement_id)
    if statement is None or not is_lead(user, statement.demand_round.alliance_id):
        raise StatementNotFoundError(_("No such statement among your alliances' rounds."))
    return statement


def _text(value: str, name: str) -> str:
    text = sanitise_markdown(value or "")
    if len(text) > TEXT_MAX:
        raise StatementError(TOO_LONG[name], name)
    return text


# A whole sentence per text, so each language words it its own way.
TOO_LONG = {
    "preamble": _l("The preamble is limited to %(max)d characters.", max=TEXT_MAX),
    "market_conditions": _l("The market signal text is limited to %(max)d characters.", max=TEXT_MAX),
    "working_group": _l("The working group text is limited to %(max)d characters.", max=TEXT_MAX),
    "legal_nature": _l("The legal nature text is limited to %(max)d characters.", max=TEXT_MAX),
}


def _commitments(demand_round: DemandRound, items: list[CommitmentInput]) -> list[StatementCommitment]:
    allowed = {criteria_set.id: criteria_set for criteria_set in round_criteria_sets(demand_round)}
    filled = [item for item in items if item.criteria_set_id or item.share_percent or item.from_year]
    if len(filled) > MAX_COMMITMENTS:
        raise StatementError(_("A statement holds at most %(max)d commitments.", max=MAX_COMMITMENTS), "commitments")
    result = []
    for number, item in enumerate(filled, start=1):
        if item.criteria_set_id not in allowed:
            raise StatementError(_("Commitment %(number)s: choose a published criteria set of one of the round's "
                                   "categories.", number=number), "commitments")
        if not isinstance(item.share_percent, int) or not 1 <= item.share_percent <= 100:
            raise StatementError(_("Commitment %(number)s: the share is a whole percentage from 1 to 100.",
                                   number=number), "commitments")
        if item.level not in LEVELS:
            raise StatementError(_("Commitment %(number)s: the level is one of %(levels)s.", number=number,
                                   levels=", ".join(label(level, "level") for level in LEVELS)), "commitments")
        if not isinstance(item.from_year, int) or not 2000 <= item.from_year <= 2100:
            raise StatementError(_("Commitment %(number)s: give the year it applies from, e.g. 2027.", number=number),
                                 "commitments")
        note = (item.note or "").strip()
        if len(note) > NOTE_MAX:
            raise StatementError(_("Commitment %(number)s: the note is limited to %(max)d characters.", number=number,
                                   max=NOTE_MAX), "commitments")
        result.append(StatementCommitment(
            position=number, criteria_set_id=item.criteria_set_id, share_percent=item.share_percent,
            level=item.level, from_year=item.from_year, note=note))
    return result


def _apply(statement: JointStatement, fields: StatementFields) -> None:
    title = (fields.title or "").strip()
    if not title:
        raise StatementError(_("Give the statement a title."), "title")
    if len(title) > TITLE_MAX:
        raise StatementError(_("The title is limited to %(max)d characters.", max=TITLE_MAX), "title")
    demand_round = statement.demand_round
    if fields.summary_id is not None and fields.summary_id not in {
            summary.id for summary in published_summaries(demand_round.id)}:
        raise StatementError(_("Choose a published summary of this round (or none)."), "summary_id")
    commitments = _commitments(demand_round, fields.commitments)
    statement.title = title
    statement.preamble = _text(fields.preamble, "preamble")
    statement.market_conditions = _text(fields.market_conditions, "market_conditions")
    statement.working_group = _text(fields.working_group, "working_group")
    statement.legal_nature = _text(fields.legal_nature, "legal_nature")
    statement.statement_date = fields.statement_date
    statement.summary_id = fields.summary_id
    statement.commitments = commitments


def create_draft(user: User, round_id: int) -> JointStatement:
    """Draft the round's next edition, copied from its latest edition (or from the round's own statement
    text for the first one). One draft per round at a time."""
    demand_round = db.session.get(DemandRound, round_id)
    if demand_round is None or not is_lead(user, demand_round.alliance_id):
        raise StatementNotFoundError(_("No such round among your alliances' rounds."))
    if demand_round.status == "draft":
        raise StatementConflictError(_("Open the round before drafting its joint statement."))
    number = edition_life.next_edition_number(SERIES, round_id)
    earlier = editions(round_id)  # newest first
    latest = earlier[0] if earlier else None
    summaries = published_summaries(round_id)
    statement = JointStatement(round_id=round_id, edition=number, created_by_id=user.id, status="draft", title="")
    statement.demand_round = demand_round
    if latest is not None:
        fields = StatementFields(
            title=latest.title, preamble=latest.preamble, market_conditions=latest.market_conditions,
            working_group=latest.working_group, legal_nature=latest.legal_nature,
            statement_date=latest.statement_date,
            summary_id=latest.summary_id if latest.summary_id in {s.id for s in summaries} else None,
            commitments=[CommitmentInput(c.criteria_set_id, c.share_percent, c.level, c.from_year, c.note)
                         for c in latest.commitments])
    else:
        fields = StatementFields(title=f"Joint statement of demand: {demand_round.title}",
                                 preamble=demand_round.statement or "", statement_date=utcnow().date(),
                                 summary_id=summaries[-1].id if summaries else None)
    _apply(statement, fields)
    try:
        with db.session.begin_nested():  # two leads drafting at once: the (round, edition) key decides
            db.session.add(statement)
    except IntegrityError:
        raise StatementConflictError(_("An edition of this statement is already being drafted.")) from None
    SERIES.record(user, "drafted", statement)
    return statement


def update_draft(user: User, statement_id: int, expected_version: int, fields: StatementFields) -> JointStatement:
    """Edit a draft. `expected_version` is the version the editor started from; another edit since → conflict."""
    statement = _lead_statement(user, statement_id)
    edition_life.check_draft(SERIES, statement, expected_version)
    _apply(statement, fields)
    # Commitments live in their own rows: force the edition's UPDATE so its version moves on every save and
    # a concurrent edit of the commitments alone still conflicts.
    flag_modified(statement, "title")
    edition_life.flush_versioned(SERIES, statement)
    return statement


def publish(user: User, statement_id: int, expected_version: int) -> JointStatement:
    """Publish a draft: from now on it never changes and buyers may sign it. The previous published edition
    is superseded (its signatures stay with it)."""
    statement = _lead_statement(user, statement_id)
    edition_life.check_draft(SERIES, statement, expected_version)
    if not statement.commitments:
        raise StatementError(_("Add at least one quantified, dated commitment before publishing."), "commitments")
    if statement.statement_date is None:
        raise StatementError(_("Give the statement its date before publishing."), "statement_date")
    if not statement.legal_nature.strip():
        raise StatementError(_("Say what the statement is legally (an intention, not a purchase commitment)."),
                             "legal_nature")
    edition_life.publish(SERIES, user, statement)
    return statement


def withdraw(user: User, statement_id: int, expected_version: int) -> JointStatement:
    """Withdraw the published edition: it stays readable, marked withdrawn, and can no longer be signed."""
    statement = _lead_statement(user, statement_id)
    edition_life.withdraw(SERIES, user, statement, expected_version)
    return statement


def discard_draft(user: User, statement_id: int, expected_version: int) -> None:
    """Delete a draft that was never published."""
    edition_life.discard(SERIES, user, _lead_statement(user, statement_id), expected_version)


# Buyers: signing -----------------------------------------------------------------------------------------


def signing_refusal(user: User | None, statement: JointStatement) -> str | None:
    """Why the user may not sign or unsign this edition for their organisation; None when they may."""
    if user is None or not getattr(user, "is_authenticated", False):
        return _("Log in as a member of a buyer organisation of the alliance to sign.")
    if statement.status != "published":
        return str(NOT_SIGNABLE[statement.status])
    organisation = user.organisation
    if organisation.kind != "buyer":
        return _("Only public buyers sign a joint statement of demand.")
    if not organisation.verified:
        return _("Your organisation is not yet verified as a public buyer.")
    if active_membership(organisation.id, statement.demand_round.alliance_id) is None:
        return _("Only active members of the alliance sign its statements.")
    return None


def _signable(user: User, statement_id: int) -> JointStatement:
    statement = db.session.get(JointStatement, statement_id)
    if statement is None or statement.status == "draft":
        raise StatementNotFoundError(_("No such published statement."))
    refusal = signing_refusal(user, statement)
    if refusal:
        raise StatementForbiddenError(refusal)
    return statement


def sign(user: User, statement_id: int) -> StatementSignature:
    """Sign the published edition for the user's organisation; once per organisation and edition (signing
    again after a withdrawal restores the signature with the new date)."""
    statement = _signable(user, statement_id)
    signature = signature_of(statement.id, user.organisation_id)
    now = utcnow()
    if signature is not None and signature.withdrawn_at is None:
        raise StatementConflictError(_("Your organisation has already signed this statement."))
    if signature is None:
        signature = StatementSignature(statement_id=statement.id, organisation_id=user.organisation_id,
                                       signed_by_id=user.id, signed_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(signature)
        except IntegrityError:
            raise StatementConflictError(_("Your organisation has already signed this statement.")) from None
    else:
        changed = db.session.execute(
            sa.update(StatementSignature).where(StatementSignature.id == signature.id,
                                                StatementSignature.withdrawn_at.is_not(None))
            .values(signed_by_id=user.id, signed_at=now, withdrawn_at=None, withdrawn_by_id=None)
            .execution_options(synchronize_session=False)).rowcount
        db.session.refresh(signature)
        if not changed:
            raise StatementConflictError(_("Your organisation has already signed this statement."))
    record_event(user, "statement.signed", "joint_statement", statement.id, round_id=statement.round_id,
                 edition=statement.edition, organisation_id=user.organisation_id)
    return signature


def withdraw_signature(user: User, statement_id: int) -> StatementSignature:
    """Withdraw the organisation's signature of the published edition; the record of it stays."""
    statement = _signable(user, statement_id)
    signature = signature_of(statement.id, user.organisation_id)
    if signature is None or signature.withdrawn_at is not None:
        raise StatementConflictError(_("Your organisation has not signed this statement."))
    changed = db.session.execute(
        sa.update(StatementSignature).where(StatementSignature.id == signature.id,
                                            StatementSignature.withdrawn_at.is_(None))
        .values(withdrawn_at=utcnow(), withdrawn_by_id=user.id).execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(signature)
    if not changed:
        raise StatementConflictError(_("Your organisation has not signed this statement."))
    record_event(user, "statement.signature_withdrawn", "joint_statement", statement.id,
                 round_id=statement.round_id, edition=statement.edition, organisation_id=user.organisation_id)
    return signature
