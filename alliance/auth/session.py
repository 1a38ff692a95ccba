"""Flask-Login wiring: a session id is "<user id>:<session nonce>", so rotating the nonce ends old sessions."""

from flask import Flask, request

from alliance.extensions import db, login_manager
from alliance.models import User


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, nonce = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_nonce != nonce or not user.is_active:
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    from flask import abort, flash, redirect, url_for

    if request.path.startswith("/api/"):
        abort(401)
    flash(login_manager.login_message, "info")
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
