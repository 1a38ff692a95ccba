"""The JSON API (v1) under /api/v1: flask-smorest blueprints that validate with the same marshmallow
schemas that generate /api/v1/openapi.json. Authentication is by bearer token only, never the session
cookie, so the API is exempt from CSRF."""

import importlib

from flask import Flask
from flask_smorest import Api
from flask_smorest.pagination import PaginationMetadataSchema

from alliance.api.errors import ErrorSchema
from alliance.api.security import authenticate_api_request
from alliance.extensions import csrf, limiter

# Each module exposes `blp`, a flask_smorest.Blueprint. Add a feature's API module here.
API_MODULES = [
    "alliance.api.auth",
    "alliance.api.alliances",
    "alliance.api.pledges",
    "alliance.api.summaries",
    "alliance.api.signals",
    "alliance.api.suppliers",
    "alliance.api.dialogues",
]


class AllianceApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        """Errors are rendered by alliance.web for the whole app (JSON under /api/, HTML elsewhere)."""

    def _register_pagination_header(self):
        """X-Pagination holds a JSON object: documented as such (as `content`), not as a bare object schema,
        which OpenAPI would read as comma-separated `name,value` pairs."""
        self.spec.components.header("PAGINATION", {
            "description": "Pagination metadata, a JSON object",
            "content": {"application/json": {"schema": PaginationMetadataSchema}},
        }, lazy=True)


def init_api(app: Flask) -> None:
    api = AllianceApi()  # one per app: the spec it builds belongs to that app
    api.init_app(
        app,
        spec_kwargs={
            "info": {"description": "Pooled, disclosure-controlled demand for sustainable public procurement."},
            "servers": [{"url": "/"}],
        },
    )
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    app.before_request(authenticate_api_request)
    from alliance.api.auth import no_store_when_authenticated

    app.after_request(no_store_when_authenticated)
    for name in API_MODULES:
        blp = importlib.import_module(name).blp
        csrf.exempt(blp)
        limiter.limit(app.config["API_RATE_LIMIT"], key_func=_rate_limit_key)(blp)
        api.register_blueprint(blp, url_prefix="/api/v1" + (blp.url_prefix or ""))


def _rate_limit_key() -> str:
    from flask import request

    auth = request.headers.get("Authorization", "")
    return auth[-16:] if auth.startswith("Bearer ") else (request.remote_addr or "unknown")
