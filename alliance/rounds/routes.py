"""Demand round pages: open rounds, a lead's drafting / opening / closing, and the public joint statement."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from alliance.alliances.access import alliance_or_404, is_lead, led_alliance_or_403
from alliance.alliances.rounds import alliance_rounds, get_round
from alliance.extensions import db
from alliance.models import Alliance
from alliance.rounds import operations as ops
from alliance.rounds.forms import RoundForm
from alliance.statements import operations as statements

bp = Blueprint("rounds", __name__)


def _round(alliance: Alliance, round_id: int):
    demand_round = get_round(alliance.id, round_id)
    if demand_round is None:
        abort(404)
    return demand_round


@bp.route("/rounds/")
def open_rounds():
    return render_template("rounds/open.html", rounds=ops.open_rounds())


@bp.route("/alliances/<slug>/rounds/")
def index(slug: str):
    alliance = alliance_or_404(slug)
    lead = is_lead(current_user, alliance)
    return render_template("rounds/index.html", alliance=alliance, lead=lead,
                           rounds=alliance_rounds(alliance.id, include_drafts=lead))


@bp.route("/alliances/<slug>/rounds/<int:round_id>")
def statement(slug: str, round_id: int):
    """The joint statement of demand: public, without a login, once the round is open."""
    alliance = alliance_or_404(slug)
    demand_round = _round(alliance, round_id)
    lead = is_lead(current_user, alliance)
    if demand_round.status == "draft" and not lead:
        abort(404)
    accepts, reason = ops.round_accepts_pledges(demand_round)
    return render_template(
        "rounds/statement.html", alliance=alliance, round=demand_round, lead=lead, accepts=accepts, reason=reason,
        criteria_sets=ops.statement_criteria_sets(demand_round),
        statement=statements.current(demand_round.id),
        statement_editions=statements.editions(demand_round.id, include_drafts=lead),
        signatories=statements.signatories,
    )


def _round_input(form: RoundForm) -> ops.RoundInput:
    return ops.RoundInput(
        title=form.title.data or "", statement=form.statement.data or "", category_ids=form.category_ids.data or [],
        opens_on=form.opens_on.data, closes_on=form.closes_on.data, delivery_from=form.delivery_from.data or "",
        delivery_to=form.delivery_to.data or "", currency=form.currency.data or "",
    )


@bp.route("/alliances/<slug>/rounds/new", methods=["GET", "POST"])
@bp.route("/alliances/<slug>/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, round_id: int | None = None):
    alliance = led_alliance_or_403(slug)
    demand_round = _round(alliance, round_id) if round_id is not None else None
    if demand_round is not None and demand_round.status != "draft":
        abort(409, description=str(ops.EDIT_REFUSALS.get(demand_round.status, ops.EDIT_REFUSALS["open"])))
    form = RoundForm(obj=demand_round)
    categories = ops.pledgeable_categories(alliance.id)
    form.category_ids.choices = [(c.id, f"{c.cpv_code} {c.name}") for c in categories]
    if not form.is_submitted():
        form.currency.data = demand_round.currency if demand_round else alliance.currency
        if demand_round is not None:
            form.category_ids.data = [c.id for c in demand_round.categories]
    if form.validate_on_submit():
        try:
            if demand_round is None:
                demand_round = ops.create_round(current_user, alliance, _round_input(form))
            else:
                ops.update_round(current_user, demand_round, _round_input(form))
        except ops.RoundError as error:
            db.session.rollback()
            target = getattr(form, error.field, None) if error.field else None
            (target.errors if target is not None else form.form_errors).append(str(error))
        else:
            db.session.commit()
            flash(_("The round is saved as a draft. Open it when it is ready."), "success")
            return redirect(url_for("rounds.statement", slug=slug, round_id=demand_round.id))
    return render_template("rounds/form.html", alliance=alliance, form=form, round=demand_round,
                           categories=categories)


@bp.route("/alliances/<slug>/rounds/<int:round_id>/<any(open, close):action>", methods=["POST"])
@login_required
def transition(slug: str, round_id: int, action: str):
    alliance = led_alliance_or_403(slug)
    demand_round = _round(alliance, round_id)
    try:
        if action == "open":
            ops.open_round(current_user, demand_round)
        else:
            ops.close_round(current_user, demand_round)
    except (ops.RoundError, ops.RoundConflictError) as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The round is open for pledges.") if action == "open" else _("The round is closed; its pledges are frozen."),
              "success")
    return redirect(url_for("rounds.statement", slug=slug, round_id=round_id))
