"""API tokens: issuing, expiry, the cap on active tokens, revoking. Only a token's SHA-256 is stored; its
text is shown once. The settings page and POST /api/v1/auth/token both create tokens through create_token."""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from alliance.audit import record_event
from alliance.errors import ConflictError, InvalidError, NotFoundError
from alliance.extensions import db
from alliance.models import ApiToken, User
from alliance.models.base import utcnow

LAST_USED_PRECISION = timedelta(minutes=1)  # "last used" is written at most this often

MAX_ACTIVE_TOKENS = 20
TOKEN_PREFIX = "alc_"


class TokenError(InvalidError):
    """The token cannot be made as asked (no name)."""


class TooManyTokensError(ConflictError):
    """The user has the most active tokens allowed; one must be revoked first."""

    code = "too_many_tokens"


class TokenNotFoundError(NotFoundError):
    """No active token of this user has this id (another user's tokens are not theirs to know of)."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_active():
    """The SQL condition of a token that still works: not revoked, not expired."""
    return sa.and_(ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow())


def issue_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for user, expiring after API_TOKEN_DAYS; returns the row and the token text."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, name=name[:80], token_hash=hash_token(token), prefix=token[:10],
                   expires_at=utcnow() + timedelta(days=current_app.config["API_TOKEN_DAYS"]))
    db.session.add(row)
    db.session.flush()
    return row, token


def user_of_token(token: str) -> User | None:
    """The active user whose working token this is, or None (unknown, revoked or expired)."""
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token), is_active()))
    if row is None or not row.user.is_active:
        return None
    _note_use(row)
    return row.user


def _note_use(row: ApiToken) -> None:
    """Record when the token was last used, at most once a minute and outside the request's transaction:
    a read commits nothing, and a burst of calls does not queue up on one row."""
    now = utcnow()
    if row.last_used_at is not None and now - row.last_used_at < LAST_USED_PRECISION:
        return
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(ApiToken)
            .where(ApiToken.id == row.id)
            .where(sa.or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - LAST_USED_PRECISION))
            .values(last_used_at=now)
        )


def active_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id, is_active())
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for user; returns the row and the token text, which is never retrievable again."""
    name = (name or "").strip()
    if not name:
        raise TokenError(_("Name the token, e.g. after the script or service that uses it."))
    if len(active_tokens(user)) >= MAX_ACTIVE_TOKENS:
        raise TooManyTokensError(_("You have %(max)d active tokens; revoke one you no longer use first.", max=MAX_ACTIVE_TOKENS))
    row, token = issue_token(user, name)
    record_event(user, "api_token.created", "api_token", row.id, prefix=row.prefix, name=row.name)
    return row, token


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (someone else's is reported as missing)."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise TokenNotFoundError(_("No such active token."))
    row.revoked_at = utcnow()
    record_event(user, "api_token.revoked", "api_token", row.id, prefix=row.prefix, name=row.name)
    db.session.flush()
    return row


def revoke_all_tokens(user: User, reason: str) -> int:
    """Revoke every token of the user (e.g. when the password changes); returns how many."""
    revoked = db.session.execute(
        sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow())
    ).rowcount
    if revoked:
        record_event(user, "api_token.revoked_all", "user", user.id, count=revoked, reason=reason)
    return revoked
