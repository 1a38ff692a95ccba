import sqlalchemy as sa
from flask import Blueprint, render_template

from alliance.extensions import db
from alliance.models import Alliance

bp = Blueprint("alliances", __name__, url_prefix="/alliances")


@bp.route("/")
def index():
    alliances = db.session.scalars(sa.select(Alliance).order_by(Alliance.name)).all()
    return render_template("alliances/index.html", alliances=alliances)


@bp.route("/<slug>")
def show(slug: str):
    alliance = db.first_or_404(sa.select(Alliance).where(Alliance.slug == slug))
    return render_template("alliances/show.html", alliance=alliance)
