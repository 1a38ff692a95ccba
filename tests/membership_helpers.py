"""Helpers for the organisation membership tests: accounts without an organisation, links from the outbox."""

import re

import sqlalchemy as sa

from alliance.auth.passwords import hash_password
from alliance.extensions import db
from alliance.models import JoinRequest, MailMessage, User
from alliance.models.base import utcnow
from tests.factories import PASSWORD, csrf_token


def make_unattached_user(app, email, confirmed=True) -> int:
    """An account with no organisation (as after registering), confirmed or not."""
    with app.app_context():
        user = User(email=email, name=email.split("@")[0].title(), password_hash=hash_password(PASSWORD),
                    email_confirmed_at=utcnow() if confirmed else None)
        db.session.add(user)
        db.session.commit()
        return user.id


def set_role(app, user_id, role):
    with app.app_context():
        db.session.get(User, user_id).organisation_role = role
        db.session.commit()


def make_join_request(app, user_id, organisation_id) -> int:
    with app.app_context():
        row = JoinRequest(user_id=user_id, organisation_id=organisation_id)
        db.session.add(row)
        db.session.commit()
        return row.id


def mails_to(app, email) -> list[MailMessage]:
    with app.app_context():
        rows = db.session.scalars(sa.select(MailMessage).where(MailMessage.recipient == email)
                                  .order_by(MailMessage.id)).all()
        db.session.expunge_all()
        return rows


def link_in(body: str, path: str) -> str:
    """The path of the first link in a mail body that goes to `path` (e.g. /auth/confirm/)."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"[^\s]*)", body)
    assert match, body
    return match.group(1)


def post_form(client, url, page="/organisations/start", **data):
    data["csrf_token"] = csrf_token(client, page)
    return client.post(url, data=data)


def organisation_of(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        return user.organisation_id, user.organisation_role
