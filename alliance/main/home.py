"""What each person should do next: the home page's lists, one function per role.

Every list is read with a few bounded queries; none shows another buyer's volume. A buyer sees the state of
its own organisation's pledges, a lead the work waiting in the alliances it leads, a supplier what is new
for its subscriptions, the public the alliances and the latest summaries.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.extensions import db
from alliance.models import (
    Alliance,
    Category,
    CriteriaSet,
    Criterion,
    DemandRound,
    DemandSummary,
    Dialogue,
    Membership,
    Pledge,
    Post,
    ReadinessDeclaration,
    Snapshot,
    Subscription,
    User,
    round_category,
)

# What a buyer's organisation has done in an open round, as the home page says it.
PLEDGE_STATES = {"drafts to submit": _l("Drafts to submit"), "submitted": _l("Submitted"),
                 "not yet pledged": _l("Not yet pledged")}
CLOSING_SOON_DAYS = 14
NEW_FOR_DAYS = 30
LIST_LIMIT = 10


@dataclass(frozen=True)
class RoundPledgeState:
    """One open round and how far the buyer's organisation got in it."""

    demand_round: DemandRound
    drafts: int = 0
    submitted: int = 0
    withdrawn: int = 0

    @property
    def state(self) -> str:
        if self.drafts:
            return "drafts to submit"
        if self.submitted:
            return "submitted"
        return "not yet pledged"


@dataclass(frozen=True)
class HeldRelease:
    """A round whose newest snapshot release control held back: the public still reads an older release
    (or none). The reason is on the round's dashboard, for leads only."""

    demand_round: DemandRound
    compiled_at: datetime


@dataclass
class LeadWork:
    """The work waiting in the alliances a lead's organisation leads, each list bounded."""

    join_requests: list[Membership] = field(default_factory=list)
    closing_rounds: list[DemandRound] = field(default_factory=list)
    unanswered: list[tuple[Dialogue, int]] = field(default_factory=list)  # dialogue, questions without answer
    draft_summaries: list[DemandSummary] = field(default_factory=list)
    draft_criteria_sets: list[CriteriaSet] = field(default_factory=list)
    draft_rounds: list[DemandRound] = field(default_factory=list)
    held_releases: list[HeldRelease] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any((self.join_requests, self.closing_rounds, self.unanswered, self.draft_summaries,
                    self.draft_criteria_sets, self.draft_rounds, self.held_releases))


@dataclass
class SupplierNews:
    summaries: list[DemandSummary] = field(default_factory=list)
    dialogues: list[Dialogue] = field(default_factory=list)
    undeclared: list[tuple[CriteriaSet, int]] = field(default_factory=list)  # set, criteria not declared yet
    subscribed: bool = False


def _member_alliance_ids(organisation_id: int, role: str | None = None):
    query = sa.select(Membership.alliance_id).where(
        Membership.organisation_id == organisation_id, Membership.status == "active")
    if role:
        query = query.where(Membership.role == role)
    return query


def buyer_rounds(user: User) -> list[RoundPledgeState]:
    """The open rounds of the alliances the user's organisation belongs to, soonest closing first, with the
    organisation's own pledge counts per status."""
    rounds = db.session.scalars(
        sa.select(DemandRound)
        .where(DemandRound.status == "open", DemandRound.alliance_id.in_(_member_alliance_ids(user.organisation_id)))
        .order_by(DemandRound.closes_on, DemandRound.id).limit(LIST_LIMIT)
    ).all()
    if not rounds:
        return []
    counts: dict[int, dict[str, int]] = {}
    for round_id, status, count in db.session.execute(
        sa.select(Pledge.round_id, Pledge.status, sa.func.count())
        .where(Pledge.organisation_id == user.organisation_id, Pledge.round_id.in_([r.id for r in rounds]))
        .group_by(Pledge.round_id, Pledge.status)
    ):
        counts.setdefault(round_id, {})[status] = count
    return [
        RoundPledgeState(r, drafts=counts.get(r.id, {}).get("draft", 0),
                         submitted=counts.get(r.id, {}).get("submitted", 0),
                         withdrawn=counts.get(r.id, {}).get("withdrawn", 0))
        for r in rounds
    ]


def waiting_alliance_requests(user: User) -> list[Membership]:
    """The organisation's own requests to join alliances that no lead has decided yet."""
    return db.session.scalars(
        sa.select(Membership).where(Membership.organisation_id == user.organisation_id,
                                    Membership.status == "pending")
        .order_by(Membership.requested_at)
    ).all()


def lead_work(user: User, today: date) -> LeadWork:
    """Join requests, rounds closing within two weeks, releases held back, unanswered questions and drafts,
    in led alliances."""
    led = _member_alliance_ids(user.organisation_id, role="lead")
    if not db.session.scalar(sa.select(sa.exists(led))):
        return LeadWork()
    work = LeadWork()
    work.join_requests = db.session.scalars(
        sa.select(Membership).where(Membership.alliance_id.in_(led), Membership.status == "pending")
        .order_by(Membership.requested_at).limit(LIST_LIMIT)
    ).all()
    work.closing_rounds = db.session.scalars(
        sa.select(DemandRound).where(
            DemandRound.alliance_id.in_(led), DemandRound.status == "open",
            DemandRound.closes_on <= today + timedelta(days=CLOSING_SOON_DAYS))
        .order_by(DemandRound.closes_on).limit(LIST_LIMIT)
    ).all()
    work.draft_rounds = db.session.scalars(
        sa.select(DemandRound).where(DemandRound.alliance_id.in_(led), DemandRound.status == "draft")
        .order_by(DemandRound.created_at).limit(LIST_LIMIT)
    ).all()
    work.held_releases = _held_releases(led)
    work.unanswered = _unanswered_questions(led)
    work.draft_summaries = db.session.scalars(
        sa.select(DemandSummary).where(DemandSummary.alliance_id.in_(led), DemandSummary.status == "draft")
        .order_by(DemandSummary.created_at).limit(LIST_LIMIT)
    ).all()
    work.draft_criteria_sets = db.session.scalars(
        sa.select(CriteriaSet).where(CriteriaSet.alliance_id.in_(led), CriteriaSet.status == "draft")
        .order_by(CriteriaSet.id).limit(LIST_LIMIT)
    ).all()
    return work


def _held_releases(alliance_ids) -> list[HeldRelease]:
    """Rounds whose newest snapshot has no release number (release control held it back), newest first.

    Reads only the snapshots' rounds, dates and release numbers, never their figures."""
    newest = (
        sa.select(Snapshot.round_id, Snapshot.compiled_at, Snapshot.release_number,
                  sa.func.row_number().over(partition_by=Snapshot.round_id,
                                            order_by=(Snapshot.compiled_at.desc(), Snapshot.id.desc())).label("rank"))
        .join(DemandRound, DemandRound.id == Snapshot.round_id)
        .where(DemandRound.alliance_id.in_(alliance_ids))
        .subquery()
    )
    rows = db.session.execute(
        sa.select(DemandRound, newest.c.compiled_at)
        .join(newest, newest.c.round_id == DemandRound.id)
        .where(newest.c.rank == 1, newest.c.release_number.is_(None))
        .order_by(newest.c.compiled_at.desc(), DemandRound.id).limit(LIST_LIMIT)
    ).all()
    return [HeldRelease(demand_round, compiled_at) for demand_round, compiled_at in rows]


def _unanswered_questions(alliance_ids) -> list[tuple[Dialogue, int]]:
    """Open dialogues with questions that have no answer yet, with how many."""
    answer = sa.orm.aliased(Post)
    rows = db.session.execute(
        sa.select(Dialogue, sa.func.count(Post.id))
        .join(Post, Post.dialogue_id == Dialogue.id)
        .where(
            Dialogue.alliance_id.in_(alliance_ids), Dialogue.status == "open", Post.kind == "question",
            ~sa.exists().where(answer.parent_id == Post.id, answer.kind == "answer"),
        )
        .group_by(Dialogue.id).order_by(Dialogue.closes_at).limit(LIST_LIMIT)
    ).all()
    return [(dialogue, count) for dialogue, count in rows]


def supplier_news(user: User, today: date) -> SupplierNews:
    """Summaries published and dialogues open in the last 30 days that match the user's subscriptions, and
    the published criteria sets where the organisation has declared nothing for some criteria."""
    news = SupplierNews()
    subscriptions = db.session.execute(
        sa.select(Subscription.sector, Subscription.cpv_prefix).where(Subscription.user_id == user.id)
    ).all()
    news.subscribed = bool(subscriptions)
    if subscriptions:
        start_of_today = datetime.combine(today, time(), tzinfo=UTC)
        since = start_of_today - timedelta(days=NEW_FOR_DAYS)
        matching_rounds = _rounds_matching(subscriptions)
        news.summaries = db.session.scalars(
            sa.select(DemandSummary).where(
                DemandSummary.status == "published", DemandSummary.published_at >= since,
                DemandSummary.round_id.in_(matching_rounds))
            .order_by(DemandSummary.published_at.desc()).limit(LIST_LIMIT)
        ).all()
        summary_rounds = sa.select(DemandSummary.id).where(DemandSummary.round_id.in_(matching_rounds))
        news.dialogues = db.session.scalars(
            sa.select(Dialogue).where(
                Dialogue.status == "open", Dialogue.closes_at >= start_of_today,
                sa.or_(Dialogue.round_id.in_(matching_rounds), Dialogue.summary_id.in_(summary_rounds)))
            .order_by(Dialogue.closes_at).limit(LIST_LIMIT)
        ).all()
    declared = (
        sa.select(ReadinessDeclaration.criterion_id)
        .where(ReadinessDeclaration.organisation_id == user.organisation_id)
    )
    rows = db.session.execute(
        sa.select(CriteriaSet, sa.func.count(Criterion.id))
        .join(Criterion, Criterion.criteria_set_id == CriteriaSet.id)
        .join(Category, Category.id == CriteriaSet.category_id)
        .where(CriteriaSet.status == "published", Criterion.id.not_in(declared))
        .group_by(CriteriaSet.id, Category.cpv_code).order_by(Category.cpv_code, CriteriaSet.id).limit(LIST_LIMIT)
    ).all()
    news.undeclared = [(criteria_set, count) for criteria_set, count in rows]
    return news


def _rounds_matching(subscriptions) -> sa.Select:
    """Ids of rounds in a subscribed sector or with a category under a subscribed CPV prefix."""
    sectors = [sector for sector, _ in subscriptions if sector]
    prefixes = [prefix for _, prefix in subscriptions if prefix]
    conditions = []
    if sectors:
        conditions.append(DemandRound.alliance_id.in_(sa.select(Alliance.id).where(Alliance.sector.in_(sectors))))
    if prefixes:
        with_prefix = (
            sa.select(round_category.c.round_id)
            .join(Category, Category.id == round_category.c.category_id)
            .where(sa.or_(*(Category.cpv_code.startswith(prefix) for prefix in prefixes)))
        )
        conditions.append(DemandRound.id.in_(with_prefix))
    return sa.select(DemandRound.id).where(sa.or_(*conditions))


def latest_summaries(limit: int = 5) -> list[DemandSummary]:
    return db.session.scalars(
        sa.select(DemandSummary).where(DemandSummary.status == "published")
        .order_by(DemandSummary.published_at.desc(), DemandSummary.id.desc()).limit(limit)
    ).all()


def alliances() -> list[Alliance]:
    return db.session.scalars(sa.select(Alliance).order_by(Alliance.name)).all()
