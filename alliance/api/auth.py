"""Bearer-token authentication for the API, and POST /api/v1/auth/token."""

import hashlib
import secrets
from datetime import timedelta

import marshmallow as ma
import sqlalchemy as sa
from flask import g, request
from flask_smorest import Blueprint

from alliance.api.errors import api_abort
from alliance.auth import limits
from alliance.auth.passwords import authenticate
from alliance.extensions import db
from alliance.models import ApiToken, User
from alliance.models.base import utcnow

blp = Blueprint("api_auth", __name__, url_prefix="/auth", description="Tokens for the API")
TOKEN_PREFIX = "alc_"
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for user; returns the row and the token text (shown once, only its hash is kept)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, name=name[:80], token_hash=hash_token(token), prefix=token[:10])
    db.session.add(row)
    db.session.flush()
    return row, token


def token_user() -> User | None:
    """The user of the request's bearer token, or None when there is none. A bad token is a 401."""
    if "api_user" in g:
        return g.api_user
    header = request.headers.get("Authorization", "")
    user = None
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            api_abort(401, "Use 'Authorization: Bearer <token>'.", "invalid_token")
        row = db.session.scalar(
            sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token.strip()), ApiToken.revoked_at.is_(None))
        )
        if row is None or not row.user.is_active:
            api_abort(401, "The token is unknown or revoked.", "invalid_token")
        _note_use(row)
        user = row.user
    g.api_user = user
    return user


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


def require_user() -> User:
    user = token_user()
    if user is None:
        api_abort(401, "This needs a bearer token: POST /api/v1/auth/token.", "unauthorized")
    return user


class TokenRequestSchema(ma.Schema):
    email = ma.fields.Email(required=True, validate=ma.validate.Length(max=254))
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    name = ma.fields.String(load_default="API token", validate=ma.validate.Length(max=80))


class TokenSchema(ma.Schema):
    token = ma.fields.String(required=True)


@blp.route("/token", methods=["POST"])
@limits.per_address
@limits.per_account
@blp.arguments(TokenRequestSchema)
@blp.response(200, TokenSchema)
def create_token(data):
    """Exchange an e-mail and password for an API token."""
    user = authenticate(data["email"], data["password"])
    if user is None:
        api_abort(401, "Wrong e-mail or password.", "invalid_credentials")
    limits.mark_login_succeeded()
    _, token = issue_token(user, data["name"])
    db.session.commit()
    return {"token": token}

