"""Supplier pages: readiness declarations per criteria set, and subscriptions to sectors and CPV codes."""

import functools

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from alliance.extensions import db
from alliance.models import READINESS, Subscription
from alliance.suppliers import declarations as ops
from alliance.suppliers.forms import DeclarationsForm, SubscriptionForm

bp = Blueprint("suppliers", __name__, url_prefix="/suppliers")


def supplier_required(view):
    """Only members of supplier organisations; a buyer gets 403."""

    @functools.wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if current_user.organisation.kind != "supplier":
            abort(403)
        return view(*args, **kwargs)

    return wrapper


@bp.route("/declarations")
@supplier_required
def declarations():
    return render_template("suppliers/declarations.html", sets=ops.published_sets(),
                           counts=ops.declared_counts(current_user.organisation_id))


@bp.route("/declarations/<int:set_id>", methods=["GET", "POST"])
@supplier_required
def declare(set_id: int):
    criteria_set = ops.published_set(set_id) or abort(404)
    form = DeclarationsForm()
    if not form.is_submitted():
        for item in ops.declaration_items(current_user.organisation_id, criteria_set):
            form.entries.append_entry(item)
    elif form.validate() and _saved(form):
        flash(_("Your readiness for %(title)s is saved.", title=criteria_set.title), "success")
        return redirect(url_for("suppliers.declare", set_id=set_id))
    rows = _rows(form, criteria_set)
    return render_template("suppliers/declare.html", criteria_set=criteria_set, form=form, rows=rows,
                           readiness=READINESS, is_evidence_link=ops.is_evidence_link,
                           to_correct=[criterion for entry, criterion in rows if entry.errors])


def _rows(form: DeclarationsForm, criteria_set) -> list[tuple]:
    """(form entry, criterion) in the form's order; 400 for an entry naming a criterion of another set."""
    criteria = {criterion.id: criterion for criterion in criteria_set.criteria}
    rows = [(entry.form, criteria.get(entry.form.criterion_id.data)) for entry in form.entries]
    if any(criterion is None for _, criterion in rows):
        abort(400)
    return rows


def _saved(form: DeclarationsForm) -> bool:
    """Save the entries given a status, all or none, and commit; False with the reasons on the form."""
    entries = [entry.form for entry in form.entries if entry.form.status.data]
    try:
        ops.save_declarations(current_user, [_item(entry) for entry in entries])
        db.session.commit()
    except ops.DeclarationError as error:
        db.session.rollback()
        for position, messages in error.fields.items():
            for name, texts in messages.items():
                field = entries[position][name] if name in entries[position] else entries[position].status
                field.errors = list(field.errors) + texts
        form.form_errors.append(_("Nothing was saved: correct the declarations listed below."))
        return False
    except ops.StaleDeclarationError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return False
    return True


def _item(entry) -> dict:
    return {
        "criterion_id": entry.criterion_id.data, "version": entry.version.data, "status": entry.status.data,
        "ready_by": entry.ready_by.data, "evidence_label": entry.evidence_label.data,
        "evidence_reference": entry.evidence_reference.data, "note": entry.note.data,
    }


@bp.route("/subscriptions", methods=["GET", "POST"])
@supplier_required
def subscriptions():
    form = SubscriptionForm()
    if form.validate_on_submit():
        db.session.add(Subscription(user_id=current_user.id, sector=form.sector.data,
                                    cpv_prefix=(form.cpv_prefix.data or "").strip()))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            form.form_errors.append(_("You already subscribed to this."))
        else:
            flash(_("Subscribed. You will hear about new summaries and dialogues there."), "success")
            return redirect(url_for("suppliers.subscriptions"))
    rows = db.session.scalars(
        sa.select(Subscription).where(Subscription.user_id == current_user.id).order_by(Subscription.created_at)
    ).all()
    return render_template("suppliers/subscriptions.html", form=form, rows=rows, )


@bp.route("/subscriptions/<int:subscription_id>/delete", methods=["POST"])
@supplier_required
def unsubscribe(subscription_id: int):
    row = db.first_or_404(sa.select(Subscription).where(Subscription.id == subscription_id,
                                                        Subscription.user_id == current_user.id))
    db.session.delete(row)
    db.session.commit()
    flash(_("Unsubscribed."), "success")
    return redirect(url_for("suppliers.subscriptions"))
