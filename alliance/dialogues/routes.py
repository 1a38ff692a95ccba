"""Dialogue pages: the public list and page, opening (leads), posting (suppliers, leads), closing."""

from datetime import UTC

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from alliance.alliances.access import is_lead, led_alliance_ids
from alliance.dialogues import operations as ops
from alliance.dialogues.forms import DialogueForm, PostForm
from alliance.extensions import db
from alliance.models import Alliance, DemandRound, DemandSummary, Dialogue
from alliance.pagination import paginate
from alliance.queue import commit_and_dispatch

bp = Blueprint("dialogues", __name__, url_prefix="/dialogues")
PER_PAGE = 25


@bp.route("/")
def index():
    page = paginate(ops.dialogues_page_query(), per_page=PER_PAGE)
    can_open = bool(led_alliance_ids(current_user))
    return render_template("dialogues/index.html", page=page, can_open=can_open, is_closed=ops.is_closed)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    led = led_alliance_ids(current_user)
    if not led:
        abort(403)
    alliances = db.session.scalars(sa.select(Alliance).where(Alliance.id.in_(led)).order_by(Alliance.name)).all()
    form = DialogueForm()
    form.alliance.choices = [(str(a.id), a.name) for a in alliances]
    form.subject.choices = _subjects(led)
    if request.method == "GET" and request.args.get("round"):
        form.subject.data = f"round-{request.args['round']}"
    if form.validate_on_submit():
        alliance = next(a for a in alliances if str(a.id) == form.alliance.data)
        kind, _, subject_id = form.subject.data.partition("-")
        try:
            dialogue = ops.open_dialogue(
                current_user, alliance, form.title.data, form.description.data,
                form.closes_at.data.replace(tzinfo=UTC),
                round_id=int(subject_id) if kind == "round" else None,
                summary_id=int(subject_id) if kind == "summary" else None,
                rfi_questions=(form.rfi_questions.data or "").splitlines(),
            )
        except ops.DialogueError as error:
            db.session.rollback()
            target = form[error.field] if error.field in ("title", "description", "closes_at", "rfi_questions") \
                else form.subject
            target.errors = list(target.errors) + [str(error)]
        else:
            commit_and_dispatch()
            flash(gettext("The dialogue is open. Subscribed suppliers are told."), "success")
            return redirect(url_for("dialogues.show", dialogue_id=dialogue.id))
    return render_template("dialogues/new.html", form=form)


def _subjects(alliance_ids: set[int]) -> list[tuple[str, str]]:
    rounds = db.session.scalars(sa.select(DemandRound).where(DemandRound.alliance_id.in_(alliance_ids))
                                .order_by(DemandRound.opens_on.desc())).all()
    summaries = db.session.scalars(sa.select(DemandSummary).where(
        DemandSummary.alliance_id.in_(alliance_ids), DemandSummary.status == "published"
    ).order_by(DemandSummary.published_at.desc())).all()
    return [(f"round-{r.id}", gettext("Round: %(title)s", title=r.title)) for r in rounds] + \
        [(f"summary-{s.id}", gettext("Summary: %(title)s", title=s.title)) for s in summaries]


@bp.route("/<int:dialogue_id>")
def show(dialogue_id: int):
    dialogue = db.get_or_404(Dialogue, dialogue_id)
    return _render(dialogue, PostForm(formdata=None))


def _render(dialogue: Dialogue, form: PostForm, status: int = 200):
    user = current_user if current_user.is_authenticated else None
    views = ops.visible_posts(user, dialogue)
    replies: dict[int, list] = {}
    for view in views:
        if view.post.parent_id:
            replies.setdefault(view.post.parent_id, []).append(view)
    top = [view for view in views if view.post.parent_id is None or view.post.parent_id not in
           {v.post.id for v in views}]
    return render_template(
        "dialogues/show.html", dialogue=dialogue, top=top, replies=replies, form=form,
        closed=ops.is_closed(dialogue), lead=is_lead(user, dialogue.alliance_id),
        supplier=user is not None and user.organisation.kind == "supplier",
    ), status


@bp.route("/<int:dialogue_id>/posts", methods=["POST"])
@login_required
def post(dialogue_id: int):
    dialogue = db.get_or_404(Dialogue, dialogue_id)
    form = PostForm()
    if form.validate_on_submit():
        try:
            parent_id = int(form.parent_id.data) if (form.parent_id.data or "").isdigit() else None
            created = ops.add_post(current_user, dialogue, form.kind.data, form.body.data, parent_id,
                                   leads_only=form.leads_only.data)
        except (ops.DialogueError, ops.DialogueClosedError) as error:
            db.session.rollback()
            form.form_errors.append(str(error))
            return _render(dialogue, form, error.status)
        commit_and_dispatch()
        flash(gettext("Your post is published.") if created.visibility == "public" else
              gettext("Your post is sent to the alliance's leads only."), "success")
        return redirect(url_for("dialogues.show", dialogue_id=dialogue.id, _anchor=f"post-{created.id}"))
    return _render(dialogue, form, 422)


@bp.route("/<int:dialogue_id>/close", methods=["POST"])
@login_required
def close(dialogue_id: int):
    dialogue = db.get_or_404(Dialogue, dialogue_id)
    ops.close_dialogue(current_user, dialogue)
    db.session.commit()
    flash(gettext("The dialogue is closed; it is kept read-only."), "success")
    return redirect(url_for("dialogues.show", dialogue_id=dialogue.id))
