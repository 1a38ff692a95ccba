import sqlalchemy as sa
from flask import Blueprint, render_template

from alliance.extensions import db
from alliance.models import Alliance

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    alliances = db.session.scalars(sa.select(Alliance).order_by(Alliance.name)).all()
    return render_template("main/index.html", alliances=alliances)
