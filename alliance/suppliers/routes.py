"""Supplier pages: readiness declarations per criteria set, and subscriptions to sectors and CPV codes."""

import functools

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from alliance.extensions import db
from alliance.models import CriteriaSet, Subscription
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
    criteria_set = db.first_or_404(sa.select(CriteriaSet).where(CriteriaSet.id == set_id,
                                                                CriteriaSet.status == "published"))
    own = {row.criterion_id: row for row in ops.own_declarations(current_user.organisation_id, set_id)}
    form = DeclarationsForm()
    if not form.is_submitted():
        for criterion in criteria_set.criteria:
            row = own.get(criterion.id)
            form.entries.append_entry({
                "criterion_id": criterion.id, "version": row.version if row else None,
                "status": row.status if row else "", "ready_by": row.ready_by if row else None,
                "evidence_label": row.evidence_label if row else "",
                "evidence_reference": row.evidence_reference if row else "", "note": row.note if row else "",
            })
    elif form.validate():
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
        except (ops.StaleDeclarationError, StaleDataError, IntegrityError):
            db.session.rollback()
            form.form_errors.append(str(ops.StaleDeclarationError([])))
        else:
            flash(_("Your readiness for %(title)s is saved.", title=criteria_set.title), "success")
            return redirect(url_for("suppliers.declare", set_id=set_id))
    criteria = {criterion.id: criterion for criterion in criteria_set.criteria}
    rows = [(entry.form, criteria.get(entry.form.criterion_id.data)) for entry in form.entries]
    if any(criterion is None for _, criterion in rows):
        abort(400)
    return render_template("suppliers/declare.html", criteria_set=criteria_set, form=form, rows=rows,
                           is_evidence_link=ops.is_evidence_link,
                           to_correct=[criterion for entry, criterion in rows if entry.errors])


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
