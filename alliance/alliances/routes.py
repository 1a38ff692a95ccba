"""Alliance pages: the public list and page, join requests, decisions by leads, settings."""

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from alliance.alliances import membership as ops
from alliance.alliances.access import alliance_or_404, led_alliance_or_403
from alliance.alliances.forms import K_HINT, P_HINT, PROTECTION_HINT, SettingsForm
from alliance.extensions import db
from alliance.models import Alliance, Membership
from alliance.queue import commit_and_dispatch

bp = Blueprint("alliances", __name__, url_prefix="/alliances")

# Other features' public pages about one alliance: (label, endpoint taking `slug`).
SECTION_LINKS = [
    (_l("Criteria sets"), "criteria.index"),
    (_l("Demand rounds"), "rounds.index"),
    (_l("Market signals"), "signals.dashboard"),  # the public, disclosure-controlled view
]


@bp.route("/")
def index():
    counts = (
        sa.select(Membership.alliance_id, sa.func.count().label("members"))
        .where(Membership.status == "active").group_by(Membership.alliance_id).subquery()
    )
    rows = db.session.execute(
        sa.select(Alliance, sa.func.coalesce(counts.c.members, 0))
        .outerjoin(counts, counts.c.alliance_id == Alliance.id).order_by(Alliance.name)
    ).all()
    return render_template("alliances/index.html", rows=rows)


@bp.route("/<slug>")
def show(slug: str):
    alliance = alliance_or_404(slug)
    own = None
    lead = False
    if current_user.is_authenticated:
        own = ops.membership_of(current_user.organisation_id, alliance.id)
        lead = own is not None and own.status == "active" and own.role == "lead"
    return render_template(
        "alliances/show.html", alliance=alliance, members=ops.members(alliance.id), own=own, lead=lead,
        requests=ops.pending_requests(alliance.id) if lead else [], links=SECTION_LINKS,
    )


@bp.route("/<slug>/join", methods=["POST"])
@login_required
def join(slug: str):
    alliance = alliance_or_404(slug)
    try:
        ops.request_to_join(current_user, alliance)
    except ops.MembershipError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        commit_and_dispatch()  # the leads hear of it
        flash(_("Your request to join %(alliance)s is sent. A lead of the alliance will decide.", alliance=alliance.name),
              "success")
    return redirect(url_for("alliances.show", slug=slug))


@bp.route("/<slug>/leave", methods=["POST"])
@login_required
def leave(slug: str):
    alliance = alliance_or_404(slug)
    own = ops.membership_of(current_user.organisation_id, alliance.id)
    was_pending = own is not None and own.status == "pending"
    try:
        ops.leave(current_user, alliance)
    except ops.MembershipError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        if was_pending:
            flash(_("Your request to join %(alliance)s is withdrawn.", alliance=alliance.name), "info")
        else:
            flash(_("%(organisation)s has left %(alliance)s.", organisation=current_user.organisation.name,
                    alliance=alliance.name), "info")
    return redirect(url_for("alliances.show", slug=slug))


@bp.route("/<slug>/requests/<int:membership_id>/<any(approve, decline):decision>", methods=["POST"])
@login_required
def decide(slug: str, membership_id: int, decision: str):
    alliance = led_alliance_or_403(slug)
    try:
        membership = ops.decide_request(current_user, alliance, membership_id, approve=decision == "approve")
    except ops.MembershipError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        commit_and_dispatch()  # the organisation hears of the decision
        name = membership.organisation.name
        flash(_("%(organisation)s is now a member.", organisation=name) if decision == "approve"
              else _("%(organisation)s was declined.", organisation=name), "success")
    return redirect(url_for("alliances.show", slug=slug))


@bp.route("/<slug>/members/<int:membership_id>/lead", methods=["POST"])
@login_required
def promote(slug: str, membership_id: int):
    alliance = led_alliance_or_403(slug)
    try:
        membership = ops.make_lead(current_user, alliance, membership_id)
    except ops.MembershipError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("%(organisation)s is now a lead of %(alliance)s.", organisation=membership.organisation.name,
                alliance=alliance.name), "success")
    return redirect(url_for("alliances.show", slug=slug))


@bp.route("/<slug>/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str):
    alliance = led_alliance_or_403(slug)
    form = SettingsForm(obj=alliance)
    if not form.is_submitted():
        form.fingerprint.data = ops.settings_fingerprint(alliance)
    if form.validate_on_submit():
        new = ops.AllianceSettings(charter=form.charter.data or "", k=form.k.data, p=form.p.data,
                                   protection_percent=form.protection_percent.data or alliance.protection_percent)
        try:
            ops.update_settings(current_user, alliance, new, form.fingerprint.data or "")
        except ops.MembershipError as error:
            db.session.rollback()
            alliance = alliance_or_404(slug)
            form.fingerprint.data = ops.settings_fingerprint(alliance)
            target = getattr(form, error.field) if error.field else None
            target.errors.append(str(error)) if target is not None else form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The alliance settings are saved."), "success")
            return redirect(url_for("alliances.show", slug=slug))
    return render_template("alliances/settings.html", alliance=alliance, form=form, k_hint=K_HINT, p_hint=P_HINT,
                           protection_hint=PROTECTION_HINT)
