"""Alliances and their membership: creating alliances, settings, join requests, decisions, leads, leaving.

Functions flush, never commit. State changes that two leads could race are conditional UPDATEs whose WHERE
clause carries the state the change starts from; a row count of 0 means someone else got there first.
Changes that could leave an alliance without a lead lock the alliance row first (FOR UPDATE on PostgreSQL;
SQLite serialises writers anyway), so the "is there another lead?" count cannot go stale.
"""

import hashlib
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from alliance.audit import record_event
from alliance.errors import InvalidError, NotFoundError
from alliance.extensions import db
from alliance.formatting import is_currency
from alliance.language.labels import label
from alliance.markdown import sanitise_markdown
from alliance.models import SECTORS, Alliance, Membership, Organisation, User
from alliance.models.base import utcnow
from alliance.notifications import events

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CHARTER_MAX = 20_000


class MembershipError(InvalidError):
    """A user-facing reason why an alliance or membership change was refused; `field` names a form field."""


@dataclass
class AllianceSettings:
    charter: str
    k: int
    p: int
    protection_percent: int = 20


def validate_settings(settings: AllianceSettings) -> None:
    """Raise MembershipError unless k ≥ 2, 1 ≤ p ≤ 100 and the charter fits."""
    if not isinstance(settings.k, int) or isinstance(settings.k, bool) or settings.k < 2:
        raise MembershipError(_("k must be a whole number of at least 2."), "k")
    if settings.k > 1000:
        raise MembershipError(_("k must be at most 1000."), "k")
    if not isinstance(settings.p, int) or isinstance(settings.p, bool) or not 1 <= settings.p <= 100:
        raise MembershipError(_("p must be a whole number from 1 to 100."), "p")
    percent = settings.protection_percent
    if not isinstance(percent, int) or isinstance(percent, bool) or not 1 <= percent <= 100:
        raise MembershipError(_("The protection interval must be a whole number from 1 to 100 %."), "protection_percent")
    if len(settings.charter or "") > CHARTER_MAX:
        raise MembershipError(_("The charter is limited to %(max)d characters.", max=CHARTER_MAX), "charter")


def create_alliance(actor: User, slug: str, name: str, sector: str, settings: AllianceSettings, currency: str,
                    lead_organisation_id: int) -> Alliance:
    """Create an alliance with its first lead, a verified buyer organisation (platform admins only)."""
    slug = (slug or "").strip().lower()
    name = (name or "").strip()
    currency = (currency or "").strip().upper()
    if not SLUG_PATTERN.match(slug) or len(slug) > 60:
        raise MembershipError(_("Use lower-case letters, digits and single hyphens (at most 60)."), "slug")
    if not name or len(name) > 200:
        raise MembershipError(_("Name the alliance (at most 200 characters)."), "name")
    if sector not in SECTORS:
        raise MembershipError(_("Choose one of: %(sectors)s.", sectors=", ".join(label(code, "sector") for code in SECTORS)),
                              "sector")
    if not is_currency(currency):
        raise MembershipError(_("Use an ISO 4217 currency code such as EUR or SEK."), "currency")
    validate_settings(settings)
    if db.session.scalar(sa.select(Alliance.id).where(Alliance.slug == slug)) is not None:
        raise MembershipError(_("An alliance with this slug exists already."), "slug")
    lead = db.session.get(Organisation, lead_organisation_id)
    if lead is None or not lead.is_buyer or not lead.verified:
        raise MembershipError(_("The first lead must be a verified buyer organisation."), "lead_organisation")
    alliance = Alliance(slug=slug, name=name, sector=sector, charter=sanitise_markdown(settings.charter),
                        k=settings.k, p=settings.p, protection_percent=settings.protection_percent,
                        currency=currency)
    db.session.add(alliance)
    db.session.flush()
    membership = Membership(alliance_id=alliance.id, organisation_id=lead.id, role="lead", status="active",
                            decided_at=utcnow(), decided_by_id=actor.id)
    db.session.add(membership)
    db.session.flush()
    record_event(actor, "alliance.created", "alliance", alliance.id, slug=slug, lead_organisation_id=lead.id)
    return alliance


def settings_fingerprint(alliance: Alliance) -> str:
    """A short digest of the editable settings, carried by the settings form to detect a concurrent edit."""
    return hashlib.sha256(f"{alliance.k}|{alliance.p}|{alliance.protection_percent}|{alliance.charter}".encode()).hexdigest()[:32]


def update_settings(actor: User, alliance: Alliance, settings: AllianceSettings, fingerprint: str) -> None:
    """Change charter, k and p, unless another lead changed them since the form was loaded."""
    validate_settings(settings)
    if fingerprint != settings_fingerprint(alliance):
        raise MembershipError(_("Another lead changed these settings meanwhile. Review them and save again."))
    charter = sanitise_markdown(settings.charter)
    changed = db.session.execute(
        sa.update(Alliance)
        .where(Alliance.id == alliance.id, Alliance.k == alliance.k, Alliance.p == alliance.p,
               Alliance.protection_percent == alliance.protection_percent, Alliance.charter == alliance.charter)
        .values(charter=charter, k=settings.k, p=settings.p, protection_percent=settings.protection_percent)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise MembershipError(_("Another lead changed these settings meanwhile. Review them and save again."))
    before = {"k": alliance.k, "p": alliance.p, "protection_percent": alliance.protection_percent}
    charter_changed = charter != alliance.charter
    db.session.refresh(alliance)
    record_event(actor, "alliance.settings_changed", "alliance", alliance.id, before=before,
                 after={"k": settings.k, "p": settings.p, "protection_percent": settings.protection_percent},
                 charter_changed=charter_changed)


def membership_of(organisation_id: int, alliance_id: int) -> Membership | None:
    """The organisation's membership row in the alliance, whatever its status."""
    return db.session.scalar(
        sa.select(Membership).where(Membership.alliance_id == alliance_id,
                                    Membership.organisation_id == organisation_id)
    )


def request_to_join(user: User, alliance: Alliance) -> Membership:
    """Ask, for the user's organisation, to join the alliance: it must be a verified buyer not yet in it."""
    organisation = user.organisation
    if organisation.is_supplier:
        raise MembershipError(_("Suppliers take part in market dialogues; only public buyers can join an alliance."))
    if not organisation.verified:
        raise MembershipError(_(
            "%(organisation)s is not yet verified as a public body. A platform admin verifies new buyer "
            "organisations; you can ask to join once that is done.", organisation=organisation.name))
    existing = membership_of(organisation.id, alliance.id)
    if existing is None:
        membership = Membership(alliance_id=alliance.id, organisation_id=organisation.id, role="member",
                                status="pending")
        try:
            with db.session.begin_nested():
                db.session.add(membership)
                db.session.flush()
        except sa.exc.IntegrityError:
            raise MembershipError(_("Your organisation has asked to join already.")) from None
    else:
        if existing.status == "pending":
            raise MembershipError(_("Your organisation has asked to join already; a lead will decide soon."))
        if existing.status == "active":
            raise MembershipError(_("Your organisation is a member already."))
        # Declined or left before: the same row becomes a new request.
        reopened = db.session.execute(
            sa.update(Membership)
            .where(Membership.id == existing.id, Membership.status.in_(("declined", "left")))
            .values(status="pending", role="member", requested_at=utcnow(), decided_at=None, decided_by_id=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not reopened:
            raise MembershipError(_("Your organisation has asked to join already."))
        db.session.refresh(existing)
        membership = existing
    record_event(user, "membership.requested", "membership", membership.id, alliance_id=alliance.id)
    events.membership_requested(membership.id)
    return membership


def _alliance_membership(alliance: Alliance, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.alliance_id != alliance.id:
        raise NotFoundError()  # it belongs to another alliance
    return membership


def decide_request(actor: User, alliance: Alliance, membership_id: int, approve: bool) -> Membership:
    """Approve or decline a pending request (the caller checked that actor leads the alliance).

    Raises LookupError for a request of another alliance, MembershipError when it was decided already.
    """
    membership = _alliance_membership(alliance, membership_id)
    status = "active" if approve else "declined"
    decided = db.session.execute(
        sa.update(Membership)
        .where(Membership.id == membership.id, Membership.status == "pending")
        .values(status=status, decided_at=utcnow(), decided_by_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not decided:
        raise MembershipError(_("This request was decided already."))
    db.session.refresh(membership)
    record_event(actor, "membership.approved" if approve else "membership.declined", "membership", membership.id,
                 alliance_id=alliance.id, organisation_id=membership.organisation_id)
    events.membership_decided(membership.id)
    return membership


def make_lead(actor: User, alliance: Alliance, membership_id: int) -> Membership:
    """Make an active member organisation a lead of the alliance (the caller checked actor is a lead)."""
    membership = _alliance_membership(alliance, membership_id)
    promoted = db.session.execute(
        sa.update(Membership)
        .where(Membership.id == membership.id, Membership.status == "active", Membership.role == "member")
        .values(role="lead")
        .execution_options(synchronize_session=False)
    ).rowcount
    if not promoted:
        raise MembershipError(_("Only an active member that is not a lead yet can be made a lead."))
    db.session.refresh(membership)
    record_event(actor, "membership.made_lead", "membership", membership.id, alliance_id=alliance.id,
                 organisation_id=membership.organisation_id)
    return membership


def leave(user: User, alliance: Alliance) -> Membership:
    """The user's organisation leaves the alliance. The last lead cannot leave: make another lead first."""
    db.session.execute(sa.select(Alliance.id).where(Alliance.id == alliance.id).with_for_update())
    membership = membership_of(user.organisation_id, alliance.id)
    if membership is None or membership.status not in ("active", "pending"):
        raise MembershipError(_("Your organisation is not a member of this alliance."))
    if membership.status == "active" and membership.role == "lead":
        other_leads = db.session.scalar(
            sa.select(sa.func.count()).select_from(Membership).where(
                Membership.alliance_id == alliance.id, Membership.status == "active", Membership.role == "lead",
                Membership.id != membership.id,
            )
        )
        if not other_leads:
            raise MembershipError(_("Your organisation is the alliance's only lead. Make another member a lead first."))
    previous = membership.status
    left = db.session.execute(
        sa.update(Membership)
        .where(Membership.id == membership.id, Membership.status == previous)
        .values(status="left", role="member", decided_at=utcnow(), decided_by_id=user.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not left:
        raise MembershipError(_("Your organisation's membership changed meanwhile; reload the page."))
    db.session.refresh(membership)
    record_event(user, "membership.withdrawn" if previous == "pending" else "membership.left", "membership",
                 membership.id, alliance_id=alliance.id)
    return membership


def members(alliance_id: int) -> list[Membership]:
    """The active members of an alliance, leads first, then by organisation name."""
    return list(db.session.scalars(
        sa.select(Membership).join(Membership.organisation)
        .where(Membership.alliance_id == alliance_id, Membership.status == "active")
        .order_by(sa.case((Membership.role == "lead", 0), else_=1), Organisation.name)
        .options(orm.contains_eager(Membership.organisation))
    ))


def pending_requests(alliance_id: int) -> list[Membership]:
    """Requests to join waiting for a lead's decision, oldest first."""
    return list(db.session.scalars(
        sa.select(Membership).join(Membership.organisation)
        .where(Membership.alliance_id == alliance_id, Membership.status == "pending")
        .order_by(Membership.requested_at, Membership.id)
        .options(orm.contains_eager(Membership.organisation))
    ))
