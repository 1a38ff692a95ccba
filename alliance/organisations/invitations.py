"""Invitations: an organisation admin mails a link that makes its holder an active member. Flush, never commit.

The token is shown only in the mail; the database keeps its SHA-256. A link works once, until it expires
or is revoked, and only for the invited address.
"""

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from alliance.audit import record_event
from alliance.auth.passwords import hash_password, normalise_email
from alliance.errors import ForbiddenError, NotFoundError
from alliance.extensions import db
from alliance.language.recipients import page_locale, written_for
from alliance.mail import queue_mail
from alliance.models import Invitation, Organisation, User
from alliance.models.base import utcnow
from alliance.models.user import new_session_nonce
from alliance.organisations.membership import MembershipError, can_manage, check_may_admit, make_member
from alliance.public_address import public_url
from alliance.settings.tokens import hash_token

INVITATION_DAYS = 7


def open_invitations(organisation_id: int) -> list[Invitation]:
    return db.session.scalars(sa.select(Invitation).where(
        Invitation.organisation_id == organisation_id, Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow(),
    ).order_by(Invitation.created_at)).all()


def invite(actor: User, organisation_id: int, email: str, role: str) -> Invitation:
    """Invite an address as member or admin; an earlier open invitation of the address is replaced."""
    if not can_manage(actor, organisation_id):
        raise ForbiddenError(_("Only an admin of this organisation or a platform admin invites."))
    if role not in ("admin", "member"):
        raise MembershipError(_("Choose admin or member."))
    check_may_admit(actor, organisation_id)
    email = normalise_email(email)
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFoundError()
    if db.session.scalar(sa.select(User.id).where(User.email == email, User.organisation_id == organisation_id)):
        raise MembershipError(_("This address is a member already."))
    for earlier in open_invitations(organisation_id):
        if earlier.email == email:
            earlier.revoked_at = utcnow()
    token = secrets.token_urlsafe(32)
    invitation = Invitation(organisation_id=organisation_id, email=email, role=role, token_hash=hash_token(token),
                            invited_by_id=actor.id, expires_at=utcnow() + timedelta(days=INVITATION_DAYS))
    db.session.add(invitation)
    db.session.flush()
    record_event(actor, "organisation.invited", "organisation_invitation", invitation.id,
                 organisation_id=organisation_id, email=email, role=role)
    # The invitee's language if the address has an account; else the inviter's page language, the best
    # guess for a colleague of the same organisation.
    invitee = db.session.scalar(sa.select(User).where(User.email == email))
    with written_for(invitee, fallback=page_locale()):
        subject = _("%(name)s invites you to %(organisation)s on alliance", name=actor.name,
                    organisation=organisation.name)
        invited = (_("%(name)s invites you to join %(organisation)s on alliance as an admin.", name=actor.name,
                     organisation=organisation.name) if role == "admin" else
                   _("%(name)s invites you to join %(organisation)s on alliance as a member.", name=actor.name,
                     organisation=organisation.name))
        body = "\n\n".join([
            _("Hello,"),
            invited + " " + _("Open this link within %(days)d days to accept (it works once):", days=INVITATION_DAYS),
            "[[invitation_link]]",
            _("If you do not know this organisation, ignore this mail."),
        ])
    queue_mail(email, subject, body + "\n",
               secret_links={"invitation_link": public_url("organisations.invitation", token=token)})
    return invitation


def revoke(actor: User, organisation_id: int, invitation_id: int) -> Invitation:
    if not can_manage(actor, organisation_id):
        raise ForbiddenError(_("Only an admin of this organisation or a platform admin revokes invitations."))
    invitation = db.session.scalar(sa.select(Invitation).where(
        Invitation.id == invitation_id, Invitation.organisation_id == organisation_id))
    if invitation is None:
        raise NotFoundError()
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        record_event(actor, "organisation.invitation_revoked", "organisation_invitation", invitation.id,
                     organisation_id=organisation_id)
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    """The open invitation of a link, or None (unknown, used, revoked or expired)."""
    if not token or len(token) > 200:
        return None
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == hash_token(token)))
    return invitation if invitation is not None and invitation.is_open else None


def accept(user: User, token: str) -> Invitation:
    """Make user an active member as invited. Only for the invited address, once."""
    invitation = invitation_for_token(token)
    if invitation is None:
        raise MembershipError(_("This invitation is invalid, used, revoked or expired. Ask for a new one."))
    if user.email != invitation.email:
        raise MembershipError(_("This invitation is for another e-mail address: log in with that one."))
    if user.organisation_id is not None:
        raise MembershipError(_("You are a member of an organisation already; an account belongs to one."))
    # Claimed with a conditional update, so two clicks at once cannot both use the link.
    claimed = db.session.execute(
        sa.update(Invitation).where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None),
                                    Invitation.revoked_at.is_(None))
        .values(accepted_at=utcnow(), accepted_by_id=user.id)
    ).rowcount
    if not claimed:
        raise MembershipError(_("This invitation is used already."))
    make_member(user, invitation.organisation_id, invitation.role)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()  # the link came to this mailbox
    record_event(user, "organisation.invitation_accepted", "organisation_invitation", invitation.id,
                 organisation_id=invitation.organisation_id, role=invitation.role)
    db.session.flush()
    return invitation


def account_exists(email: str) -> bool:
    """Whether the address has a confirmed account (an unconfirmed one proves nothing about its holder)."""
    return db.session.scalar(sa.select(User.id).where(
        User.email == normalise_email(email), User.email_confirmed_at.is_not(None))) is not None


def register_and_accept(token: str, name: str, password: str) -> User:
    """Create the invited address's account (confirmed by the link) and accept the invitation.

    An unconfirmed account of the address is taken over (new name and password, its sessions ended): it
    may have been registered by someone who never owned the mailbox the invitation came to.
    """
    invitation = invitation_for_token(token)
    if invitation is None:
        raise MembershipError(_("This invitation is invalid, used, revoked or expired. Ask for a new one."))
    if account_exists(invitation.email):
        raise MembershipError(_("This address has an account: log in to accept the invitation."))
    user = db.session.scalar(sa.select(User).where(User.email == invitation.email))
    if user is None:
        user = User(email=invitation.email)
        db.session.add(user)
    user.name, user.password_hash = name.strip(), hash_password(password)
    user.session_nonce, user.email_confirmed_at = new_session_nonce(), utcnow()
    db.session.flush()
    accept(user, token)
    return user
