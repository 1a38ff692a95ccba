"""Notification pages: the in-app list (with the unread count in the header), mark read, preferences."""

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from alliance.extensions import db
from alliance.models import Notification
from alliance.models.base import utcnow
from alliance.notifications.delivery import unread_count
from alliance.notifications.forms import preferences_form
from alliance.notifications.preferences import KINDS, preferences_of, set_preferences
from alliance.pagination import paginate

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PER_PAGE = 30


@bp.app_context_processor
def _unread() -> dict:
    """The header's unread count, on every page of a logged-in user."""
    if not current_user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": unread_count(current_user.id)}


@bp.route("/")
@login_required
def index():
    page = paginate(
        sa.select(Notification).where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()),
        per_page=PER_PAGE,
    )
    return render_template("notifications/index.html", page=page)


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    """Mark one of the user's notifications read and go to what it is about."""
    notification = db.first_or_404(
        sa.select(Notification).where(Notification.id == notification_id, Notification.user_id == current_user.id)
    )
    notification.read_at = notification.read_at or utcnow()
    db.session.commit()
    target = notification.url if notification.url.startswith("/") and not notification.url.startswith("//") else None
    return redirect(target or url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def mark_all_read():
    db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    flash(_("All notifications are marked read."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    current = preferences_of(current_user.id)
    form = preferences_form(current)
    if form.validate_on_submit():
        set_preferences(current_user.id, {
            kind: (form[f"{kind}__in_app"].data, form[f"{kind}__email"].data) for kind in KINDS
        })
        db.session.commit()
        flash(_("Your notification choices are saved."), "success")
        return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", form=form, kinds=KINDS)
