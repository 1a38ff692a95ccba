"""GET /api/v1/alliances and /api/v1/alliances/<slug>: public facts about alliances."""

import marshmallow as ma
import sqlalchemy as sa
from flask_smorest import Blueprint

from alliance.api.errors import api_abort
from alliance.extensions import db
from alliance.models import Alliance

blp = Blueprint("api_alliances", __name__, url_prefix="/alliances", description="Sector alliances")


class AllianceSchema(ma.Schema):
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    sector = ma.fields.String(required=True)
    charter = ma.fields.String()
    k = ma.fields.Integer(metadata={"description": "Minimum distinct buyers in a published cell"})
    p = ma.fields.Integer(metadata={"description": "Dominance threshold in percent"})
    currency = ma.fields.String()


@blp.route("")
@blp.response(200, AllianceSchema(many=True))
def list_alliances():
    """Every alliance."""
    return db.session.scalars(sa.select(Alliance).order_by(Alliance.name)).all()


@blp.route("/<slug>")
@blp.response(200, AllianceSchema)
def get_alliance(slug: str):
    """One alliance."""
    alliance = db.session.scalar(sa.select(Alliance).where(Alliance.slug == slug))
    if alliance is None:
        api_abort(404, f"No alliance '{slug}'.")
    return alliance
