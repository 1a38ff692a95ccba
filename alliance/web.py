"""The HTML side of the app: blueprints, security headers, error pages, template helpers."""

import importlib

from flask import Flask, render_template, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from alliance.formatting import country_name, format_money
from alliance.markdown import render_markdown

# Each module exposes `bp`, a flask.Blueprint. Add a feature's routes module here.
BLUEPRINT_MODULES = [
    "alliance.main.routes",
    "alliance.auth.routes",
    "alliance.admin.routes",
    "alliance.alliances.routes",
    "alliance.criteria.routes",
    "alliance.rounds.routes",
    "alliance.pledges.routes",
    "alliance.summaries.routes",
    "alliance.tender.routes",
    "alliance.settings.routes",
    "alliance.signals.routes",
    "alliance.notifications.routes",
    "alliance.suppliers.routes",
    "alliance.dialogues.routes",
    "alliance.health.routes",
]

# The navigation: (label, endpoint, who sees it).
NAVIGATION = [
    ("Alliances", "alliances.index", "all"),
    ("Rounds", "rounds.open_rounds", "all"),
    ("Summaries", "summaries.index", "all"),
    ("Dialogues", "dialogues.index", "all"),
    ("My pledges", "pledges.mine", "buyer"),
    ("Readiness", "suppliers.declarations", "supplier"),
    ("Subscriptions", "suppliers.subscriptions", "supplier"),
    ("Admin", "admin.index", "admin"),
]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def init_web(app: Flask) -> None:
    for name in BLUEPRINT_MODULES:
        app.register_blueprint(importlib.import_module(name).bp)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.context_processor(lambda: {"navigation": _navigation()})
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(format_money, "money")
    app.add_template_filter(country_name, "country_name")


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
    return response


def _http_error(error: HTTPException):
    if request.path.startswith("/api/"):
        from alliance.api.errors import json_error_response

        return json_error_response(error)
    if error.code is None or error.code < 400:
        return error
    return render_template("errors/error.html", error=error), error.code


def _navigation() -> list[tuple[str, str]]:
    if current_user.is_authenticated:
        roles = {"all", current_user.organisation.kind} | ({"admin"} if current_user.is_admin else set())
    else:
        roles = {"all"}
    return [(label, endpoint) for label, endpoint, role in NAVIGATION if role in roles]
