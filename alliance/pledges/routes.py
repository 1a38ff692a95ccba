"""Pledge pages: a buyer's pledges across rounds, the per-round form, edit with history, a lead's table,
and CSV/XLSX import. Routes are thin: the rules live in operations, validation and importing."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from alliance.extensions import db
from alliance.form_version import submitted_version
from alliance.formatting import amount_for_input
from alliance.language import decimal_mark
from alliance.models import DemandRound, Pledge
from alliance.pagination import paginate
from alliance.pledges import access, bp
from alliance.pledges import operations as ops
from alliance.pledges.forms import ActionForm, PledgeForm
from alliance.pledges.validation import FIELDS, PledgeInvalidError, RoundContext
from alliance.queue import commit_and_dispatch
from alliance.rounds.operations import quarters_in_horizon

STALE_MESSAGE = _l("Someone in your organisation changed this pledge since you opened it; here is the current version.")
PER_PAGE = 50
DONE_MESSAGES = {"submit": _l("The pledge is submitted."), "withdraw": _l("The pledge is withdrawn."),
                 "reinstate": _l("The pledge is back as a draft: submit it to count it again.")}


@bp.route("/")
@login_required
def mine():
    """The user's organisation's pledges across rounds, and the rounds it may pledge in or leads."""
    page = paginate(
        sa.select(Pledge).where(Pledge.organisation_id == current_user.organisation_id)
        .order_by(Pledge.round_id.desc(), Pledge.id.desc()), per_page=PER_PAGE, error_out=True,
    )
    open_rounds = db.session.scalars(
        sa.select(DemandRound).where(DemandRound.status == "open").order_by(DemandRound.closes_on)
    ).all()
    reached = [access.round_reached(current_user, r) for r in open_rounds]
    pledgeable = [r.demand_round for r in reached if r.refusal is None]
    led = [r.demand_round for r in reached if r.lead]
    return render_template("pledges/mine.html", page=page, pledgeable=pledgeable, led=led)


@bp.route("/rounds/<int:round_id>", methods=["GET", "POST"])
@login_required
def round_page(round_id: int):
    """The buyer's pledges in one round and the form for a new one."""
    loaded = _round_or_404(round_id)
    demand_round, context = loaded.demand_round, loaded.context
    form = _pledge_form(demand_round, context)
    if request.method == "POST" and loaded.refusal:
        abort(403)
    if form.validate_on_submit():
        status = "submitted" if request.form.get("action") == "submit" else "draft"
        try:
            pledge = ops.create_pledge(current_user, context, _raw(form), status=status, decimal_mark=decimal_mark())
        except PledgeInvalidError as error:
            db.session.rollback()
            _show_errors(form, error)
        else:
            pledge_id = pledge.id  # read before the commit, which expires the pledge
            commit_and_dispatch()
            flash(_("Your pledge is submitted.") if status == "submitted" else _("Your draft pledge is saved."), "success")
            return redirect(url_for("pledges.edit", pledge_id=pledge_id))
    own = db.session.scalars(
        sa.select(Pledge).where(Pledge.round_id == round_id, Pledge.organisation_id == current_user.organisation_id)
        .order_by(Pledge.id.desc())
    ).all()
    return render_template("pledges/round.html", demand_round=demand_round, form=form, pledges=own,
                           refusal=loaded.refusal or context.closed_reason, context=context, lead=loaded.lead)


@bp.route("/<int:pledge_id>", methods=["GET", "POST"])
@login_required
def edit(pledge_id: int):
    """One pledge: its form (own organisation, open round), submit/withdraw, and its revisions."""
    loaded = _pledge_or_404(pledge_id)
    pledge, context = loaded.pledge, loaded.context
    form = _pledge_form(pledge.demand_round, context, pledge)
    attempt = None  # what the user typed, shown beside the current version after a stale edit
    if request.method == "POST":
        if not loaded.own:
            abort(403)
        if form.validate_on_submit():
            try:
                loaded.check_may_change()
                ops.update_pledge(current_user, pledge, context, submitted_version(form.version.data), _raw(form),
                                  submit=request.form.get("action") == "submit", decimal_mark=decimal_mark())
            except ops.StaleVersionError:
                db.session.rollback()  # expires the pledge: it is read anew, as a colleague saved it
                flash(str(STALE_MESSAGE), "warning")
                attempt = _raw(form)
                form = _pledge_form(pledge.demand_round, context, pledge, fresh=True)
            except PledgeInvalidError as error:
                db.session.rollback()
                _show_errors(form, error)
            else:
                commit_and_dispatch()
                flash(_("The pledge is saved."), "success")
                return redirect(url_for("pledges.edit", pledge_id=pledge_id))
    return render_template("pledges/edit.html", pledge=pledge, form=form, own=loaded.own,
                           editable=loaded.changeable and pledge.status != "withdrawn",
                           reinstatable=loaded.changeable and pledge.status == "withdrawn",
                           closed_reason=context.closed_reason, revisions=ops.revisions(pledge_id),
                           action_form=ActionForm(version=pledge.version),
                           attempt=_attempt_rows(attempt, form)), 200 if attempt is None else 409


@bp.route("/<int:pledge_id>/withdraw", methods=["GET"])
@login_required
def confirm_withdraw(pledge_id: int):
    """Withdrawing is a deliberate act: a page that asks first, so it works without JavaScript."""
    pledge = _visible_or_404(pledge_id)
    if pledge.organisation_id != current_user.organisation_id:
        abort(403)
    return render_template("pledges/confirm_withdraw.html", pledge=pledge, action_form=ActionForm(version=pledge.version))


@bp.route("/<int:pledge_id>/<any(submit, withdraw, reinstate):action>", methods=["POST"])
@login_required
def change_status(pledge_id: int, action: str):
    loaded = _pledge_or_404(pledge_id)
    if not loaded.own:
        abort(403)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    change = {"submit": ops.submit_pledge, "withdraw": ops.withdraw_pledge, "reinstate": ops.reinstate_pledge}[action]
    try:
        loaded.check_may_change()
        change(current_user, loaded.pledge, loaded.context, submitted_version(form.version.data))
    except ops.StaleVersionError:
        db.session.rollback()
        flash(str(STALE_MESSAGE), "warning")
    except PledgeInvalidError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        commit_and_dispatch()
        flash(str(DONE_MESSAGES[action]), "success")
    return redirect(url_for("pledges.edit", pledge_id=pledge_id))


@bp.route("/rounds/<int:round_id>/all")
@login_required
def lead_view(round_id: int):
    """Every pledge of the round, for the alliance's leads (read-only), with totals summed in SQL. Anyone else
    gets 403: the round itself is public once open (a draft round they do not lead is a 404)."""
    loaded = _round_or_404(round_id)
    if not loaded.lead:
        abort(403)
    demand_round = loaded.demand_round
    status = request.args.get("status") if request.args.get("status") in ("draft", "submitted", "withdrawn") else None
    page = paginate(ops.round_pledges_query(round_id, status), per_page=PER_PAGE, error_out=True, bounded=True)
    return render_template("pledges/lead.html", demand_round=demand_round, page=page, status=status,
                           totals=ops.round_totals(round_id))


def _round_or_404(round_id: int) -> access.RoundAccess:
    """The round as the current user reaches it; 404 when there is none or it is a draft they do not lead."""
    try:
        return access.load_visible_round(current_user, round_id)
    except ops.PledgeNotFoundError:
        abort(404)


def _pledge_or_404(pledge_id: int) -> access.PledgeAccess:
    """The pledge and its round as the current user reaches them (to show its form or change it); 404 when
    the user may not see it."""
    try:
        return access.load_pledge(current_user, pledge_id)
    except ops.PledgeNotFoundError:
        abort(404)


def _visible_or_404(pledge_id: int) -> Pledge:
    """The pledge alone, to read it; 404 when the user may not see it."""
    try:
        return access.visible_pledge(current_user, pledge_id)
    except ops.PledgeNotFoundError:
        abort(404)


def _pledge_form(demand_round: DemandRound, context: RoundContext, pledge: Pledge | None = None,
                 fresh: bool = False) -> PledgeForm:
    if pledge is None:
        form = PledgeForm(currency=demand_round.currency, country=current_user.organisation.country)
    else:
        # The stored amount as the reader types it, which the form's save reads back to the same minor units.
        amount = amount_for_input(pledge.value_minor, pledge.currency, decimal_mark())
        data = ops.pledge_data(pledge, context) | {"estimated_value": amount, "version": pledge.version}
        # fresh: after a stale edit, show the stored pledge, not what was posted.
        form = PledgeForm(formdata=None, data=data) if fresh else PledgeForm(data=data)
    form.category.choices = [(c.cpv_code, f"{c.cpv_code} {c.name}") for c in demand_round.categories]
    form.criteria_version.choices = [("", _("The latest published version"))] + [
        (str(version), _("Version %(version)s: %(name)s (retired)", version=version, name=info.name) if status == "retired"
         else _("Version %(version)s: %(name)s", version=version, name=info.name))
        for info in context.categories.values() for version, (set_id, status) in sorted(info.versions.items())
        if status == "published" or (pledge is not None and set_id == pledge.criteria_set_id)
    ]
    form.delivery_quarter.choices = [(q, q) for q in quarters_in_horizon(demand_round)]
    return form


def _attempt_rows(attempt: dict | None, current: PledgeForm) -> list[tuple[str, str, str]] | None:
    """(label, current value, the user's value) for each field, after a refused stale edit."""
    if attempt is None:
        return None
    return [(getattr(current, name).label.text, _shown(getattr(current, name), getattr(current, name).data),
             _shown(getattr(current, name), attempt.get(name))) for name in FIELDS]


def _shown(field, value) -> str:
    """A value as the form shows it: a choice's label (a level's name, not its code), else the text."""
    text = str(value or "")
    return next((str(label) for code, label in getattr(field, "choices", None) or [] if str(code) == text), text)


def _raw(form: PledgeForm) -> dict:
    return {name: getattr(form, name).data for name in FIELDS}


def _show_errors(form: PledgeForm, error: PledgeInvalidError) -> None:
    if not error.fields:  # about the round or the pledge's status, not one field
        form.form_errors.append(error.message)
    for name, message in error.fields.items():
        if name in FIELDS:
            getattr(form, name).errors = [*getattr(form, name).errors, message]
        else:
            form.form_errors.append(message)


