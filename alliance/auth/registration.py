"""Registration with a confirmed e-mail address. Flush, never commit.

Registering says the same thing and mails exactly one message whether or not the address has an account,
so the form cannot be used to find out who is registered. An account gets no organisation here: that
comes from an approved join request, an invitation, or registering a new organisation.
"""

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from alliance.auth.passwords import hash_password, normalise_email
from alliance.extensions import db
from alliance.language.recipients import page_locale, written_for
from alliance.mail import queue_mail
from alliance.models import User
from alliance.models.base import utcnow
from alliance.models.user import new_session_nonce
from alliance.public_address import public_url

CONFIRM_MAX_AGE = 2 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="confirm-email")


def make_confirm_token(user: User) -> str:
    # The session nonce is in the token: a later registration of the same address voids earlier links.
    return _serializer().dumps({"id": user.id, "email": user.email, "nonce": user.session_nonce})


def register_account(email: str, name: str, password: str) -> None:
    """Start a registration: create an unconfirmed account and mail a confirmation link.

    An address with a confirmed account gets a warning mail instead, and nothing changes. An address with
    an unconfirmed account gets its name and password replaced and a fresh link (earlier links stop
    working): otherwise whoever registered a stranger's address first would hold its password.
    """
    email = normalise_email(email)
    password_hash = hash_password(password)  # hashed in every case, so all answers take the same time
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is not None and user.email_confirmed_at is not None:
        # The owner's language, never the page's: whoever typed the address may be someone else.
        with written_for(user):
            subject = _("Someone tried to register with your address")
            body = "\n\n".join([
                _("Hello %(name)s,", name=user.name),
                _("Someone tried to register a new alliance account with this e-mail address, which already has "
                  "one. If it was you, log in, or reset your password if you forgot it:"),
                public_url("auth.request_reset"),
                _("If it was not you, ignore this mail; nothing changed."),
            ])
        queue_mail(email, subject, body + "\n")
        return
    if user is None:
        user = User(email=email, name=name.strip(), password_hash=password_hash)
        db.session.add(user)
    else:
        user.name, user.password_hash, user.session_nonce = name.strip(), password_hash, new_session_nonce()
    db.session.flush()
    link = public_url("auth.confirm_email", token=make_confirm_token(user))
    # The language of the registration page: the one registering is the one who will read it.
    with written_for(user, fallback=page_locale()):
        subject = _("Confirm your e-mail address for alliance")
        body = "\n\n".join([
            _("Hello %(name)s,", name=user.name),
            _("Open this link within two days to confirm your address and finish registering:"),
            "[[confirm_link]]",
            _("If you did not register, ignore this mail; no account is used without the confirmation."),
        ])
    queue_mail(email, subject, body + "\n", secret_links={"confirm_link": link})


def confirm_email(token: str) -> User | None:
    """Confirm the account of a valid link and return it, or None for a bad, expired or replaced link."""
    try:
        data = _serializer().loads(token, max_age=CONFIRM_MAX_AGE)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    user = db.session.get(User, data["id"])
    if user is None or not user.is_active or user.email != data.get("email") or user.session_nonce != data.get("nonce"):
        return None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user
