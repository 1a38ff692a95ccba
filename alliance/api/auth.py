"""Bearer-token authentication for the API, and POST /api/v1/auth/token."""

import marshmallow as ma
from flask import g, request
from flask_babel import gettext as _

from alliance.api.blueprint import Blueprint
from alliance.api.errors import ErrorSchema, api_abort
from alliance.auth import limits
from alliance.auth.passwords import authenticate
from alliance.extensions import db
from alliance.models import User
from alliance.settings import tokens

blp = Blueprint("api_auth", __name__, url_prefix="/auth", description="Tokens for the API")


def token_user() -> User | None:
    """The user of the request's bearer token, or None when there is none. A bad token is a 401."""
    if "api_user" in g:
        return g.api_user
    header = request.headers.get("Authorization", "")
    user = None
    if header:
        scheme, _space, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            api_abort(401, _("Use 'Authorization: Bearer <token>'."), "invalid_token")
        user = tokens.user_of_token(token.strip())
        if user is None:
            api_abort(401, _("The token is unknown, revoked or expired."), "invalid_token")
        if user.organisation_id is None:
            api_abort(403, _("Your account is not an active member of an organisation."), "no_organisation")
    g.api_user = user
    return user


def require_user() -> User:
    user = token_user()
    if user is None:
        api_abort(401, _("This needs a bearer token: POST /api/v1/auth/token."), "unauthorized")
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
@limits.per_device
@blp.arguments(TokenRequestSchema)
@blp.response(200, TokenSchema)
@blp.alt_response(409, schema=ErrorSchema, description="The user has the most active tokens allowed; revoke one first")
def create_token(data):
    """Exchange an e-mail and password for an API token."""
    user = authenticate(data["email"], data["password"])
    if user is None:
        api_abort(401, _("Wrong e-mail or password."), "invalid_credentials")
    limits.mark_login_succeeded()
    if user.organisation_id is None:
        api_abort(403, _("Your account is not an active member of an organisation."), "no_organisation")
    _record, token = tokens.create_token(user, data["name"])  # too many: 409 too_many_tokens, by the mapping
    db.session.commit()
    return {"token": token}



def no_store_when_authenticated(response):
    """Answers to a bearer token (and the token itself) are the caller's alone: no cache may keep them,
    and a shared cache must not give an anonymous answer to a token holder or the other way round."""
    if request.path.startswith("/api/"):
        response.vary.add("Authorization")
        if request.headers.get("Authorization") or request.endpoint == "api_auth.create_token":
            response.headers["Cache-Control"] = "no-store"
    return response
