"""GET|PUT /api/v1/suppliers/me/declarations: the caller's supplier organisation's readiness."""

import marshmallow as ma
from flask_babel import gettext as _

from alliance.api.auth import require_user
from alliance.api.blueprint import Blueprint
from alliance.api.errors import ErrorSchema, api_abort
from alliance.api.fields import id_field
from alliance.api.security import error_responses, requires_token
from alliance.extensions import db
from alliance.models import READINESS, User
from alliance.suppliers import declarations as ops

blp = Blueprint("api_suppliers", __name__, url_prefix="/suppliers", description="Supplier readiness declarations")
MAX_ITEMS = 1000


class DeclarationInSchema(ma.Schema):
    criterion_id = id_field(required=True, strict=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(list(READINESS)),
                              metadata={"description": "meets | by_date | cannot"})
    ready_by = ma.fields.Date(load_default=None, allow_none=True,
                              metadata={"description": "Required for by_date; a future date"})
    evidence_label = ma.fields.String(load_default="", validate=ma.validate.Length(max=ops.LABEL_MAX),
                                      metadata={"description": "the label or certificate the criterion's verification names"})
    evidence_reference = ma.fields.String(load_default="", validate=ma.validate.Length(max=ops.REFERENCE_MAX),
                                          metadata={"description": "Certificate number or http(s) link"})
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=ops.NOTE_MAX))
    version = id_field(load_default=None, allow_none=True, strict=True,
                                metadata={"description": "The version read; required to change an existing one"})


class DeclarationSchema(ma.Schema):
    id = ma.fields.Integer()
    criterion_id = ma.fields.Integer()
    criterion_code = ma.fields.Function(lambda row: row.criterion.code)
    criteria_set_id = ma.fields.Function(lambda row: row.criterion.criteria_set_id)
    status = ma.fields.String()
    ready_by = ma.fields.Date(allow_none=True)
    evidence_label = ma.fields.String()
    evidence_reference = ma.fields.String()
    note = ma.fields.String()
    version = ma.fields.Integer()
    updated_at = ma.fields.DateTime()


def _supplier() -> User:
    user = require_user()
    if user.organisation.kind != "supplier":
        api_abort(403, _("Only supplier organisations declare readiness."), "not_a_supplier")
    return user


@blp.route("/me/declarations", methods=["GET"])
@requires_token(blp)
@error_responses(blp, 403, forbidden="Not a supplier (code not_a_supplier)")
@blp.response(200, DeclarationSchema(many=True))
def list_declarations():
    """The readiness declarations of the caller's supplier organisation (only ever its own)."""
    return ops.own_declarations(_supplier().organisation_id)


@blp.route("/me/declarations", methods=["PUT"])
@requires_token(blp)
@error_responses(blp, 403, forbidden="Not a supplier (code not_a_supplier)")
@blp.arguments(DeclarationInSchema(many=True))
@blp.response(200, DeclarationSchema(many=True))
@blp.alt_response(409, schema=ErrorSchema, description="A declaration changed since it was read (stale version)")
def put_declarations(items):
    """Create or update the listed declarations, all or none. Declarations not listed are kept."""
    user = _supplier()
    if len(items) > MAX_ITEMS:
        api_abort(422, _("Send at most %(max)d declarations at once.", max=MAX_ITEMS), "too_many_items")
    ops.save_declarations(user, items)
    db.session.commit()
    return ops.own_declarations(user.organisation_id)
