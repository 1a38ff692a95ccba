"""Criteria set pages: the public list of an alliance's published versions; drafting and publishing by leads."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from alliance.alliances.access import alliance_or_404, is_lead, led_alliance_or_403
from alliance.criteria import categories as category_search
from alliance.criteria import operations as ops
from alliance.criteria.forms import CriterionForm, DetailsForm, NewSetForm, PublishForm
from alliance.extensions import db
from alliance.reference.loader import reference_library, reference_sets_for
from alliance.tender.clauses import grouped_clauses, unfinished
from alliance.units import unit_choices

bp = Blueprint("criteria", __name__, url_prefix="/alliances/<slug>/criteria")


def _led_set(slug: str, set_id: int):
    alliance = led_alliance_or_403(slug)
    criteria_set = ops.get_set(alliance.id, set_id)
    if criteria_set is None:
        abort(404)
    return alliance, criteria_set


def _refused(error: ops.CriteriaError, back: str):
    """Invalid input: a message on the page the lead came from (a 403 or 409 is the error page, by the
    mapping of alliance.web)."""
    db.session.rollback()
    flash(str(error), "error")
    return redirect(back)


@bp.route("/")
def index(slug: str):
    alliance = alliance_or_404(slug)
    lead = is_lead(current_user, alliance)
    return render_template("criteria/index.html", alliance=alliance, published=ops.published_sets(alliance.id),
                           versions=ops.all_sets(alliance.id) if lead else [], lead=lead)


@bp.route("/<int:set_id>")
def show(slug: str, set_id: int):
    alliance = alliance_or_404(slug)
    lead = is_lead(current_user, alliance)
    criteria_set = ops.get_set(alliance.id, set_id)
    if criteria_set is None or (criteria_set.status == "draft" and not lead):
        abort(404)
    details = DetailsForm(obj=criteria_set) if lead and criteria_set.status == "draft" else None
    problems = ops.publish_problems(criteria_set) if lead and criteria_set.status == "draft" else []
    return render_template("criteria/show.html", alliance=alliance, criteria_set=criteria_set, lead=lead,
                           details=details, publish_form=PublishForm(), publish_problems=problems,
                           tender_missing=unfinished(grouped_clauses(criteria_set)))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new(slug: str):
    alliance = led_alliance_or_403(slug)
    form = NewSetForm()
    query = (request.args.get("q") or "").strip()[:100]
    categories = category_search.categories_to_offer(alliance.id, alliance.sector, query, form.category_id.data)
    form.category_id.choices = [(c.id, f"{c.cpv_code} {c.name}") for c in categories]
    form.unit.choices = [("", _("The unit the alliance counts it in already (new: the suggested unit)"))] + unit_choices()
    form.start.choices = [("empty", _("An empty set")), ("previous", _("A copy of the category's last version"))] + [
        (f"ref:{key}", _("Reference library: %(title)s", title=library.title))
        for key, library in sorted(reference_library().items())
    ]
    if form.validate_on_submit():
        try:
            keys, from_previous = ops.draft_start(form.start.data)
            criteria_set = ops.create_draft(current_user, alliance, form.category_id.data, form.title.data or "",
                                            reference_keys=keys, from_previous=from_previous,
                                            unit=form.unit.data or None)
        except ops.CriteriaError as error:
            _show_refusal(form, error)
        else:
            db.session.commit()
            flash(_("Draft version %(version)s created.", version=criteria_set.version), "success")
            return redirect(url_for("criteria.show", slug=slug, set_id=criteria_set.id))
    libraries = {c.id: [r.title for r in reference_sets_for(c.cpv_code)] for c in categories}
    return render_template("criteria/new.html", alliance=alliance, form=form, categories=categories,
                           libraries=libraries, query=query, search_limit=category_search.SEARCH_LIMIT)


def _show_refusal(form, error: ops.CriteriaError) -> None:
    """A refused change on the form it came from: each field's message at its field, a message about the
    whole change (or a field the form lacks) on top."""
    db.session.rollback()
    messages = error.fields or {error.field: str(error)}
    for name, message in messages.items():
        field = getattr(form, name, None) if name else None
        (field.errors if field is not None else form.form_errors).append(message)


@bp.route("/<int:set_id>/details", methods=["POST"])
@login_required
def details(slug: str, set_id: int):
    alliance, criteria_set = _led_set(slug, set_id)
    form = DetailsForm()
    back = url_for("criteria.show", slug=slug, set_id=set_id)
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(back)
    try:
        ops.update_details(current_user, criteria_set, form.title.data, form.notes.data or "")
    except ops.CriteriaError as error:
        return _refused(error, back)
    db.session.commit()
    flash(_("Title and notes saved."), "success")
    return redirect(back)


@bp.route("/<int:set_id>/criteria/new", methods=["GET", "POST"])
@bp.route("/<int:set_id>/criteria/<int:criterion_id>", methods=["GET", "POST"])
@login_required
def criterion(slug: str, set_id: int, criterion_id: int | None = None):
    alliance, criteria_set = _led_set(slug, set_id)
    existing = ops.editable_criterion(criteria_set, criterion_id)
    form = CriterionForm(obj=existing)
    if not form.is_submitted():
        _fill_criterion_form(form, criteria_set, existing)
    elif form.validate():
        try:
            ops.save_criterion(current_user, criteria_set, criterion_id, form.criterion_fields(),
                               form.fingerprint.data or "")
        except ops.CriteriaError as error:
            _show_refusal(form, error)
        except ops.CriteriaLockedError as error:
            # Someone changed the set or the criterion meanwhile: show the form again over the current
            # criterion, so that saving again overwrites what the lead has now seen. A set published
            # meanwhile (or a new criterion) answers the 409 page.
            db.session.rollback()
            criteria_set = ops.get_set(alliance.id, set_id)
            if existing is None or criteria_set is None or criteria_set.status != "draft":
                raise
            existing = ops.editable_criterion(criteria_set, criterion_id)
            form.form_errors.append(str(error))
            form.fingerprint.data = ops.criterion_fingerprint(existing)
        else:
            db.session.commit()
            flash(_("Criterion saved."), "success")
            return redirect(url_for("criteria.show", slug=slug, set_id=set_id))
    return render_template("criteria/criterion.html", alliance=alliance, criteria_set=criteria_set, form=form,
                           criterion=existing)


def _fill_criterion_form(form, criteria_set, existing) -> None:
    """A form opened to edit carries the criterion's fingerprint (to detect a concurrent edit); a new
    criterion starts with the source of the set's last one."""
    if existing is not None:
        form.fingerprint.data = ops.criterion_fingerprint(existing)
        return
    for name, value in ops.new_criterion_defaults(criteria_set).items():
        getattr(form, name).data = value


@bp.route("/<int:set_id>/criteria/<int:criterion_id>/delete", methods=["POST"])
@login_required
def delete_criterion(slug: str, set_id: int, criterion_id: int):
    return _change(slug, set_id, lambda s: ops.remove_criterion(current_user, s, criterion_id), _("Criterion removed."))


@bp.route("/<int:set_id>/criteria/<int:criterion_id>/move/<any(up, down):direction>", methods=["POST"])
@login_required
def move_criterion(slug: str, set_id: int, criterion_id: int, direction: str):
    offset = -1 if direction == "up" else 1
    return _change(slug, set_id, lambda s: ops.move_criterion(current_user, s, criterion_id, offset), None)


@bp.route("/<int:set_id>/publish", methods=["POST"])
@login_required
def publish(slug: str, set_id: int):
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    return _change(slug, set_id, lambda s: ops.publish(current_user, s, bool(form.retire_previous.data)),
                   _("Published. This version no longer changes; pledges can commit to it."))


@bp.route("/<int:set_id>/retire", methods=["POST"])
@login_required
def retire(slug: str, set_id: int):
    return _change(slug, set_id, lambda s: ops.retire(current_user, s),
                   _("Retired. It stays readable but takes no new pledges."))


@bp.route("/<int:set_id>/discard", methods=["POST"])
@login_required
def discard(slug: str, set_id: int):
    alliance, criteria_set = _led_set(slug, set_id)
    try:
        ops.delete_draft(current_user, criteria_set)
    except ops.CriteriaError as error:
        return _refused(error, url_for("criteria.show", slug=slug, set_id=set_id))
    db.session.commit()
    flash(_("The draft is discarded."), "info")
    return redirect(url_for("criteria.index", slug=slug))


def _change(slug: str, set_id: int, change, message: str | None):
    alliance, criteria_set = _led_set(slug, set_id)
    back = url_for("criteria.show", slug=slug, set_id=set_id)
    try:
        change(criteria_set)
    except ops.CriteriaError as error:
        return _refused(error, back)
    db.session.commit()
    if message:
        flash(message, "success")
    return redirect(back)

