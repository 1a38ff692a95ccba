"""The HTML side of the app: blueprints, security headers, error pages, template helpers."""

import importlib

from flask import Flask, g, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException, SecurityError, default_exceptions

from alliance.criteria.categories import alliance_units
from alliance.disclosure.reasons import note_key
from alliance.disclosure.wording import held_reason_text, reason_of, reason_text
from alliance.errors import DomainError, StaleEditError
from alliance.extensions import db
from alliance.markdown import render_markdown

# Each module exposes `bp`, a flask.Blueprint. Add a feature's routes module here.
BLUEPRINT_MODULES = [
    "alliance.main.routes",
    "alliance.auth.routes",
    "alliance.admin.routes",
    "alliance.alliances.routes",
    "alliance.criteria.routes",
    "alliance.rounds.routes",
    "alliance.pledges",  # the package holds bp (its pages register on it)
    "alliance.summaries.routes",
    "alliance.tender.routes",
    "alliance.settings.routes",
    "alliance.signals.routes",
    "alliance.notifications.routes",
    "alliance.suppliers.routes",
    "alliance.dialogues.routes",
    "alliance.organisations.routes",
    "alliance.statements.routes",
    "alliance.health.routes",
]

# The navigation: (label, endpoint, who sees it).
NAVIGATION = [
    (_l("Alliances"), "alliances.index", "all"),
    (_l("Rounds"), "rounds.open_rounds", "all"),
    (_l("Summaries"), "summaries.index", "all"),
    (_l("Dialogues"), "dialogues.index", "all"),
    (_l("My pledges"), "pledges.mine", "buyer"),
    (_l("Readiness"), "suppliers.declarations", "supplier"),
    (_l("Subscriptions"), "suppliers.subscriptions", "supplier"),
    (_l("Admin"), "admin.index", "admin"),
]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def init_web(app: Flask) -> None:
    for name in BLUEPRINT_MODULES:
        app.register_blueprint(importlib.import_module(name).bp)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, render_http_error)
    app.register_error_handler(DomainError, render_domain_error)
    app.context_processor(lambda: {"navigation": _navigation()})
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(note_key, "note_key")
    app.add_template_filter(lambda reason: (note_key(reason), reason_text(reason)), "note_key_pair")
    app.add_template_filter(reason_text, "reason_text")
    app.add_template_filter(reason_of, "reason_of")
    app.add_template_filter(held_reason_text, "held_reason")
    app.add_template_global(_alliance_unit, "alliance_unit")


def _alliance_unit(alliance_id: int, category) -> str:
    """The unit code an alliance counts a category in, read once per request and alliance."""
    cache = g.setdefault("alliance_units", {})
    if alliance_id not in cache:
        cache[alliance_id] = alliance_units(alliance_id)
    return cache[alliance_id].get(category.id, category.unit)


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    # A signed-in user's page may hold their organisation's pledges or a lead's figures: neither the
    # browser (Back after logout on a shared computer) nor a shared cache may keep it. Read from g, so a
    # response that never loaded the user (a static file) costs no query; is_anonymous reads no column, so
    # a user expired by the request's commit is not loaded again either.
    user = g.get("_login_user")
    if user is not None and not user.is_anonymous:
        headers.setdefault("Cache-Control", "no-store")
    return response


def render_http_error(error: HTTPException):
    """JSON under /api/, else the error page. A failed request's transaction is rolled back first: after a
    database error the session refuses every query, and the page itself reads the logged-in user."""
    if isinstance(error, SecurityError):
        return error  # a Host outside TRUSTED_HOSTS: no page of ours, its links would need that host
    if error.code is None or error.code < 400:
        return error
    db.session.rollback()
    if request.path.startswith("/api/"):
        from alliance.api.errors import json_error_response

        response = json_error_response(error)
    else:
        response = make_response(render_template("errors/error.html", error=error), error.code)
    if "Allow" in dict(error.get_headers()):  # a 405 names the methods the address takes
        response.headers["Allow"] = dict(error.get_headers())["Allow"]
    return response


def render_domain_error(error: DomainError):
    """The one mapping of a refusal that domain code raised and no route handled: its status, and the JSON
    error under /api/ or the error page with its message. The transaction is rolled back first: nothing of a
    refused change is kept, and a stale edit's current version can only be read after the rollback."""
    db.session.rollback()
    if isinstance(error, StaleEditError):
        error.reload(db.session)
    if request.path.startswith("/api/"):
        from alliance.api.errors import json_domain_error

        return json_domain_error(error)
    page = default_exceptions[error.status](description=error.message or None)
    return make_response(render_template("errors/error.html", error=page), error.status)


def _navigation() -> list[tuple[str, str]]:
    if current_user.is_authenticated:
        kind = current_user.organisation.kind if current_user.organisation_id else None  # no rights without one
        roles = {"all", kind} | ({"admin"} if current_user.is_admin else set())
    else:
        roles = {"all"}
    return [(label, endpoint) for label, endpoint, role in NAVIGATION if role in roles]
