"""Account operations: registration, password changes and reset tokens. Flush, never commit."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from alliance.auth.passwords import hash_password, normalise_email
from alliance.auth.session import end_all_sessions
from alliance.errors import InvalidError
from alliance.extensions import db
from alliance.language.recipients import page_locale, written_for
from alliance.mail import queue_mail
from alliance.models import Organisation, User
from alliance.models.base import utcnow
from alliance.models.user import new_session_nonce
from alliance.public_address import public_url
from alliance.settings.tokens import revoke_all_tokens

RESET_MAX_AGE = 3600


class AccountError(InvalidError):
    """A user-facing reason why an account operation was refused; `field` names the form field."""


@dataclass
class NewOrganisation:
    name: str
    kind: str
    org_type: str
    country: str
    sme: bool = False


def email_taken(email: str) -> bool:
    return db.session.scalar(sa.select(User.id).where(User.email == normalise_email(email))) is not None


def create_user(
    email: str, name: str, password: str, organisation: Organisation | NewOrganisation, is_admin: bool = False,
    role: str | None = None,
) -> User:
    """Create a confirmed, active account in a new organisation (unverified) or an existing one.

    For trusted callers only (the create-user command, tests): it skips e-mail confirmation and approval.
    The role defaults to admin of a new organisation and member of an existing one.
    """
    if email_taken(email):
        raise AccountError(_("An account with this e-mail address exists already."), "email")
    if isinstance(organisation, NewOrganisation):
        existing = db.session.scalar(
            sa.select(Organisation).where(
                sa.func.lower(Organisation.name) == organisation.name.strip().lower(),
                Organisation.country == organisation.country,
            )
        )
        if existing is not None:
            raise AccountError(_("This organisation is registered already: choose it from the list."), "organisation_name")
        organisation = Organisation(
            name=organisation.name.strip(), kind=organisation.kind, org_type=organisation.org_type,
            country=organisation.country.upper(), sme=organisation.sme and organisation.kind == "supplier",
        )
        db.session.add(organisation)
        role = role or "admin"
    user = User(email=normalise_email(email), name=name.strip(), password_hash=hash_password(password),
                organisation=organisation, organisation_role=role or "member", is_admin=is_admin,
                email_confirmed_at=utcnow())
    db.session.add(user)
    db.session.flush()
    return user


def set_password(user: User, password: str) -> None:
    """Set a new password, log the user out everywhere and revoke the user's API tokens: whoever knew the
    old password may have logged in or made a token with it. The caller logs the current browser back in."""
    user.password_hash = hash_password(password)
    user.session_nonce = new_session_nonce()
    end_all_sessions(user)
    revoke_all_tokens(user, "password changed")


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user: User) -> str:
    # The session nonce is in the token: once the password changes, the token stops working.
    return _reset_serializer().dumps({"id": user.id, "nonce": user.session_nonce})


def user_for_reset_token(token: str) -> User | None:
    try:
        data = _reset_serializer().loads(token, max_age=RESET_MAX_AGE)
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("id")) if isinstance(data, dict) else None
    if user is None or user.session_nonce != data.get("nonce") or not user.is_active:
        return None
    return user


def send_reset_mail(email: str) -> None:
    """Mail a reset link if the address has an account; say nothing either way (no account probing)."""
    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_active:
        return
    link = public_url("auth.reset_password", token=make_reset_token(user))
    # In the account's language; without one, the page's: whoever asks is most likely the owner.
    with written_for(user, fallback=page_locale()):
        subject = _("Reset your alliance password")
        body = "\n\n".join([
            _("Hello %(name)s,", name=user.name),
            _("Someone asked to reset the password of your alliance account. If it was you, open this link "
              "within an hour:"),
            "[[reset_link]]",
            _("If it was not you, ignore this mail; nothing changes."),
        ])
    queue_mail(user.email, subject, body + "\n", secret_links={"reset_link": link})
