"""Flask-Login wiring and the server-side record of login sessions.

The Flask session cookie is signed, not stored, so on its own it stays valid until it expires however the
user logs out. Every login therefore also records a session row (the cookie holds its random id); the user
loader accepts a cookie only while its row exists and is younger than SESSION_DAYS. Logging out deletes the
row; a password change or reset deletes all of the user's rows (and rotates the session nonce in the id).
"""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_login import user_logged_in

from alliance.extensions import db, login_manager
from alliance.models import User, UserSession
from alliance.models.base import utcnow

SESSION_KEY = "_server_session"


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _oldest_valid():
    return utcnow() - timedelta(days=current_app.config["SESSION_DAYS"])


@user_logged_in.connect
def _record_session(_app, user: User, **_) -> None:
    """Every login_user() records a new server session. Committed here: a login is its own unit of work,
    and the row must exist before the response sets the cookie, whatever the view does afterwards."""
    old = session.pop(SESSION_KEY, None)
    if old:
        db.session.execute(sa.delete(UserSession).where(UserSession.token_hash == _hash(old)))
    db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id,
                                                    UserSession.created_at < _oldest_valid()))
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=_hash(token)))
    db.session.commit()
    session[SESSION_KEY] = token


def end_session() -> None:
    """Forget this browser's login session on the server (logout). Flushes; the caller commits."""
    token = session.get(SESSION_KEY)
    if token:
        db.session.execute(sa.delete(UserSession).where(UserSession.token_hash == _hash(token)))


def end_all_sessions(user: User) -> None:
    """Log the user out everywhere (password change or reset). Flushes; the caller commits."""
    db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id))


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, nonce = session_id.partition(":")
    token = session.get(SESSION_KEY)
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_nonce != nonce or not user.is_active:
        return None
    known = db.session.scalar(sa.select(UserSession.id).where(
        UserSession.token_hash == _hash(token), UserSession.user_id == user.id,
        UserSession.created_at >= _oldest_valid(),
    ))
    return user if known else None


@login_manager.unauthorized_handler
def unauthorized():
    from flask import abort, flash, redirect, url_for

    if request.path.startswith("/api/"):
        abort(401)
    flash(str(login_manager.login_message), "info")
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
