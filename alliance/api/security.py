"""Who may call an API operation, enforced and documented in one place.

`@requires_token(blp)` goes right under `@blp.route`, above `@blp.arguments`, so a request without a valid
bearer token is a 401 before its body or query is validated; it also declares the bearer scheme and the 401
in the OpenAPI document. `@optional_token(blp)` documents operations that answer anyone but show more to a
token's holder (a bad token is still a 401: see `authenticate_api_request`). `@error_responses(blp, 403, 404)`
documents the other errors an operation returns, each with the error schema.
"""

import functools
from http import HTTPStatus

from flask import request

from alliance.api.auth import require_user, token_user
from alliance.api.errors import ErrorSchema

BEARER = [{"bearerAuth": []}]
BEARER_OR_NONE = [{}, {"bearerAuth": []}]
UNAUTHORIZED = "No bearer token, or one that is unknown, revoked or expired (code unauthorized or invalid_token)"


def requires_token(blp):
    def decorator(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            require_user()
            return view(*args, **kwargs)

        checked = blp.doc(security=BEARER)(checked)
        return blp.alt_response(401, schema=ErrorSchema, description=UNAUTHORIZED)(checked)

    return decorator


def optional_token(blp):
    def decorator(view):
        view = blp.doc(security=BEARER_OR_NONE)(view)
        return blp.alt_response(401, schema=ErrorSchema, description="A bearer token that is unknown, revoked or "
                                                                      "expired (code invalid_token)")(view)

    return decorator


def error_responses(blp, *statuses: int, **descriptions: str):
    """Document each status with the error schema; `descriptions` by name, e.g. not_found="No such pledge"."""
    def decorator(view):
        for status in statuses:
            phrase = HTTPStatus(status).phrase
            description = descriptions.get(phrase.lower().replace(" ", "_"), phrase)
            view = blp.alt_response(status, schema=ErrorSchema, description=description)(view)
        return view

    return decorator


def authenticate_api_request() -> None:
    """Before any API view: a bad bearer token is a 401 everywhere (except where tokens are made), before the
    body is read."""
    if request.path.startswith("/api/") and request.endpoint != "api_auth.create_token":
        token_user()
