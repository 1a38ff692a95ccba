from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from alliance.extensions import csrf, db
from alliance.language import LANGUAGES, SESSION_KEY
from alliance.main import home
from alliance.rounds.operations import today_utc

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    """The home page: what to do next for the signed-in person's role, the alliances and summaries for all."""
    context = {"alliances": home.alliances(), "latest_summaries": home.latest_summaries(),
               "pledge_states": home.PLEDGE_STATES}
    if current_user.is_authenticated and current_user.organisation is not None:
        today = today_utc()
        if current_user.organisation.kind == "buyer":
            context["buyer_rounds"] = home.buyer_rounds(current_user)
            context["waiting_requests"] = home.waiting_alliance_requests(current_user)
            context["lead_work"] = home.lead_work(current_user, today)
        else:
            context["supplier_news"] = home.supplier_news(current_user, today)
    return render_template("main/index.html", **context)


@bp.route("/language", methods=["POST"])
@csrf.exempt  # checked below for signed-in users only
def choose_language():
    """Remember the chosen language (on the user when logged in), then go back to the page it was chosen on.

    A signed-in user's choice is stored on the account, so it needs the form's CSRF token; an anonymous
    visitor's choice only sets its own session, and public pages are cached for everyone alike, so their
    form carries no token (a forged post could only change a stranger's display language)."""
    if current_user.is_authenticated:
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError:
            abort(400)
    locale = request.form.get("locale", "")
    if locale not in LANGUAGES:
        abort(400)
    session[SESSION_KEY] = locale
    if current_user.is_authenticated:
        current_user.locale = locale
        db.session.commit()
    back = request.form.get("next", "")
    return redirect(back if back.startswith("/") and not back.startswith("//") and "\\" not in back
                    and back.isprintable() else url_for("main.index"))
