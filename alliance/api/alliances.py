"""GET /api/v1/alliances and /api/v1/alliances/<slug>: public facts about alliances, with their published
criteria sets and open demand rounds; /criteria-sets and /rounds list those on their own."""

import marshmallow as ma
import sqlalchemy as sa

from alliance.alliances.rounds import alliance_rounds
from alliance.api.access import api_alliance
from alliance.api.blueprint import Blueprint
from alliance.api.security import error_responses
from alliance.criteria.categories import unit_for
from alliance.criteria.operations import published_sets
from alliance.extensions import db
from alliance.models import CRITERION_TYPES, LEVELS, Alliance
from alliance.reference.criterion_rules import WORDINGS
from alliance.rounds.operations import open_rounds, quarters_in_horizon

blp = Blueprint("api_alliances", __name__, url_prefix="/alliances", description="Sector alliances")


class AllianceSchema(ma.Schema):
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    sector = ma.fields.String(required=True)
    charter = ma.fields.String()
    k = ma.fields.Integer(metadata={"description": "Minimum distinct buyers in a published cell"})
    p = ma.fields.Integer(metadata={"description": "Dominance threshold in percent"})
    currency = ma.fields.String()


class CategorySchema(ma.Schema):
    id = ma.fields.Integer()
    cpv_code = ma.fields.String(metadata={"description": "CPV 2008 code, Regulation (EC) 213/2008"})
    name = ma.fields.String()
    unit = ma.fields.String(metadata={"description": "Suggested UN/CEFACT Recommendation 20 unit code; the "
                                                     "criteria set's `unit` is the one the alliance counts in"})


class CriterionSchema(ma.Schema):
    code = ma.fields.String()
    title = ma.fields.String()
    text = ma.fields.String()
    type = ma.fields.String(metadata={"enum": list(CRITERION_TYPES)})
    level = ma.fields.String(metadata={"enum": list(LEVELS)})
    verification = ma.fields.String(metadata={"description": "Labels named here are accepted 'or equivalent'"})
    source = ma.fields.String()
    source_section = ma.fields.String()
    source_url = ma.fields.String()
    impact_factor = ma.fields.Float(allow_none=True)
    impact_unit = ma.fields.String()
    impact_source = ma.fields.String()
    wording = ma.fields.String(metadata={"enum": list(WORDINGS), "description": "How `text` relates to the source"})
    language = ma.fields.String(metadata={"description": "ISO 639-1 code of the language title, text and verification are written in"})
    topic = ma.fields.String(metadata={"description": "Criteria of a set sharing a topic are alternatives"})


class CriteriaSetSchema(ma.Schema):
    id = ma.fields.Integer()
    category = ma.fields.Nested(CategorySchema)
    unit = ma.fields.Function(lambda criteria_set: unit_for(criteria_set.alliance_id, criteria_set.category),
                              metadata={"type": "string",
                                        "description": "UN/CEFACT Rec. 20 unit code the alliance counts the category in"})
    version = ma.fields.Integer()
    title = ma.fields.String()
    notes = ma.fields.String()
    status = ma.fields.String()
    based_on_id = ma.fields.Integer(allow_none=True)
    published_at = ma.fields.DateTime()
    criteria = ma.fields.List(ma.fields.Nested(CriterionSchema))


class RoundSchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    statement = ma.fields.String(metadata={"description": "Markdown"})
    status = ma.fields.String()
    opens_on = ma.fields.Date()
    closes_on = ma.fields.Date()
    delivery_from = ma.fields.String(metadata={"description": "Quarter, e.g. 2027-Q1"})
    delivery_to = ma.fields.String()
    delivery_quarters = ma.fields.Function(quarters_in_horizon, metadata={"description": "Every quarter in between"})
    currency = ma.fields.String()
    categories = ma.fields.List(ma.fields.Nested(CategorySchema))


class AllianceDetailSchema(AllianceSchema):
    criteria_sets = ma.fields.List(ma.fields.Nested(CriteriaSetSchema), metadata={"description": "Published"})
    open_rounds = ma.fields.List(ma.fields.Nested(RoundSchema))


@blp.route("")
@blp.response(200, AllianceSchema(many=True))
def list_alliances():
    """Every alliance."""
    return db.session.scalars(sa.select(Alliance).order_by(Alliance.name)).all()


@blp.route("/<slug>")
@error_responses(blp, 404, not_found="No such alliance")
@blp.response(200, AllianceDetailSchema)
def get_alliance(slug: str):
    """One alliance, with its published criteria sets (and their criteria) and its open rounds."""
    alliance = api_alliance(slug)
    data = AllianceSchema().dump(alliance)
    data["criteria_sets"] = published_sets(alliance.id)
    data["open_rounds"] = open_rounds(alliance.id)
    return data


@blp.route("/<slug>/criteria-sets")
@error_responses(blp, 404, not_found="No such alliance")
@blp.response(200, CriteriaSetSchema(many=True))
def list_criteria_sets(slug: str):
    """The alliance's published criteria sets with their criteria."""
    return published_sets(api_alliance(slug).id)


@blp.route("/<slug>/rounds")
@error_responses(blp, 404, not_found="No such alliance")
@blp.response(200, RoundSchema(many=True))
def list_rounds(slug: str):
    """The alliance's open and closed demand rounds (drafts are not public)."""
    return alliance_rounds(api_alliance(slug).id)
