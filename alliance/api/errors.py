"""JSON errors of the API: {"error": {"code": "...", "message": "...", "fields": {...}}} with a 4xx status."""

import marshmallow as ma
from flask import jsonify
from flask_babel import gettext as _
from flask_smorest import abort as smorest_abort
from werkzeug.exceptions import HTTPException, default_exceptions

from alliance.errors import DomainError

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


# How the API shows an object as stored now after a stale edit (StaleEdit.current), by model; a feature's API
# module registers its schema, e.g. CURRENT_SCHEMAS[Pledge] = PledgeSchema().
CURRENT_SCHEMAS: dict[type, ma.Schema] = {}


class ErrorDetailSchema(ma.Schema):
    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    fields = ma.fields.Dict(metadata={"description": "Per-field messages, for validation errors"})


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorDetailSchema, required=True)


def api_abort(status: int, message: str, code: str | None = None, fields: dict | None = None):
    """Stop the request with a JSON error; `code` is a stable machine-readable name."""
    smorest_abort(status, message=message, error_code=code or CODES.get(status, "error"), fields=fields)


def json_error_response(error: HTTPException):
    data = getattr(error, "data", None) or {}
    detail = {
        "code": data.get("error_code") or CODES.get(error.code, "error"),
        "message": data.get("message") or error.description or error.name,
    }
    fields = data.get("fields") or data.get("messages")
    if fields:
        detail["fields"] = _field_messages(fields)
        if error.code == 422 and not data.get("message"):
            detail["message"] = _("The request has invalid fields.")
    response = jsonify({"error": detail})
    response.status_code = error.code or 500
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    if error.code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="alliance"'
    return response


def json_domain_error(error: DomainError):
    """A refusal from domain code as the API's JSON error (alliance.web.render_domain_error calls it)."""
    detail = error.detail()
    detail["message"] = detail["message"] or default_exceptions[error.status].description
    if "fields" in detail:  # a list of messages per field, as marshmallow's own 422s give them
        detail["fields"] = {str(name): messages if isinstance(messages, list | dict) else [messages]
                            for name, messages in detail["fields"].items()}
    current = getattr(error, "current", None)
    if current is not None and type(current) in CURRENT_SCHEMAS:
        detail["current"] = CURRENT_SCHEMAS[type(current)].dump(current)
    response = jsonify({"error": detail})
    response.status_code = error.status
    return response


def _field_messages(messages) -> dict:
    """webargs nests messages by location ({"json": {"email": [...]}}); a client wants the field names.

    A message about a whole location (malformed JSON, a list instead of an object) is keyed "_body".
    """
    locations = {"json", "query", "form", "headers", "files", "view_args", "json_or_form"}
    if not isinstance(messages, dict) or not set(messages) <= locations:
        return messages if isinstance(messages, dict) else {"_body": messages}
    fields: dict = {}
    for location in messages.values():
        if isinstance(location, dict):
            fields.update(location)
        else:
            fields.setdefault("_body", []).extend(location if isinstance(location, list) else [location])
    return fields
