"""Password hashing and checking. One place decides the algorithm (config PASSWORD_HASH_METHOD)."""

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from alliance.extensions import db
from alliance.models import User

# Checked against when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH: dict[str, str] = {}


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (same cost for unknown e-mail and wrong password)."""
    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_active:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        check_password_hash(_DUMMY_HASH.setdefault(method, generate_password_hash("x", method=method)), password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    return user
