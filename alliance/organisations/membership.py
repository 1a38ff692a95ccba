"""Who is an active member of which organisation, with which role. Flush, never commit.

Rights come only from `User.organisation_id` (set here on approval, on an accepted invitation, or for the
registrar of a new organisation) and `User.organisation_role`. Deciders are the organisation's admins, or
a platform admin (the only one who can when the organisation has no admin yet).
"""

import re

import sqlalchemy as sa
from flask_babel import gettext as _

from alliance.audit import record_event
from alliance.errors import ForbiddenError, InvalidError, NotFoundError
from alliance.extensions import db
from alliance.models import JoinRequest, Organisation, User
from alliance.models.base import utcnow
from alliance.queue import request_job

SEARCH_LIMIT = 10
SEARCH_MIN_CHARS = 3
DOMAIN_PATTERN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class MembershipError(InvalidError):
    """A user-facing reason why a membership action was refused."""


def can_manage(actor: User, organisation_id: int) -> bool:
    """An admin of this organisation, or a platform admin."""
    return actor.is_admin or (actor.organisation_id == organisation_id and actor.organisation_role == "admin")


def check_may_admit(actor: User, organisation_id: int) -> None:
    """Letting someone in (approving a request, inviting) is for the organisation's own admins; a platform
    admin does it only for an organisation without one. Whoever is let in reads the organisation's pledges
    (every member's, in an alliance's lead organisation), which a platform admin may not."""
    if actor.is_admin and not (actor.organisation_id == organisation_id and actor.organisation_role == "admin") \
            and admin_count(organisation_id) > 0:
        raise MembershipError(_("This organisation has its own admin, who decides who joins it."))


def admin_count(organisation_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.organisation_id == organisation_id, User.organisation_role == "admin", User.disabled.is_(False)))


def members(organisation_id: int) -> list[User]:
    return db.session.scalars(
        sa.select(User).where(User.organisation_id == organisation_id).order_by(User.name, User.id)).all()


def pending_request_of(user: User) -> JoinRequest | None:
    return db.session.scalar(
        sa.select(JoinRequest).where(JoinRequest.user_id == user.id, JoinRequest.status == "pending"))


def pending_requests(organisation_id: int | None = None) -> list[JoinRequest]:
    """Pending requests of one organisation, or of every organisation (for platform admins)."""
    query = sa.select(JoinRequest).where(JoinRequest.status == "pending").order_by(JoinRequest.created_at)
    if organisation_id is not None:
        query = query.where(JoinRequest.organisation_id == organisation_id)
    return db.session.scalars(query).all()


def search(name: str, country: str = "", limit: int = SEARCH_LIMIT) -> list[Organisation]:
    """Organisations whose name contains `name` (at least 3 characters), optionally in one country.

    A bounded list, so the register of organisations cannot be read in one go.
    """
    name = (name or "").strip()
    if len(name) < SEARCH_MIN_CHARS:
        return []
    escaped = name.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = sa.select(Organisation).where(sa.func.lower(Organisation.name).like(f"%{escaped}%", escape="\\"))
    if country:
        query = query.where(Organisation.country == country.upper())
    return db.session.scalars(query.order_by(Organisation.name, Organisation.id).limit(limit)).all()


def email_domain_of(email: str) -> str:
    return email.rpartition("@")[2].lower()


def organisation_for_email(email: str) -> Organisation | None:
    """The organisation whose verified e-mail domain matches the address, if any."""
    return db.session.scalar(sa.select(Organisation).where(Organisation.email_domain == email_domain_of(email)))


def _check_can_join(user: User) -> None:
    if user.email_confirmed_at is None:
        raise MembershipError(_("Confirm your e-mail address first: open the link we mailed you."))
    if user.organisation_id is not None:
        raise MembershipError(_("You are a member of an organisation already."))


def request_to_join(user: User, organisation_id: int, message: str = "") -> JoinRequest:
    """Ask to join an organisation; its admins (or the platform admins) are notified after commit."""
    db.session.execute(sa.select(User.id).where(User.id == user.id).with_for_update())  # one pending request
    _check_can_join(user)
    if pending_request_of(user) is not None:
        raise MembershipError(_("You have asked to join an organisation already: withdraw that request first."))
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise MembershipError(_("Choose an organisation from the search results."))
    join = JoinRequest(user_id=user.id, organisation_id=organisation.id, message=(message or "").strip()[:500])
    db.session.add(join)
    db.session.flush()
    record_event(user, "organisation.join_requested", "organisation_join_request", join.id,
                 organisation_id=organisation.id)
    request_job(f"notify_join_requested-{join.id}", "workers.organisations.join_requested", join.id)
    return join


def withdraw_request(user: User) -> JoinRequest | None:
    # Locked, so a withdrawal racing an approval cannot turn the approved request back into a withdrawn one.
    join = db.session.scalar(sa.select(JoinRequest).where(
        JoinRequest.user_id == user.id, JoinRequest.status == "pending").with_for_update())
    if join is not None:
        join.status, join.decided_at = "withdrawn", utcnow()
        record_event(user, "organisation.join_withdrawn", "organisation_join_request", join.id,
                     organisation_id=join.organisation_id)
    return join


def _close_pending_requests(user: User) -> None:
    for join in db.session.scalars(
            sa.select(JoinRequest).where(JoinRequest.user_id == user.id, JoinRequest.status == "pending")):
        join.status, join.decided_at = "withdrawn", utcnow()


def make_member(user: User, organisation_id: int, role: str) -> None:
    """Make user an active member (the one place that sets organisation_id for a decided path)."""
    user.organisation_id, user.organisation_role = organisation_id, role
    _close_pending_requests(user)


def decide_request(actor: User, organisation_id: int, request_id: int, approve: bool,
                   role: str = "member") -> JoinRequest:
    """Approve or refuse a pending request to join `organisation_id`. LookupError if no such request there."""
    if not can_manage(actor, organisation_id):
        raise ForbiddenError(_("Only an admin of this organisation or a platform admin decides."))
    join = db.session.scalar(sa.select(JoinRequest).where(
        JoinRequest.id == request_id, JoinRequest.organisation_id == organisation_id).with_for_update())
    if join is None:
        raise NotFoundError()
    if join.status != "pending":
        raise MembershipError(_("This request is decided already."))
    if role not in ("admin", "member"):
        raise MembershipError(_("Choose admin or member."))
    requester = db.session.scalar(sa.select(User).where(User.id == join.user_id).with_for_update())
    if approve:
        check_may_admit(actor, organisation_id)
        if requester.organisation_id is not None:
            raise MembershipError(_("%(name)s is a member of an organisation already.", name=requester.name))
        make_member(requester, organisation_id, role)
    join.status = "approved" if approve else "refused"
    join.decided_by_id, join.decided_at = actor.id, utcnow()
    record_event(actor, f"organisation.join_{join.status}", "organisation_join_request", join.id,
                 organisation_id=organisation_id, user_id=requester.id, role=role if approve else None)
    request_job(f"notify_join_decided-{join.id}", "workers.organisations.join_decided", join.id)
    return join


def _member(organisation_id: int, user_id: int) -> User:
    # Locking the organisation's admins serialises role changes, so two admins demoting each other at
    # once cannot leave the organisation without one.
    db.session.execute(sa.select(User.id).where(
        User.organisation_id == organisation_id, User.organisation_role == "admin").with_for_update())
    user = db.session.scalar(sa.select(User).where(User.id == user_id, User.organisation_id == organisation_id))
    if user is None:
        raise NotFoundError()
    return user


def set_role(actor: User, organisation_id: int, user_id: int, role: str) -> User:
    """Promote a member to admin or demote an admin; never demote the last admin."""
    if not can_manage(actor, organisation_id):
        raise ForbiddenError(_("Only an admin of this organisation or a platform admin changes roles."))
    if role not in ("admin", "member"):
        raise MembershipError(_("Choose admin or member."))
    user = _member(organisation_id, user_id)
    if user.organisation_role == "admin" and role == "member" and admin_count(organisation_id) <= 1:
        raise MembershipError(_("An organisation keeps at least one admin: make someone else admin first."))
    previous, user.organisation_role = user.organisation_role, role
    record_event(actor, "organisation.role_changed", "user", user.id, organisation_id=organisation_id,
                 previous=previous, role=role)
    db.session.flush()
    return user


def remove_member(actor: User, organisation_id: int, user_id: int) -> User:
    """End a user's membership (they keep the account, with no rights); never remove the last admin."""
    if not can_manage(actor, organisation_id):
        raise ForbiddenError(_("Only an admin of this organisation or a platform admin removes members."))
    user = _member(organisation_id, user_id)
    if user.organisation_role == "admin" and admin_count(organisation_id) <= 1:
        raise MembershipError(_("An organisation keeps at least one admin: make someone else admin first."))
    user.organisation_id, user.organisation_role = None, None
    record_event(actor, "organisation.member_removed", "user", user.id, organisation_id=organisation_id)
    db.session.flush()
    return user


def register_organisation(user: User, name: str, kind: str, org_type: str, country: str, sme: bool) -> Organisation:
    """Register a new organisation with user as its first admin. Buyers wait for platform verification."""
    _check_can_join(user)
    name = name.strip()
    exists = db.session.scalar(sa.select(Organisation.id).where(
        sa.func.lower(Organisation.name) == name.lower(), Organisation.country == country.upper()))
    if exists is not None:
        raise MembershipError(_("This organisation is registered already: search for it and ask to join."))
    organisation = Organisation(name=name, kind=kind, org_type=org_type, country=country.upper(),
                                sme=sme and kind == "supplier")
    db.session.add(organisation)
    db.session.flush()
    make_member(user, organisation.id, "admin")
    record_event(user, "organisation.registered", "organisation", organisation.id, name=name, kind=kind)
    db.session.flush()
    return organisation


def set_email_domain(actor: User, organisation_id: int, domain: str) -> Organisation:
    """Set (or clear, with "") an organisation's verified e-mail domain. Platform admins only."""
    if not actor.is_admin:
        raise ForbiddenError(_("Only a platform admin verifies an e-mail domain."))
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFoundError()
    domain = (domain or "").strip().lower().lstrip("@")
    if domain and not DOMAIN_PATTERN.match(domain):
        raise MembershipError(_("Give a domain such as example.org."))
    if domain and db.session.scalar(sa.select(Organisation.id).where(
            Organisation.email_domain == domain, Organisation.id != organisation_id)):
        raise MembershipError(_("Another organisation has this domain."))
    organisation.email_domain = domain or None
    record_event(actor, "organisation.email_domain_set", "organisation", organisation.id, domain=domain or None)
    db.session.flush()
    return organisation
