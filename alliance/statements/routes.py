"""Joint statement pages: the public statement with its signatories and downloads, the leads' drafting and
publishing, and the buyers' signing. Every irreversible act has a confirmation page that works without
JavaScript (GET shows what will happen, POST does it)."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from alliance.alliances.access import alliance_or_404, is_lead
from alliance.alliances.rounds import get_round
from alliance.extensions import db
from alliance.form_version import submitted_version
from alliance.models import Alliance, JointStatement
from alliance.statements import documents
from alliance.statements import operations as ops
from alliance.statements.document_cache import statement_document
from alliance.statements.forms import COMMITMENT_ROWS, ConfirmForm, StatementForm

bp = Blueprint("statements", __name__, url_prefix="/alliances/<slug>/rounds/<int:round_id>/statement")

# Refusals a user can act on from the page (bad input, an edition that changed or never changes, a signature
# already there): shown there. Anything else is the error page of alliance.web's mapping.
REFUSED_CHANGES = (ops.StatementError, ops.StatementConflictError, ops.StatementStaleError)
LEAD_ACTIONS = {
    "publish": (_l("Publish this edition"),
                _l("Once published, this edition never changes and the alliance's buyers can sign it. A published "
                   "earlier edition is superseded; its signatures stay with it.")),
    "withdraw": (_l("Withdraw this edition"),
                 _l("The statement stays readable, marked as withdrawn, and can no longer be signed.")),
    "discard": (_l("Discard this draft"), _l("The draft is deleted. This cannot be undone.")),
}
# The organisation's name goes in with % when the page is shown, in the reader's language.
BUYER_ACTIONS = {
    "sign": (_l("Sign for %(organisation)s"),
             _l("You sign this edition of the joint statement on behalf of %(organisation)s. The organisation's "
                "name, country and today's date are published with it; its volumes never are.")),
    "unsign": (_l("Withdraw the signature of %(organisation)s"),
               _l("%(organisation)s is no longer listed as a signatory of this edition. The audit log keeps who "
                  "signed and withdrew, and when.")),
}


def _context(slug: str, round_id: int):
    alliance = alliance_or_404(slug)
    demand_round = get_round(alliance.id, round_id)
    if demand_round is None:
        abort(404)
    return alliance, demand_round


def _edition(alliance: Alliance, round_id: int, edition: int) -> JointStatement:
    lead = is_lead(current_user, alliance)
    chosen = next((item for item in ops.editions(round_id, include_drafts=lead) if item.edition == edition), None)
    if chosen is None:
        abort(404)
    return chosen


def _urls(alliance: Alliance, statement: JointStatement) -> tuple[str, str | None]:
    page = url_for("statements.edition", slug=alliance.slug, round_id=statement.round_id,
                   edition=statement.edition, _external=True)
    summary = statement.summary
    summary_url = url_for("summaries.edition", series_id=summary.series_id, edition=summary.edition,
                          _external=True) if summary is not None and summary.status != "draft" else None
    return page, summary_url


@bp.route("")
def current(slug: str, round_id: int):
    alliance, demand_round = _context(slug, round_id)
    editions = ops.editions(round_id)
    if not editions:
        if is_lead(current_user, alliance) and demand_round.status != "draft":
            return redirect(url_for("rounds.statement", slug=slug, round_id=round_id))
        abort(404)
    shown = next((item for item in editions if item.status == "published"), editions[0])
    return _show(alliance, shown, editions)


@bp.route("/<int:edition>")
def edition(slug: str, round_id: int, edition: int):
    alliance, _ = _context(slug, round_id)
    statement = _edition(alliance, round_id, edition)
    return _show(alliance, statement, ops.editions(round_id, include_drafts=is_lead(current_user, alliance)))


def _show(alliance: Alliance, statement: JointStatement, editions: list[JointStatement]):
    signature = None
    if current_user.is_authenticated:
        signature = ops.signature_of(statement.id, current_user.organisation_id)
    page_url, summary_url = _urls(alliance, statement)
    return render_template(
        "statements/show.html", alliance=alliance, statement=statement, editions=editions,
        lead=is_lead(current_user, alliance), signatories=ops.signatories(statement.id),
        signal=documents.market_signal_lines(statement), summary_url=summary_url,
        signing_refusal=ops.signing_refusal(current_user, statement),
        signed=signature is not None and signature.withdrawn_at is None,
        commitment_sentence=ops.commitment_sentence,
    )


@bp.route("/<int:edition>.<any(pdf, docx):extension>")
def download(slug: str, round_id: int, edition: int, extension: str):
    alliance, _ = _context(slug, round_id)
    statement = _edition(alliance, round_id, edition)
    page_url, summary_url = _urls(alliance, statement)
    document = statement_document(statement, ops.signatories(statement.id), page_url, summary_url, extension)
    if document.etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(document.body, mimetype=document.mimetype)
    response.set_etag(document.etag)
    # Drafts and signatures change what the document says: a client must ask again, and gets 304 if not.
    response.headers["Cache-Control"] = "private, no-cache"
    filename = f"{alliance.slug}-round-{round_id}-joint-statement-{statement.edition}.{extension}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Leads ---------------------------------------------------------------------------------------------------


@bp.route("/new", methods=["POST"])
@login_required
def new(slug: str, round_id: int):
    alliance, demand_round = _context(slug, round_id)
    if not is_lead(current_user, alliance):
        abort(403)
    try:
        statement = ops.create_draft(current_user, demand_round.id)
    except REFUSED_CHANGES as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("rounds.statement", slug=slug, round_id=round_id))
    db.session.commit()
    flash(gettext("A draft of the statement is ready to edit."), "success")
    return redirect(url_for("statements.edit", slug=slug, round_id=round_id, edition=statement.edition))


def _fill_choices(form: StatementForm, statement: JointStatement) -> None:
    sets = ops.round_criteria_sets(statement.demand_round)
    for row in form.commitments:
        row.criteria_set_id.choices = [("", "—")] + [
            (s.id, gettext("%(title)s, version %(version)s (%(cpv)s)", title=s.title, version=s.version,
                           cpv=s.category.cpv_code)) for s in sets]
    form.summary_id.choices = [("", gettext("No summary"))] + [
        (s.id, gettext("%(title)s (edition %(edition)s)", title=s.title, edition=s.edition))
        for s in ops.published_summaries(statement.round_id)]


def _fields(form: StatementForm) -> ops.StatementFields:
    return ops.StatementFields(
        title=form.title.data or "", preamble=form.preamble.data or "",
        market_conditions=form.market_conditions.data or "", working_group=form.working_group.data or "",
        legal_nature=form.legal_nature.data or "", statement_date=form.statement_date.data,
        summary_id=form.summary_id.data,
        commitments=[ops.CommitmentInput(row.criteria_set_id.data, row.share_percent.data, row.level.data,
                                         row.from_year.data, row.note.data or "") for row in form.commitments],
    )



@bp.route("/<int:edition>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, round_id: int, edition: int):
    alliance, _ = _context(slug, round_id)
    if not is_lead(current_user, alliance):
        abort(404)
    statement = _edition(alliance, round_id, edition)
    if statement.status != "draft":
        flash(gettext("This edition is published and never changes. Draft a new edition instead."), "error")
        return redirect(url_for("statements.edition", slug=slug, round_id=round_id, edition=edition))
    form = StatementForm()
    if request.method == "GET":
        form.process(obj=statement, data={"commitments": [
            {"criteria_set_id": c.criteria_set_id, "share_percent": c.share_percent, "level": c.level,
             "from_year": c.from_year, "note": c.note} for c in statement.commitments
        ][:COMMITMENT_ROWS]})
        form.version.data = statement.version
    _fill_choices(form, statement)
    status = 200
    if form.validate_on_submit():
        try:
            ops.update_draft(current_user, statement.id, submitted_version(form.version.data), _fields(form))
        except REFUSED_CHANGES as error:
            db.session.rollback()
            target = getattr(form, error.field, None) if error.field else None
            (target.errors if target is not None and isinstance(target.errors, list) else form.form_errors
             ).append(str(error))
            status = error.status
        else:
            db.session.commit()
            flash(gettext("Draft saved."), "success")
            return redirect(url_for("statements.edition", slug=slug, round_id=round_id, edition=edition))
    elif form.is_submitted():
        status = 422
    return render_template("statements/form.html", alliance=alliance, statement=statement, form=form), status


@bp.route("/<int:edition>/<any(publish, withdraw, discard):action>", methods=["GET", "POST"])
@login_required
def change(slug: str, round_id: int, edition: int, action: str):
    alliance, _ = _context(slug, round_id)
    if not is_lead(current_user, alliance):
        abort(404)
    statement = _edition(alliance, round_id, edition)
    form = ConfirmForm()
    back = url_for("statements.edition", slug=slug, round_id=round_id, edition=edition)
    if form.validate_on_submit():
        operation = {"publish": ops.publish, "withdraw": ops.withdraw, "discard": ops.discard_draft}[action]
        try:
            operation(current_user, statement.id, submitted_version(form.version.data))
        except REFUSED_CHANGES as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(back)
        db.session.commit()
        flash({"publish": gettext("Published: the alliance's buyers can now sign it."),
               "withdraw": gettext("Withdrawn: it can no longer be signed."),
               "discard": gettext("Draft discarded.")}[action], "success")
        return redirect(back if action != "discard" else url_for("rounds.statement", slug=slug, round_id=round_id))
    label, explanation = LEAD_ACTIONS[action]
    form.version.data, form.confirm.data = statement.version, "yes"
    return render_template("statements/confirm.html", alliance=alliance, statement=statement, form=form,
                           label=label, explanation=explanation, back=back,
                           danger=action != "publish"), 400 if form.is_submitted() else 200


# Buyers --------------------------------------------------------------------------------------------------


@bp.route("/<int:edition>/<any(sign, unsign):action>", methods=["GET", "POST"])
@login_required
def signature(slug: str, round_id: int, edition: int, action: str):
    alliance, _ = _context(slug, round_id)
    statement = _edition(alliance, round_id, edition)
    back = url_for("statements.edition", slug=slug, round_id=round_id, edition=edition)
    refusal = ops.signing_refusal(current_user, statement)
    if refusal:
        flash(refusal, "error")
        return redirect(back), 303
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            (ops.sign if action == "sign" else ops.withdraw_signature)(current_user, statement.id)
        except REFUSED_CHANGES as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(back)
        db.session.commit()
        organisation = current_user.organisation.name
        flash(gettext("%(organisation)s signed the statement.", organisation=organisation) if action == "sign"
              else gettext("The signature of %(organisation)s is withdrawn.", organisation=organisation), "success")
        return redirect(back)
    organisation = current_user.organisation.name
    label, explanation = (str(text) % {"organisation": organisation} for text in BUYER_ACTIONS[action])
    form.confirm.data = "yes"
    return render_template("statements/confirm.html", alliance=alliance, statement=statement, form=form,
                           label=label, explanation=explanation, back=back,
                           danger=action == "unsign"), 400 if form.is_submitted() else 200
