"""Pledge import pages: upload (small files import at once, large ones in a worker), progress, CSV template."""

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from alliance.extensions import db
from alliance.language import number
from alliance.language.recipients import page_locale
from alliance.models import DemandRound, PendingJob, User
from alliance.pledges import access, bp, importing
from alliance.pledges.forms import ImportForm
from alliance.pledges.operations import PledgeNotFoundError
from alliance.queue import commit_and_dispatch, fetch_job, request_job, rq_job_id

IMPORT_FUNC = "workers.pledges.import_pledges"


@bp.route("/rounds/<int:round_id>/import", methods=["GET", "POST"])
@login_required
def import_file(round_id: int):
    loaded = _importable_round(round_id)
    demand_round = loaded.demand_round
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        upload = form.file.data
        data, filename = upload.read(), upload.filename or ""
        try:
            rows = importing.estimate_rows(data, filename)
        except importing.ImportFileError as error:
            form.file.errors.append(str(error))
        else:
            if rows > importing.BACKGROUND_ROWS:
                return _start_background_import(demand_round, data)
            result = importing.import_file(loaded, data, filename)
            if result.ok:
                commit_and_dispatch()
                flash(_("%(format)s pledges imported.", format=number(result.imported)), "success")
                return redirect(url_for("pledges.round_page", round_id=round_id))
            db.session.rollback()
    return render_template("pledges/import.html", demand_round=demand_round, form=form, result=result,
                           columns=importing.COLUMNS, max_rows=importing.MAX_ROWS)


def _importable_round(round_id: int) -> access.RoundAccess:
    """The round, if the user's organisation may import pledges into it: a draft round is 404 to all but its
    leads, as on its own page; a refusal to pledge is 403, for the template as for the import itself."""
    try:
        loaded = access.load_visible_round(current_user, round_id)
    except PledgeNotFoundError:
        abort(404)
    if loaded.refusal:
        abort(403, loaded.refusal)
    return loaded


def _start_background_import(demand_round: DemandRound, data: bytes):
    name = importing.save_upload(data)
    # The job has no request to take the language from: it reports progress and problems in the uploader's.
    pending = request_job(f"import_pledges-{name.split('.')[0]}", IMPORT_FUNC, name, demand_round.id, current_user.id,
                          page_locale())
    commit_and_dispatch()
    return redirect(url_for("pledges.import_progress", pending_id=pending.id))


@bp.route("/imports/<int:pending_id>")
@login_required
def import_progress(pending_id: int):
    """Progress of a background import; refreshes itself (no JavaScript) until the job is done."""
    pending = db.session.get(PendingJob, pending_id)
    if pending is None or pending.func != IMPORT_FUNC:
        abort(404)
    uploader_org = db.session.scalar(sa.select(User.organisation_id).where(User.id == pending.args[2]))
    if uploader_org != current_user.organisation_id:
        abort(404)
    demand_round = db.get_or_404(DemandRound, pending.args[1])
    job = fetch_job(rq_job_id(pending)) if pending.enqueued_at else None
    status = job.get_status() if job else None
    status = getattr(status, "value", status) or "waiting"
    result = None
    if status == "finished":
        result = importing.ImportResult.from_dict(job.return_value())
    meta = job.meta if job else {}
    return render_template("pledges/import_progress.html", demand_round=demand_round, status=status,
                           progress=meta.get("progress", 0), message=meta.get("message", ""), result=result)


@bp.route("/rounds/<int:round_id>/import-template.csv")
@login_required
def import_template(round_id: int):
    """A template that imports unchanged into this round: its categories, versions, currency and quarters."""
    loaded = _importable_round(round_id)
    csv_text = importing.template_csv(loaded.context, current_user.organisation.country)
    return Response(csv_text, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=pledges-round-{round_id}-template.csv"})


@bp.errorhandler(413)
def too_large(error):
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    return render_template("errors/error.html", error=error.__class__(
        _("The file is larger than %(limit)s MB. Split it into smaller files of at most %(rows)s rows.",
          limit=limit, rows=number(importing.MAX_ROWS)))), 413
