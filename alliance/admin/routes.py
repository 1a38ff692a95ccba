"""Platform administration pages: organisations, users, new alliances, the mail outbox, the audit log."""

from functools import wraps

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from alliance.admin import operations as ops
from alliance.alliances.forms import K_HINT, P_HINT, PROTECTION_HINT, AllianceForm
from alliance.alliances.membership import AllianceSettings, MembershipError, create_alliance
from alliance.extensions import db
from alliance.health.report import health_report
from alliance.models import MailMessage, Organisation
from alliance.pagination import paginate

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 50


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _search_arg(name: str) -> str:
    return request.args.get(name, "", type=str)[:200]


def _back(endpoint: str):
    """Redirect to the list the action came from, keeping its filters (only our own query string)."""
    return redirect(url_for(endpoint, **{k: v for k, v in request.args.items() if k in ("kind", "status", "q", "page")}))


@bp.route("/")
@admin_required
def index():
    waiting = db.session.scalar(
        sa.select(sa.func.count()).select_from(Organisation)
        .where(Organisation.kind == "buyer", Organisation.verified.is_(False))
    )
    unsent = db.session.scalar(sa.select(sa.func.count()).select_from(MailMessage).where(MailMessage.sent_at.is_(None)))
    return render_template("admin/index.html", waiting=waiting, unsent=unsent, health=health_report())


@bp.route("/organisations")
@admin_required
def organisations():
    kind, status, search = _search_arg("kind"), _search_arg("status"), _search_arg("q")
    page = paginate(ops.organisations_query(kind, status, search), per_page=PER_PAGE)
    return render_template("admin/organisations.html", page=page, kind=kind, status=status, q=search)


@bp.route("/organisations/<int:organisation_id>/<any(verify, unverify):action>", methods=["POST"])
@admin_required
def verify(organisation_id: int, action: str):
    def change():
        return ops.set_verified(current_user, organisation_id, action == "verify").name

    done = _l("%(name)s is verified as a public body.") if action == "verify" else _l("%(name)s is no longer verified.")
    return _apply(change, "admin.organisations", done)


@bp.route("/organisations/<int:organisation_id>/<any(sme, not_sme):action>", methods=["POST"])
@admin_required
def sme(organisation_id: int, action: str):
    def change():
        return ops.set_sme(current_user, organisation_id, action == "sme").name

    done = _l("%(name)s is marked as an SME.") if action == "sme" else _l("%(name)s is no longer marked as an SME.")
    return _apply(change, "admin.organisations", done)


@bp.route("/organisations/<int:organisation_id>/identifier", methods=["POST"])
@admin_required
def identifier(organisation_id: int):
    def change():
        return ops.set_identifier(current_user, organisation_id, request.form.get("scheme", ""),
                                  request.form.get("identifier", "")).name

    return _apply(change, "admin.organisations", _l("%(name)s has its registered identifier updated."))


@bp.route("/users")
@admin_required
def users():
    search = _search_arg("q")
    page = paginate(ops.users_query(search), per_page=PER_PAGE)
    return render_template("admin/users.html", page=page, q=search)


@bp.route("/users/<int:user_id>/<any(disable, enable, grant_admin, revoke_admin):action>", methods=["POST"])
@admin_required
def user_action(user_id: int, action: str):
    def change():
        if action in ("disable", "enable"):
            user = ops.set_disabled(current_user, user_id, action == "disable")
        else:
            user = ops.set_admin(current_user, user_id, action == "grant_admin")
        return user.email

    done = {"disable": _l("%(name)s is disabled."), "enable": _l("%(name)s is enabled."),
            "grant_admin": _l("%(name)s is now a platform admin."),
            "revoke_admin": _l("%(name)s is no longer a platform admin.")}
    return _apply(change, "admin.users", done[action])


def _apply(change, endpoint: str, done):
    """Run an admin change (returning the name of what it changed), commit, and say what happened: `done` is
    the message with a %(name)s placeholder."""
    try:
        name = change()
    except ops.AdminError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(done % {"name": name}, "success")
    return _back(endpoint)


@bp.route("/alliances/new", methods=["GET", "POST"])
@admin_required
def new_alliance():
    form = AllianceForm()
    buyers = db.session.execute(
        sa.select(Organisation.id, Organisation.name, Organisation.country)
        .where(Organisation.kind == "buyer", Organisation.verified.is_(True)).order_by(Organisation.name)
    ).all()
    form.lead_organisation.choices = [(0, _("Choose a verified buyer organisation"))] + [
        (org.id, f"{org.name} ({org.country})") for org in buyers
    ]
    if form.validate_on_submit():
        settings = AllianceSettings(charter=form.charter.data or "", k=form.k.data, p=form.p.data,
                                    protection_percent=form.protection_percent.data or 20)
        try:
            alliance = create_alliance(current_user, form.slug.data, form.name.data, form.sector.data, settings,
                                       form.currency.data, form.lead_organisation.data)
        except MembershipError as error:
            db.session.rollback()
            target = getattr(form, error.field, None) if error.field else None
            target.errors.append(str(error)) if target is not None else form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("%(alliance)s is created.", alliance=alliance.name), "success")
            return redirect(url_for("alliances.show", slug=alliance.slug))
    return render_template("admin/alliance_new.html", form=form, k_hint=K_HINT, p_hint=P_HINT,
                           protection_hint=PROTECTION_HINT)


@bp.route("/mail")
@admin_required
def mail():
    page = paginate(ops.mail_query(), per_page=PER_PAGE)
    return render_template("admin/mail.html", page=page)


@bp.route("/mail/<int:message_id>")
@admin_required
def mail_message(message_id: int):
    return render_template("admin/mail_message.html", message=db.get_or_404(MailMessage, message_id))


@bp.route("/audit")
@admin_required
def audit():
    page = paginate(ops.audit_query(), per_page=PER_PAGE)
    return render_template("admin/audit.html", page=page, actors=ops.actor_emails(page.items))
