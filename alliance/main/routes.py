import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from alliance.extensions import db
from alliance.main import home
from alliance.rounds.operations import today_utc

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    """The home page: what to do next for the signed-in person's role, the alliances and summaries for all."""
    context = {"alliances": home.alliances(), "latest_summaries": home.latest_summaries()}
    if current_user.is_authenticated and current_user.organisation is not None:
        today = today_utc()
        if current_user.organisation.kind == "buyer":
            context["buyer_rounds"] = home.buyer_rounds(current_user)
            context["waiting_requests"] = home.waiting_alliance_requests(current_user)
            context["lead_work"] = home.lead_work(current_user, today)
        else:
            context["supplier_news"] = home.supplier_news(current_user, today)
    return render_template("main/index.html", **context)


@bp.route("/healthz")
def health():
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}
