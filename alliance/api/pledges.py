"""Pledges in the API: a buyer's own organisation's pledges, and all of an alliance's for its leads.

GET|POST /api/v1/alliances/<slug>/pledges and GET|PATCH|DELETE /api/v1/pledges/<id>. Edits carry the
`version` the client read; a stale one is a 409 `version_conflict` with the current pledge. A pledge the
caller may not see is a 404, exactly like one that does not exist.
"""

import marshmallow as ma
from flask import request
from flask_babel import gettext as _

from alliance.api.access import api_alliance
from alliance.api.auth import require_user
from alliance.api.errors import CURRENT_SCHEMAS, ErrorSchema, api_abort
from alliance.api.fields import id_field
from alliance.api.pagination import BoundedBlueprint, page_of
from alliance.api.security import error_responses, requires_token
from alliance.models import Alliance, Pledge
from alliance.pledges import access
from alliance.pledges import operations as ops
from alliance.queue import commit_and_dispatch

blp = BoundedBlueprint("api_pledges", __name__, description="Pledges: a buyer organisation's planned purchases (confidential)")
STATUSES = ("draft", "submitted", "withdrawn")
# JSON writes decimals with a point, and so does this API's estimated_value: "1.001" KWD is 1.001, not 1001.
JSON_DECIMAL_MARK = "."


class OrganisationRefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    country = ma.fields.String()


class PledgeSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    round_id = ma.fields.Integer()
    organisation = ma.fields.Nested(OrganisationRefSchema)
    category = ma.fields.String(attribute="category.cpv_code", metadata={"description": "CPV code"})
    category_name = ma.fields.String(attribute="category.name")
    unit = ma.fields.String(attribute="category.unit", metadata={"description": "UN/CEFACT Rec. 20 unit code"})
    criteria_set_id = ma.fields.Integer()
    criteria_version = ma.fields.Integer(attribute="criteria_set.version")
    level = ma.fields.String()
    quantity = ma.fields.Integer()
    value_minor = ma.fields.Integer(metadata={"description": "Estimated value in minor units of the currency"})
    estimated_value = ma.fields.Function(ops.plain_amount, metadata={"description": "Decimal, e.g. '135000.00'"})
    currency = ma.fields.String()
    delivery_quarter = ma.fields.String()
    country = ma.fields.String()
    region = ma.fields.String()
    status = ma.fields.String()
    version = ma.fields.Integer(metadata={"description": "Send it back with PATCH and DELETE"})
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class _AmountAsText(ma.Schema):
    @ma.pre_load
    def amount_as_text(self, data, **kwargs):
        if isinstance(data, dict) and isinstance(data.get("estimated_value"), int | float):
            data = {**data, "estimated_value": str(data["estimated_value"])}
        return data


class PledgeCreateSchema(_AmountAsText):
    round_id = id_field(required=True)
    category = ma.fields.String(required=True, metadata={"description": "CPV code, e.g. 30213100-6"})
    criteria_version = id_field(load_default=None, metadata={"description": "Empty: latest published"})
    level = ma.fields.String(required=True, validate=ma.validate.OneOf(["core", "comprehensive"]))
    quantity = ma.fields.Integer(required=True, strict=True, metadata={"description": "Units, 1 to 10^12"})
    estimated_value = ma.fields.String(required=True, metadata={"description": "Decimal in the round's currency"})
    currency = ma.fields.String(required=True, metadata={"description": "ISO 4217, the round's currency"})
    delivery_quarter = ma.fields.String(required=True, metadata={"description": "YYYY-Qn within the horizon"})
    country = ma.fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2"})
    region = ma.fields.String(load_default="", metadata={"description": "Optional NUTS code"})
    status = ma.fields.String(load_default="draft", validate=ma.validate.OneOf(["draft", "submitted"]))


class PledgeUpdateSchema(_AmountAsText):
    version = id_field(required=True, metadata={"description": "The version the change is based on"})
    category = ma.fields.String()
    criteria_version = id_field()
    level = ma.fields.String(validate=ma.validate.OneOf(["core", "comprehensive"]))
    quantity = ma.fields.Integer(strict=True)
    estimated_value = ma.fields.String()
    currency = ma.fields.String()
    delivery_quarter = ma.fields.String()
    country = ma.fields.String()
    region = ma.fields.String()
    status = ma.fields.String(validate=ma.validate.OneOf(["submitted"]),
                              metadata={"description": "'submitted' submits a draft"})


class PledgeFilterSchema(ma.Schema):
    round_id = id_field()
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES))


class VersionArgsSchema(ma.Schema):
    version = id_field(metadata={"description": "Or send `If-Match: \"<version>\"`"})


class ConflictDetailSchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "version_conflict"})
    message = ma.fields.String()
    current_version = ma.fields.Integer()
    current = ma.fields.Nested(PledgeSchema)


class ConflictSchema(ma.Schema):
    error = ma.fields.Nested(ConflictDetailSchema)


CURRENT_SCHEMAS[Pledge] = PledgeSchema()  # a 409 version_conflict shows the pledge as stored now


@blp.route("/alliances/<slug>/pledges")
@requires_token(blp)
@error_responses(blp, 404, not_found="No such alliance")
@blp.arguments(PledgeFilterSchema, location="query")
@blp.response(200, PledgeSchema(many=True))
@blp.alt_response(403, schema=ErrorSchema, description="Suppliers never see pledges")
@blp.paginate()
def list_pledges(filters, slug: str, pagination_parameters):
    """Pledges: a buyer's own organisation's in this alliance; every member's for the alliance's leads.

    Paginated (X-Pagination). A very long list is counted only 10,000 pledges past the requested page:
    beyond that the header has `next_page` but no `total`, `total_pages` or `last_page`.
    """
    user = require_user()
    alliance = api_alliance(slug)
    if user.organisation.kind != "buyer":
        api_abort(403, _("Suppliers see published summaries, not pledges."), "forbidden")
    query = access.alliance_pledges_query(user, alliance.id, filters.get("round_id"), filters.get("status"))
    return page_of(query, pagination_parameters, bounded=True)


@blp.route("/alliances/<slug>/pledges", methods=["POST"])
@requires_token(blp)
@error_responses(blp, 404, not_found="No such alliance")
@blp.arguments(PledgeCreateSchema)
@blp.response(201, PledgeSchema)
@blp.alt_response(403, schema=ErrorSchema, description="Not a verified buyer member of the alliance")
@blp.alt_response(422, schema=ErrorSchema, description="Invalid fields, or the round does not accept pledges")
def create_pledge(data, slug: str):
    """Pledge for your organisation in one of the alliance's open rounds (as a draft or submitted)."""
    user = require_user()
    round_access = _round(user, api_alliance(slug), data.pop("round_id"))
    status = data.pop("status")
    round_access.check_may_pledge()
    pledge = ops.create_pledge(user, round_access.context, data, status=status, decimal_mark=JSON_DECIMAL_MARK)
    commit_and_dispatch()
    return pledge


@blp.route("/pledges/<int:pledge_id>")
@requires_token(blp)
@blp.response(200, PledgeSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_pledge(pledge_id: int):
    """One pledge, when it is your organisation's or you lead its alliance."""
    return access.visible_pledge(require_user(), pledge_id)


@blp.route("/pledges/<int:pledge_id>", methods=["PATCH"])
@requires_token(blp)
@blp.arguments(PledgeUpdateSchema)
@blp.response(200, PledgeSchema)
@blp.alt_response(409, schema=ConflictSchema, description="`version` is stale: the body holds the current pledge")
@blp.alt_response(403, schema=ErrorSchema, description="A lead reading another member's pledge")
@blp.alt_response(404, schema=ErrorSchema)
def update_pledge(data, pledge_id: int):
    """Change some fields of your organisation's pledge; `version` is required, `status: submitted` submits."""
    user = require_user()
    version = data.pop("version")
    submit = data.pop("status", None) == "submitted"
    loaded = access.load_pledge(user, pledge_id)
    return _change(loaded, lambda: ops.update_pledge(user, loaded.pledge, loaded.context, version, data, submit=submit,
                                                     decimal_mark=JSON_DECIMAL_MARK))


@blp.route("/pledges/<int:pledge_id>", methods=["DELETE"])
@requires_token(blp)
@error_responses(blp, 403)
@blp.arguments(VersionArgsSchema, location="query")
@blp.response(200, PledgeSchema)
@blp.alt_response(409, schema=ConflictSchema, description="`version` is stale: the body holds the current pledge")
@blp.alt_response(428, schema=ErrorSchema, description="No version given")
@blp.alt_response(404, schema=ErrorSchema)
def withdraw_pledge(args, pledge_id: int):
    """Withdraw your organisation's pledge. Give the version you read as `?version=N`, as
    `If-Match: "N"`, or as a JSON body `{"version": N}`; the withdrawn pledge stays in the history."""
    user = require_user()
    version = args.get("version", _if_match_version())
    loaded = access.load_pledge(user, pledge_id)  # a pledge the caller may not see is a 404 before a 428
    if version is None:
        api_abort(428, _("Give the version you read: ?version=N, If-Match: \"N\" or {\"version\": N}."),
                  "version_required")
    return _change(loaded, lambda: ops.withdraw_pledge(user, loaded.pledge, loaded.context, version))


def _change(loaded: access.PledgeAccess, change):
    """Check that the caller may change the loaded pledge, change it and commit. A refusal (403, 409 with the
    current pledge, 422) is answered by alliance.web.render_domain_error."""
    loaded.check_may_change()
    pledge = change()
    commit_and_dispatch()
    return pledge


def _round(user, alliance: Alliance, round_id: int) -> access.RoundAccess:
    """The alliance's round the caller pledges in, as the caller reaches it; 422 for any other round id."""
    try:
        loaded = access.load_round(user, round_id)
    except ops.PledgeNotFoundError:
        loaded = None
    if loaded is None or loaded.demand_round.alliance_id != alliance.id:
        api_abort(422, _("The request has invalid fields."), "validation_error",
                  {"round_id": _("This alliance has no round %(id)s.", id=round_id)})
    return loaded


def _if_match_version() -> int | None:
    header = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    if not header:
        body = request.get_json(silent=True)
        header = str(body.get("version", "")) if isinstance(body, dict) else ""
    return int(header) if header.isdigit() else None
