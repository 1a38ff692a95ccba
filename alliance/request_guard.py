"""Checks every request passes before a view reads it: body size by kind, JSON shape, and text and numbers the
database can hold. Each refusal is a short 4xx that never echoes the body back.

- JSON bodies under /api/ are bounded well below the upload limit (API_MAX_BODY_BYTES): parsing and validating
  megabytes of keys costs seconds of CPU, and no API operation needs more.
- Form posts without files are bounded too (FORM_MAX_BODY_BYTES); only multipart uploads (the pledge import)
  may reach MAX_CONTENT_LENGTH.
- JSON nested deeper than MAX_JSON_DEPTH is refused before anything walks it recursively.
- NUL characters and lone UTF-16 surrogates cannot be stored in PostgreSQL text (nor encoded as UTF-8).
- A JSON integer beyond 64 bits fits no column; values between the columns' range and 64 bits are left to
  the schemas and to the database error handler below.
"""

import json

import sqlalchemy.exc
from flask import Flask, abort, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from alliance.extensions import db

MAX_JSON_DEPTH = 32
MAX_BIGINT = 2**63 - 1


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, where a document too deep for Python's parser is malformed input (a 400), not a crash."""

    def loads(self, s, **kwargs):
        try:
            return json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError(_("The JSON document is nested too deeply.")) from None


def init_request_guard(app: Flask) -> None:
    app.json = GuardedJSONProvider(app)
    # First of all before_request functions: CSRF protection and the login check read the form otherwise.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_oversized_body)
    app.before_request(refuse_unstorable_input)
    app.register_error_handler(sqlalchemy.exc.DataError, _database_refused_value)
    app.register_error_handler(OverflowError, _database_refused_value)


def body_limit() -> int | None:
    """The most bytes this request's body may have (None: MAX_CONTENT_LENGTH, for file uploads)."""
    if request.path.startswith("/api/"):
        return current_app.config["API_MAX_BODY_BYTES"]
    if request.mimetype == "multipart/form-data":
        return None
    return current_app.config["FORM_MAX_BODY_BYTES"]


def refuse_oversized_body() -> None:
    """A body over its kind's limit is a 413 before any of it is read; werkzeug also stops a chunked body
    (no Content-Length) at the same limit."""
    limit = body_limit()
    if limit is None:
        return
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        abort(413, _("The request body is larger than %(size)s KB, the most this address accepts.", size=limit // 1024))


def refuse_unstorable_input() -> None:
    """A 400 for a NUL character or a lone surrogate anywhere in the path, query, form or JSON body (PostgreSQL
    would fail on it wherever the value is compared or stored), for JSON nested deeper than MAX_JSON_DEPTH and
    for a JSON integer that fits no column."""
    values = [request.path, *(v for _, vs in request.args.lists() for v in vs)]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values.extend(v for _, vs in request.form.lists() for v in vs)
    if request.is_json and request.content_length != 0:
        values.extend(_json_strings(request.get_json()))  # malformed JSON: werkzeug's 400
    for value in values:
        if "\x00" in value:
            abort(400, _("The request contains a NUL character, which no field accepts."))
        if not _encodable(value):
            abort(400, _("The request contains text that is not valid Unicode (a lone UTF-16 surrogate)."))


def _json_strings(data) -> list[str]:
    """Every string in a JSON document, keys included; a 400 for one too deep or with an oversized integer."""
    strings: list[str] = []
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, bool) or value is None or isinstance(value, float):
            continue
        elif isinstance(value, int):
            if abs(value) > MAX_BIGINT:
                abort(400, _("The request contains a number too large for any field."))
        elif depth > MAX_JSON_DEPTH:
            abort(400, _("The JSON document is nested more than %(max)d levels deep.", max=MAX_JSON_DEPTH))
        elif isinstance(value, dict):
            strings.extend(value.keys())
            stack.extend((item, depth + 1) for item in value.values())
        else:
            stack.extend((item, depth + 1) for item in value)
    return strings


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _database_refused_value(error: Exception):
    """The database refused a value (an integer beyond its column, text it cannot store): the request's
    fault, so a 400, after rolling back so the error page itself can still read the database."""
    from alliance.web import render_http_error  # the error pages live with the HTML side

    db.session.rollback()
    return render_http_error(BadRequest(_("A value in the request is out of range for its field.")))
