"""API tokens a user manages in settings. Only a token's SHA-256 is stored; its text is shown once."""

import sqlalchemy as sa

from alliance.api.auth import issue_token
from alliance.audit import record_event
from alliance.extensions import db
from alliance.models import ApiToken, User
from alliance.models.base import utcnow

MAX_ACTIVE_TOKENS = 20


class TokenError(Exception):
    pass


def active_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for user; returns the row and the token text, which is never retrievable again."""
    name = (name or "").strip()
    if not name:
        raise TokenError("Name the token, e.g. after the script or service that uses it.")
    if len(active_tokens(user)) >= MAX_ACTIVE_TOKENS:
        raise TokenError(f"You have {MAX_ACTIVE_TOKENS} active tokens; revoke one you no longer use first.")
    row, token = issue_token(user, name)
    record_event(user, "api_token.created", "api_token", row.id, prefix=row.prefix, name=row.name)
    return row, token


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (someone else's is reported as missing)."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise TokenError("No such active token.")
    row.revoked_at = utcnow()
    record_event(user, "api_token.revoked", "api_token", row.id, prefix=row.prefix, name=row.name)
    db.session.flush()
    return row
