"""Platform administration: verifying buyers, the SME flag, disabling users, admin rights. Flush, never commit."""

import re

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from alliance.audit import record_event
from alliance.auth.session import end_all_sessions
from alliance.errors import InvalidError, NotFoundError
from alliance.extensions import db
from alliance.models import AuditEvent, MailMessage, Organisation, User
from alliance.models.user import new_session_nonce


class AdminError(InvalidError):
    """A user-facing reason why an admin action was refused."""


def organisations_query(kind: str = "", status: str = "", search: str = "") -> sa.Select:
    """Organisations for the admin list: unverified buyers first (they wait for a decision), then by name."""
    query = sa.select(Organisation)
    if kind in ("buyer", "supplier"):
        query = query.where(Organisation.kind == kind)
    if status == "unverified":
        query = query.where(Organisation.kind == "buyer", Organisation.verified.is_(False))
    elif status == "verified":
        query = query.where(Organisation.verified.is_(True))
    if search.strip():
        query = query.where(Organisation.name.ilike(f"%{_escape_like(search.strip())}%", escape="\\"))
    waiting = sa.case((sa.and_(Organisation.kind == "buyer", Organisation.verified.is_(False)), 0), else_=1)
    return query.order_by(waiting, Organisation.name, Organisation.id)


def users_query(search: str = "") -> sa.Select:
    """Users for the admin list, searched by e-mail (case-insensitive substring)."""
    query = sa.select(User).outerjoin(User.organisation).options(orm.contains_eager(User.organisation))
    if search.strip():
        query = query.where(User.email.ilike(f"%{_escape_like(search.strip().lower())}%", escape="\\"))
    return query.order_by(User.email)


def mail_query() -> sa.Select:
    return sa.select(MailMessage).order_by(MailMessage.created_at.desc(), MailMessage.id.desc())


def audit_query() -> sa.Select:
    return sa.select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


def actor_emails(events: list[AuditEvent]) -> dict[int, str]:
    """The e-mail of each actor of the given events, in one query."""
    ids = {event.actor_id for event in events if event.actor_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.email).where(User.id.in_(ids))).all())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _organisation(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFoundError()
    return organisation


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFoundError()
    return user


def set_verified(actor: User, organisation_id: int, verified: bool) -> Organisation:
    """Verify a buyer organisation as a public body (or withdraw that). Suppliers are not verified."""
    organisation = _organisation(organisation_id)
    if not organisation.is_buyer:
        raise AdminError(_("Only buyer organisations are verified as public bodies."))
    if organisation.verified != verified:
        organisation.verified = verified
        record_event(actor, "organisation.verified" if verified else "organisation.unverified", "organisation",
                     organisation.id, name=organisation.name)
    return organisation


def set_sme(actor: User, organisation_id: int, sme: bool) -> Organisation:
    """Set or clear the SME flag of a supplier organisation."""
    organisation = _organisation(organisation_id)
    if not organisation.is_supplier:
        raise AdminError(_("The SME flag is for supplier organisations."))
    if organisation.sme != sme:
        organisation.sme = sme
        record_event(actor, "organisation.sme_set" if sme else "organisation.sme_cleared", "organisation",
                     organisation.id, name=organisation.name)
    return organisation


# org-id.guide list codes: a country code (or XI/XM for international lists), a hyphen, the list's own code.
ORG_ID_SCHEME = re.compile(r"^[A-Z]{2}-[A-Z0-9]{2,16}$")


def set_identifier(actor: User, organisation_id: int, scheme: str, identifier: str) -> Organisation:
    """Record an organisation's registered identifier: an org-id.guide list code (e.g. SE-BLV) and the id in
    that list. Both empty clears it. Exports show it only when set, and never make one up."""
    organisation = _organisation(organisation_id)
    scheme, identifier = (scheme or "").strip().upper(), (identifier or "").strip()
    if bool(scheme) != bool(identifier):
        raise AdminError(_("Give both the identifier's list (scheme) and the identifier, or neither."))
    if scheme and not ORG_ID_SCHEME.match(scheme):
        raise AdminError(_("'%(scheme)s' is not an org-id.guide list code such as SE-BLV or GB-COH.", scheme=scheme[:20]))
    if len(identifier) > 60 or any(character.isspace() for character in identifier):
        raise AdminError(_("The identifier is at most 60 characters, without spaces."))
    if (organisation.identifier_scheme, organisation.identifier) != (scheme, identifier):
        organisation.identifier_scheme, organisation.identifier = scheme, identifier
        record_event(actor, "organisation.identifier_set", "organisation", organisation.id, name=organisation.name,
                     scheme=scheme, identifier=identifier)
    return organisation


def set_disabled(actor: User, user_id: int, disabled: bool) -> User:
    """Disable a user (ends their sessions; their API tokens stop working) or enable them again."""
    user = _user(user_id)
    if user.id == actor.id:
        raise AdminError(_("You cannot disable your own account."))
    if user.disabled != disabled:
        user.disabled = disabled
        if disabled:
            user.session_nonce = new_session_nonce()
            end_all_sessions(user)
        record_event(actor, "user.disabled" if disabled else "user.enabled", "user", user.id, email=user.email)
    return user


def set_admin(actor: User, user_id: int, is_admin: bool) -> User:
    """Grant or revoke platform admin rights; never on one's own account (no self-lockout, no self-grant)."""
    user = _user(user_id)
    if user.id == actor.id:
        raise AdminError(_("You cannot change your own admin rights; ask another admin."))
    if user.is_admin != is_admin:
        user.is_admin = is_admin
        record_event(actor, "user.admin_granted" if is_admin else "user.admin_revoked", "user", user.id,
                     email=user.email)
    return user
