"""Summary pages: the public list and pages (no login), and the leads' drafting and publishing pages."""

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from alliance.alliances.access import is_lead, led_alliance_ids
from alliance.caching import cached_page, public_etag
from alliance.criteria.categories import category_names
from alliance.errors import DomainError
from alliance.extensions import db
from alliance.form_version import submitted_version
from alliance.language import day
from alliance.language.labels import choices
from alliance.models import SECTORS, CriteriaSet, DemandSummary, Dialogue, Post, Snapshot
from alliance.pagination import paginate
from alliance.queue import commit_and_dispatch
from alliance.signals.tables import headline, summary_charts, summary_tables
from alliance.statements.operations import current as current_statement
from alliance.summaries import operations as ops
from alliance.summaries.forms import FilterForm, NewSummaryForm, SummaryForm, VersionForm
from alliance.summaries.ocds import missing_configuration

bp = Blueprint("summaries", __name__, url_prefix="/summaries")
PAGE_SIZE = 20
# Refusals a lead can act on from the page (bad input, an edition that changed or never changes): shown there.
# Anything else (a summary that is not theirs) is the error page of alliance.web's mapping.
REFUSED_CHANGES = (ops.SummaryError, ops.SummaryConflictError, ops.SummaryStaleError)


@bp.route("/")
def index():
    form = FilterForm(request.args)
    # Offer the sectors that have an alliance; a link naming another known sector still filters (to nothing).
    offered = ops.sectors_with_alliances()
    asked = request.args.get("sector", "")
    if asked in SECTORS and asked not in offered:
        offered.append(asked)
    form.sector.choices = [("", _l("Any sector"))] + choices("sector", offered)
    filters = ops.ListFilters()
    if form.validate():
        filters = ops.ListFilters(sector=form.sector.data or "", cpv=(form.cpv.data or "").strip(),
                                  country=(form.country.data or "").strip().upper(),
                                  quarter_from=form.quarter_from.data or "", quarter_to=form.quarter_to.data or "")
    page = paginate(ops.published_query(filters), per_page=PAGE_SIZE)
    args = {name: value for name, value in request.args.items() if name != "page" and name in form}
    codes = {code for summary in page.items for code in summary.views.get("categories", [])}
    return render_template("summaries/index.html", form=form, page=page, args=args,
                           led_any=bool(led_alliance_ids(current_user)), category_names=category_names(codes))


@bp.route("/<series_id>")
def current(series_id: str):
    editions = ops.series_editions(series_id)
    if not editions:
        abort(404)
    published = next((edition for edition in editions if edition.status == "published"), None)
    return _show(published or editions[0], editions)


@bp.route("/<series_id>/<int:edition>")
def edition(series_id: str, edition: int):
    editions = ops.series_editions(series_id)
    chosen = next((item for item in editions if item.edition == edition), None)
    if chosen is None:
        abort(404)
    return _show(chosen, editions)


def _show(summary: DemandSummary, editions: list[DemandSummary]):
    current_edition = next((item for item in editions if item.status == "published"), None)
    if summary.status == "withdrawn" or current_edition is None:
        # 410 Gone: search engines drop the address, people still learn what happened to it.
        return render_template("summaries/withdrawn.html", summary=summary, editions=editions), 410
    qa = _public_qa(editions)
    # A published summary is fixed; the page changes only with its editions and its public questions.
    ocds_configured = not missing_configuration(current_app.config)
    statement = current_statement(summary.round_id)
    etag = public_etag([(item.id, item.status, item.version) for item in editions],
                       [(post.id, len(answers)) for post, answers in qa], ocds_configured,
                       statement and (statement.id, statement.status))
    return cached_page(etag, lambda: render_template(
        "summaries/show.html", summary=summary, current_edition=current_edition, editions=editions,
        tables=summary_tables(summary), charts=summary_charts(summary), headline=headline(summary),
        qa=qa, lead=is_lead(current_user, summary.alliance_id), ocds_configured=ocds_configured, statement=statement,
    ))


def _public_qa(editions: list[DemandSummary]) -> list[tuple[Post, list[Post]]]:
    """Public questions with their public answers, from dialogues on this series or its round. No authors."""
    summary_ids = [item.id for item in editions]
    dialogue_ids = sa.select(Dialogue.id).where(
        sa.or_(Dialogue.summary_id.in_(summary_ids), Dialogue.round_id == editions[0].round_id)
    )
    posts = db.session.scalars(
        sa.select(Post).where(Post.dialogue_id.in_(dialogue_ids), Post.visibility == "public",
                              Post.kind.in_(["question", "answer"])).order_by(Post.created_at, Post.id)
    ).all()
    answers: dict[int, list[Post]] = {}
    for post in posts:
        if post.kind == "answer" and post.parent_id:
            answers.setdefault(post.parent_id, []).append(post)
    return [(post, answers.get(post.id, [])) for post in posts if post.kind == "question"]


# Leads: drafting and publishing ---------------------------------------------------------------------------


@bp.route("/manage")
@login_required
def manage():
    alliance_ids = led_alliance_ids(current_user)
    if not alliance_ids:
        abort(403)
    return render_template("summaries/manage.html", summaries=ops.alliance_drafts_and_editions(alliance_ids),
                           snapshots=ops.lead_snapshots(current_user))


def _fill_choices(form: SummaryForm, snapshot: Snapshot | None, alliance_id: int) -> None:
    categories = ops.snapshot_categories(snapshot) if snapshot else []
    form.categories.choices = [(c["cpv_code"], f"{c.get('name', '')} ({c['cpv_code']})") for c in categories]
    sets = db.session.scalars(
        sa.select(CriteriaSet).where(CriteriaSet.alliance_id == alliance_id, CriteriaSet.status == "published")
        .order_by(CriteriaSet.title, CriteriaSet.version)
    ).all()
    form.criteria_sets.choices = [(s.id, _("%(title)s, version %(version)s (%(cpv)s)", title=s.title, version=s.version,
                                            cpv=s.category.cpv_code)) for s in sets]


def _fields(form: SummaryForm) -> ops.SummaryFields:
    return ops.SummaryFields(title=form.title.data, narrative=form.narrative.data or "", views=form.views.data or [],
                             categories=form.categories.data or [], criteria_set_ids=form.criteria_sets.data or [])


def _form_error(form: SummaryForm, error: DomainError) -> None:
    db.session.rollback()
    target = getattr(form, error.field, None) if error.field else None
    if target is not None and hasattr(target, "errors") and isinstance(target.errors, list):
        target.errors.append(str(error))
    else:
        form.form_errors.append(str(error))


@bp.route("/manage/new", methods=["GET", "POST"])
@login_required
def new():
    snapshots = ops.lead_snapshots(current_user)
    if not snapshots:
        flash(_("There is no compiled snapshot of your alliances' rounds yet."), "info")
        return redirect(url_for("summaries.manage")) if led_alliance_ids(current_user) else abort(403)
    form = NewSummaryForm()
    form.snapshot_id.choices = [(s.id, _("%(round)s, public release %(number)s, compiled %(date)s, %(time)s UTC",
                                         round=s.demand_round.title, number=s.release_number, date=day(s.compiled_at),
                                         time=f"{s.compiled_at:%H:%M}"))
                                for s in snapshots]
    chosen_id = form.snapshot_id.data if form.is_submitted() else request.args.get("snapshot", type=int)
    snapshot = next((s for s in snapshots if s.id == chosen_id), snapshots[0])
    form.snapshot_id.data = snapshot.id
    _fill_choices(form, snapshot, snapshot.demand_round.alliance_id)
    if request.method == "GET":
        form.categories.data = [code for code, _ in form.categories.choices]
        form.views.data = list(ops.VIEWS)
    if form.validate_on_submit():
        try:
            summary = ops.create_draft(current_user, snapshot.id, _fields(form))
        except ops.SummaryError as error:
            _form_error(form, error)
        else:
            db.session.commit()
            flash(_("Draft saved. Check it, then publish it."), "success")
            return redirect(url_for("summaries.preview", summary_id=summary.id))
    return render_template("summaries/form.html", form=form, summary=None)


def _lead_summary_or_404(summary_id: int) -> DemandSummary:
    summary = db.session.get(DemandSummary, summary_id)
    if summary is None or not is_lead(current_user, summary.alliance_id):
        abort(404)
    return summary


@bp.route("/manage/<int:summary_id>")
@login_required
def preview(summary_id: int):
    summary = _lead_summary_or_404(summary_id)
    return render_template("summaries/preview.html", summary=summary, tables=summary_tables(summary),
                           headline=headline(summary), editions=ops.series_editions(summary.series_id),
                           action_form=VersionForm())


@bp.route("/manage/<int:summary_id>/edit", methods=["GET", "POST"])
@login_required
def edit(summary_id: int):
    summary = _lead_summary_or_404(summary_id)
    if summary.status != "draft":
        flash(str(ops.FIXED_EDITION.get(summary.status, ops.FIXED_EDITION["published"])), "error")
        return redirect(url_for("summaries.preview", summary_id=summary.id))
    form = SummaryForm()
    _fill_choices(form, summary.snapshot, summary.alliance_id)
    if request.method == "GET":
        form.title.data, form.narrative.data = summary.title, summary.narrative
        form.views.data = list(summary.views.get("show", []))
        form.categories.data = list(summary.views.get("categories", []))
        form.criteria_sets.data = [criteria_set.id for criteria_set in summary.criteria_sets]
        form.version.data = summary.version
    status = 200
    if form.validate_on_submit():
        try:
            ops.update_draft(current_user, summary.id, submitted_version(form.version.data), _fields(form))
        except REFUSED_CHANGES as error:
            _form_error(form, error)
            status = error.status
        else:
            db.session.commit()
            flash(_("Draft saved."), "success")
            return redirect(url_for("summaries.preview", summary_id=summary.id))
    return render_template("summaries/form.html", form=form, summary=summary), status



# action: (the button, the question the page asks, what follows)
CONFIRMATIONS = {
    "publish": (_l("Publish this edition"), _l("Publish this edition?"),
                _l("Once published it never changes, it is listed publicly and subscribed suppliers are told. A "
                   "published earlier edition of the series is superseded.")),
    "withdraw": (_l("Withdraw this summary"), _l("Withdraw this summary?"),
                 _l("It leaves the public lists; its page, API answer and CSV, XLSX and OCDS exports answer 410 Gone, "
                    "and an OCDS release records the withdrawal. This cannot be undone.")),
    "discard": (_l("Discard this draft"), _l("Discard this draft?"), _l("The draft is deleted. This cannot be undone.")),
}


@bp.route("/manage/<int:summary_id>/<any(publish, withdraw, discard):action>", methods=["GET"])
@login_required
def confirm(summary_id: int, action: str):
    """The confirmation step of an irreversible action: a page with one form, no JavaScript needed."""
    summary = _lead_summary_or_404(summary_id)
    label, question, explanation = CONFIRMATIONS[action]
    return render_template("summaries/confirm.html", summary=summary, action=action, label=label, question=question,
                           explanation=explanation, action_form=VersionForm())


@bp.route("/manage/<int:summary_id>/<any(publish, withdraw, discard, 'new-edition'):action>", methods=["POST"])
@login_required
def change(summary_id: int, action: str):
    summary = _lead_summary_or_404(summary_id)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    actions = {
        "publish": lambda: ops.publish(current_user, summary.id, form.version.data),
        "withdraw": lambda: ops.withdraw(current_user, summary.id, form.version.data),
        "discard": lambda: ops.discard_draft(current_user, summary.id, form.version.data),
        "new-edition": lambda: ops.new_edition(current_user, summary.id),
    }
    try:
        result = actions[action]()
    except REFUSED_CHANGES as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("summaries.preview", summary_id=summary_id))
    commit_and_dispatch()
    messages = {
        "publish": (_("Published. Subscribed suppliers are being told."), url_for("summaries.current",
                                                                                    series_id=summary.series_id)),
        "withdraw": (_("Withdrawn: it is off the public lists; its address says it was withdrawn."),
                     url_for("summaries.manage")),
        "discard": (_("Draft discarded."), url_for("summaries.manage")),
        "new-edition": (_("A new edition is drafted from the round's latest snapshot."),
                        url_for("summaries.edit", summary_id=result.id) if result is not None else ""),
    }
    message, target = messages[action]
    flash(message, "success")
    return redirect(target)
