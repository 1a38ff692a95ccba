"""Demand rounds: a lead drafts a round, opens it, closes it; pledges are accepted only while it is open.

Dates are calendar days in UTC; a round accepts pledges from opens_on to closes_on inclusive, and the
nightly job closes it after that. Functions flush, never commit.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from alliance.alliances.access import is_lead
from alliance.audit import record_event
from alliance.errors import ConflictError, ForbiddenError, InvalidError
from alliance.extensions import db
from alliance.formatting import is_currency
from alliance.language import day
from alliance.markdown import sanitise_markdown
from alliance.models import Alliance, Category, CriteriaSet, DemandRound, User
from alliance.models.base import utcnow

QUARTER_PATTERN = re.compile(r"^([0-9]{4})-Q([1-4])$")  # [0-9]: \d also matches "٢٠٢٧"
TITLE_MAX = 200
# Sane bounds for a round's days: a typo such as year 1 or 9999 is refused, not stored.
EARLIEST_DAY = date(2000, 1, 1)
MAX_YEARS_AHEAD = 10
STATEMENT_MAX = 20_000
MAX_HORIZON_QUARTERS = 40  # ten years of delivery quarters
# Why a round in its present state refuses a change: one whole sentence per state, since a status word
# does not slot into a sentence in every language.
EDIT_REFUSALS = {"open": _l("This round is open; only a draft round can be edited."),
                 "closed": _l("This round is closed; only a draft round can be edited.")}
OPEN_REFUSALS = {"open": _l("This round is open already."),
                 "closed": _l("This round is closed; only a draft round can be opened.")}
CLOSE_REFUSALS = {"draft": _l("This round is a draft; only an open round can be closed."),
                  "closed": _l("This round is closed already.")}


class RoundError(InvalidError):
    """A user-facing reason a round change was refused; `field` names the form field."""


class RoundForbiddenError(ForbiddenError):
    """Only the alliance's leads manage its rounds."""


class RoundConflictError(ConflictError):
    """The round's status does not allow this change."""


@dataclass
class RoundInput:
    title: str
    opens_on: date | None
    closes_on: date | None
    delivery_from: str
    delivery_to: str
    category_ids: list[int] = field(default_factory=list)
    statement: str = ""
    currency: str = ""


def today_utc() -> date:
    return utcnow().date()


def parse_quarter(text: str) -> tuple[int, int]:
    """'2027-Q3' → (2027, 3); ValueError with a readable message otherwise."""
    match = QUARTER_PATTERN.match((text or "").strip()) if isinstance(text, str) else None
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise ValueError(_("'%(text)s' is not a quarter like 2027-Q1 (year, then Q1 to Q4).", text=str(text)[:20]))
    return int(match.group(1)), int(match.group(2))


def _quarter_index(text: str) -> int:
    year, quarter = parse_quarter(text)
    return year * 4 + quarter - 1


def quarters_between(first: str, last: str) -> list[str]:
    """Every quarter from first to last inclusive, e.g. ['2027-Q4', '2028-Q1']."""
    return [f"{i // 4}-Q{i % 4 + 1}" for i in range(_quarter_index(first), _quarter_index(last) + 1)]


def quarters_in_horizon(demand_round: DemandRound) -> list[str]:
    """The delivery quarters a pledge in this round may name."""
    return quarters_between(demand_round.delivery_from, demand_round.delivery_to)


def pledgeable_categories(alliance_id: int) -> list[Category]:
    """Categories with at least one published criteria set in the alliance (a round may only offer these)."""
    published = sa.select(CriteriaSet.category_id).where(
        CriteriaSet.alliance_id == alliance_id, CriteriaSet.status == "published")
    return list(db.session.scalars(sa.select(Category).where(Category.id.in_(published)).order_by(Category.cpv_code)))


def validate_round(alliance: Alliance, data: RoundInput) -> tuple[dict, list[Category]]:
    """Check a round's fields; returns the cleaned values and categories, or raises RoundError."""
    title = (data.title or "").strip()
    if not title:
        raise RoundError(_("Give the round a title."), "title")
    if len(title) > TITLE_MAX:
        raise RoundError(_("The title is limited to %(max)d characters.", max=TITLE_MAX), "title")
    if len(data.statement or "") > STATEMENT_MAX:
        raise RoundError(_("The statement is limited to %(max)d characters.", max=STATEMENT_MAX), "statement")
    _check_dates(data)
    _check_delivery_horizon(data)
    currency = (data.currency or alliance.currency or "").strip().upper()
    if not is_currency(currency):
        raise RoundError(_("'%(currency)s' is not an ISO 4217 currency code such as EUR.",
                           currency=(data.currency or "")[:20]), "currency")
    categories = _round_categories(alliance, data.category_ids)
    values = {
        "title": title, "statement": sanitise_markdown(data.statement or ""), "opens_on": data.opens_on,
        "closes_on": data.closes_on, "delivery_from": data.delivery_from.strip(),
        "delivery_to": data.delivery_to.strip(), "currency": currency,
    }
    return values, categories


def _check_dates(data: RoundInput) -> None:
    if not isinstance(data.opens_on, date):
        raise RoundError(_("Give the day the round opens (YYYY-MM-DD)."), "opens_on")
    if not isinstance(data.closes_on, date):
        raise RoundError(_("Give the day the round closes (YYYY-MM-DD)."), "closes_on")
    if data.closes_on < data.opens_on:
        raise RoundError(_("The round cannot close before it opens."), "closes_on")
    latest = date.today() + timedelta(days=365 * MAX_YEARS_AHEAD)
    for name in ("opens_on", "closes_on"):
        if not EARLIEST_DAY <= getattr(data, name) <= latest:
            raise RoundError(_("Give a day between %(first)s and %(last)s.", first=day(EARLIEST_DAY), last=day(latest)),
                             name)


def _check_delivery_horizon(data: RoundInput) -> None:
    for name in ("delivery_from", "delivery_to"):
        try:
            parse_quarter(getattr(data, name))
        except ValueError as error:
            raise RoundError(str(error), name) from None
    span = _quarter_index(data.delivery_to) - _quarter_index(data.delivery_from)
    if span < 0:
        raise RoundError(_("The delivery horizon ends before it starts."), "delivery_to")
    if span >= MAX_HORIZON_QUARTERS:
        raise RoundError(_("The delivery horizon is limited to %(max)d quarters.", max=MAX_HORIZON_QUARTERS),
                         "delivery_to")


def _round_categories(alliance: Alliance, category_ids) -> list[Category]:
    """The chosen categories, each of which needs a published criteria set in the alliance."""
    wanted = set(category_ids or [])
    if not wanted:
        raise RoundError(_("Choose at least one category."), "category_ids")
    available = {c.id: c for c in pledgeable_categories(alliance.id)}
    if not wanted <= set(available):
        raise RoundError(_("Each category needs a published criteria set in this alliance."), "category_ids")
    return [available[i] for i in sorted(wanted)]


def _require_lead(actor: User, alliance_id: int) -> None:
    if not is_lead(actor, alliance_id):
        raise RoundForbiddenError(_("Only a lead of this alliance may manage its demand rounds."))


def create_round(actor: User, alliance: Alliance, data: RoundInput) -> DemandRound:
    """Draft a new round (status draft); it takes pledges once opened."""
    _require_lead(actor, alliance.id)
    values, categories = validate_round(alliance, data)
    demand_round = DemandRound(alliance_id=alliance.id, status="draft", categories=categories, **values)
    db.session.add(demand_round)
    db.session.flush()
    record_event(actor, "round.created", "demand_round", demand_round.id, title=demand_round.title)
    return demand_round


def update_round(actor: User, demand_round: DemandRound, data: RoundInput) -> None:
    """Change a round that is still a draft (an open round's terms are what buyers pledged to)."""
    _require_lead(actor, demand_round.alliance_id)
    values, categories = validate_round(demand_round.alliance, data)
    changed = db.session.execute(
        sa.update(DemandRound).where(DemandRound.id == demand_round.id, DemandRound.status == "draft")
        .values(**values).execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(demand_round)
    if not changed:
        raise RoundConflictError(str(EDIT_REFUSALS.get(demand_round.status, EDIT_REFUSALS["open"])))
    demand_round.categories = categories
    db.session.flush()
    record_event(actor, "round.updated", "demand_round", demand_round.id)


def open_round(actor: User, demand_round: DemandRound, today: date | None = None) -> None:
    """Open a draft round for pledges. Its categories must still have published criteria sets."""
    _require_lead(actor, demand_round.alliance_id)
    today = today or today_utc()
    if demand_round.closes_on < today:
        raise RoundError(_("The closing day %(day)s has passed: change it first.", day=day(demand_round.closes_on)))
    published = {c.id for c in pledgeable_categories(demand_round.alliance_id)}
    missing = [c.name for c in demand_round.categories if c.id not in published]
    if missing:
        raise RoundError(_("No published criteria set for: %(categories)s.", categories=", ".join(missing)))
    _transition(demand_round, "draft", {"status": "open"}, OPEN_REFUSALS)
    record_event(actor, "round.opened", "demand_round", demand_round.id)


def close_round(actor: User | None, demand_round: DemandRound) -> None:
    """Close an open round: its pledges are frozen from now on. actor None: the nightly job."""
    if actor is not None:
        _require_lead(actor, demand_round.alliance_id)
    _transition(demand_round, "open", {"status": "closed", "closed_at": utcnow()}, CLOSE_REFUSALS)
    record_event(actor, "round.closed", "demand_round", demand_round.id, automatic=actor is None)


def _transition(demand_round: DemandRound, from_status: str, values: dict, refusals: dict) -> None:
    changed = db.session.execute(
        sa.update(DemandRound).where(DemandRound.id == demand_round.id, DemandRound.status == from_status)
        .values(**values).execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(demand_round)
    if not changed:
        raise RoundConflictError(str(refusals[demand_round.status]))


def close_overdue_rounds(today: date | None = None) -> list[int]:
    """Close every open round whose closing day has passed; returns their ids. Idempotent."""
    today = today or today_utc()
    overdue = db.session.scalars(
        sa.select(DemandRound).where(DemandRound.status == "open", DemandRound.closes_on < today)
        .order_by(DemandRound.id)
    ).all()
    closed = []
    for demand_round in overdue:
        try:
            close_round(None, demand_round)
        except RoundConflictError:
            continue  # a lead closed it meanwhile
        closed.append(demand_round.id)
    return closed


def round_accepts_pledges(demand_round: DemandRound, today: date | None = None) -> tuple[bool, str]:
    """Whether pledges may be created, edited or withdrawn now, with the reason when not."""
    today = today or today_utc()
    if demand_round.status == "draft":
        return False, _("This round is not open yet.")
    if demand_round.status == "closed":
        return False, _("This round is closed; its pledges are frozen.")
    if today < demand_round.opens_on:
        return False, _("This round opens on %(day)s.", day=day(demand_round.opens_on))
    if today > demand_round.closes_on:
        return False, _("This round closed on %(day)s; its pledges are frozen.", day=day(demand_round.closes_on))
    return True, ""


def open_rounds(alliance_id: int | None = None) -> list[DemandRound]:
    """Rounds with status open (of one alliance, or all), soonest closing first."""
    query = sa.select(DemandRound).where(DemandRound.status == "open").options(
        orm.selectinload(DemandRound.categories), orm.joinedload(DemandRound.alliance))
    if alliance_id is not None:
        query = query.where(DemandRound.alliance_id == alliance_id)
    return list(db.session.scalars(query.order_by(DemandRound.closes_on, DemandRound.id)))


def statement_criteria_sets(demand_round: DemandRound) -> list[CriteriaSet]:
    """The published versions of the round's categories: what its pledges commit to."""
    category_ids = [c.id for c in demand_round.categories]
    return list(db.session.scalars(
        sa.select(CriteriaSet).join(CriteriaSet.category)
        .where(CriteriaSet.alliance_id == demand_round.alliance_id, CriteriaSet.category_id.in_(category_ids),
               CriteriaSet.status == "published")
        .order_by(Category.cpv_code, CriteriaSet.version).options(orm.selectinload(CriteriaSet.criteria))
    ))
