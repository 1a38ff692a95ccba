"""Joining an organisation after registering, and the organisation admin's members page."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from itsdangerous import BadSignature, URLSafeSerializer

from alliance.extensions import db, limiter
from alliance.models import Organisation
from alliance.organisations import invitations
from alliance.organisations import membership as ops
from alliance.organisations.forms import (
    DecideForm,
    DomainForm,
    EmptyForm,
    InvitedRegisterForm,
    InviteForm,
    JoinForm,
    NewOrganisationForm,
    RoleForm,
    SearchForm,
)
from alliance.queue import commit_and_dispatch

bp = Blueprint("organisations", __name__, url_prefix="/organisations")

# What a signed-in user without an active organisation may still open; everything else sends them here.
OPEN_WITHOUT_ORGANISATION = {"static", "main.index", "main.health", "notifications.index", "notifications.mark_read",
                             "notifications.mark_all_read", "notifications.preferences"}


@bp.before_app_request
def require_active_organisation():
    """A signed-in user who is not an active member of an organisation has no rights anywhere."""
    if not current_user.is_authenticated or current_user.organisation_id is not None:
        return None
    endpoint = request.endpoint or ""
    if (request.path.startswith("/api/") or endpoint in OPEN_WITHOUT_ORGANISATION
            or endpoint.split(".")[0] in ("auth", "organisations")
            or (current_user.is_admin and endpoint.startswith("admin."))):
        return None  # the API checks its bearer token's user itself
    return redirect(url_for("organisations.start"))


def _choice_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="join-organisation")


def choice_token(organisation_id: int) -> str:
    """What a join button carries: the organisation, signed for this user, so ids cannot be guessed."""
    return _choice_serializer().dumps([current_user.id, organisation_id])


def _chosen_organisation(token: str) -> int | None:
    try:
        user_id, organisation_id = _choice_serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    return organisation_id if user_id == current_user.id and isinstance(organisation_id, int) else None


def _start_page(search_form=None, results=None, new_form=None, status=200):
    user = current_user
    suggested = ops.organisation_for_email(user.email) if user.email_confirmed_at and not user.organisation_id else None
    return render_template(
        "organisations/start.html", pending=ops.pending_request_of(user), suggested=suggested,
        search_form=search_form or SearchForm(formdata=None), results=results, join_form=JoinForm(),
        new_form=new_form or NewOrganisationForm(formdata=None), choice_token=choice_token,
    ), status


@bp.route("/start")
@login_required
def start():
    return _start_page()


@bp.route("/search")
@login_required
@limiter.limit("30 per minute")
def search():
    form = SearchForm(request.args)
    if current_user.email_confirmed_at is None or current_user.organisation_id is not None:
        return redirect(url_for("organisations.start"))
    results = ops.search(form.name.data, form.country.data or "") if form.validate() else None
    return _start_page(search_form=form, results=results)


@bp.route("/join", methods=["POST"])
@login_required
def join():
    form = JoinForm()
    organisation_id = _chosen_organisation(form.choice.data) if form.validate_on_submit() else None
    if organisation_id is None:
        flash(_("Choose an organisation from the search results."), "error")
        return redirect(url_for("organisations.start"))
    try:
        join_request = ops.request_to_join(current_user, organisation_id, form.message.data)
    except ops.MembershipError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        commit_and_dispatch()
        flash(_("Your request to join %(organisation)s is sent to its admins.", organisation=join_request.organisation.name),
              "success")
    return redirect(url_for("organisations.start"))


@bp.route("/withdraw", methods=["POST"])
@login_required
def withdraw():
    if EmptyForm().validate_on_submit() and ops.withdraw_request(current_user):
        db.session.commit()
        flash(_("Your request is withdrawn."), "info")
    return redirect(url_for("organisations.start"))


@bp.route("/new", methods=["POST"])
@login_required
def new():
    form = NewOrganisationForm()
    if not form.validate_on_submit():
        return _start_page(new_form=form, status=400)
    try:
        organisation = ops.register_organisation(
            current_user, form.organisation_name.data, form.organisation_kind.data, form.organisation_type.data,
            form.country.data, form.sme.data)
    except ops.MembershipError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _start_page(new_form=form, status=400)
    db.session.commit()
    if organisation.is_buyer:
        flash(_("%(organisation)s is registered, with you as its admin. A platform admin verifies it as a "
                "public body before it can pledge.", organisation=organisation.name), "info")
    else:
        flash(_("%(organisation)s is registered, with you as its admin.", organisation=organisation.name), "success")
    return redirect(url_for("organisations.manage", organisation_id=organisation.id))


def _managed(organisation_id: int) -> Organisation:
    """The organisation, if the current user may manage it; 404 otherwise (no probing of others)."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not ops.can_manage(current_user, organisation_id):
        abort(404)
    return organisation


@bp.route("/<int:organisation_id>/manage")
@login_required
def manage(organisation_id: int):
    organisation = _managed(organisation_id)
    return render_template(
        "organisations/manage.html", organisation=organisation, members=ops.members(organisation_id),
        requests=ops.pending_requests(organisation_id), invitations=invitations.open_invitations(organisation_id),
        decide_form=DecideForm(), role_form=RoleForm(), invite_form=InviteForm(),
        domain_form=DomainForm(domain=organisation.email_domain or ""), button_form=EmptyForm(),
    )


def _act(organisation_id: int, action, success: str | None = None):
    """Run a membership action for a managed organisation: commit and flash, or flash the refusal."""
    _managed(organisation_id)
    try:
        result = action()
    except ops.MembershipError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        commit_and_dispatch()
        if success:
            flash(success.format(result=result), "success")
    return redirect(url_for("organisations.manage", organisation_id=organisation_id))


@bp.route("/<int:organisation_id>/requests/<int:request_id>", methods=["POST"])
@login_required
def decide(organisation_id: int, request_id: int):
    _managed(organisation_id)  # the access check before the form's, as everywhere: 404, whatever is sent
    form = DecideForm()
    decision = request.form.get("decision")
    if not form.validate_on_submit() or decision not in ("approve", "refuse"):
        abort(400)
    return _act(organisation_id, lambda: ops.decide_request(
        current_user, organisation_id, request_id, decision == "approve", form.role.data),
        _("The request of {result.user.name} is approved.") if decision == "approve"
        else _("The request of {result.user.name} is refused."))


@bp.route("/<int:organisation_id>/members/<int:user_id>/role", methods=["POST"])
@login_required
def set_role(organisation_id: int, user_id: int):
    _managed(organisation_id)  # the access check before the form's, as everywhere: 404, whatever is sent
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    return _act(organisation_id, lambda: ops.set_role(current_user, organisation_id, user_id, form.role.data),
                _("{result.name} is now an admin of the organisation.") if form.role.data == "admin"
                else _("{result.name} is now a member of the organisation."))


@bp.route("/<int:organisation_id>/members/<int:user_id>/remove", methods=["POST"])
@login_required
def remove(organisation_id: int, user_id: int):
    _managed(organisation_id)  # the access check before the form's, as everywhere: 404, whatever is sent
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _act(organisation_id, lambda: ops.remove_member(current_user, organisation_id, user_id),
                _("{result.name} is no longer a member."))


@bp.route("/<int:organisation_id>/invitations", methods=["POST"])
@login_required
def invite(organisation_id: int):
    organisation = _managed(organisation_id)
    form = InviteForm()
    if not form.validate_on_submit():
        flash(" ".join(str(error) for errors in form.errors.values() for error in errors), "error")
        return redirect(url_for("organisations.manage", organisation_id=organisation.id))
    return _act(organisation_id, lambda: invitations.invite(current_user, organisation_id, form.email.data,
                                                            form.role.data),
                _("An invitation is mailed to {result.email}."))


@bp.route("/<int:organisation_id>/invitations/<int:invitation_id>/revoke", methods=["POST"])
@login_required
def revoke(organisation_id: int, invitation_id: int):
    _managed(organisation_id)  # the access check before the form's, as everywhere: 404, whatever is sent
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _act(organisation_id, lambda: invitations.revoke(current_user, organisation_id, invitation_id),
                _("The invitation of {result.email} is revoked."))


@bp.route("/<int:organisation_id>/domain", methods=["POST"])
@login_required
def set_domain(organisation_id: int):
    if not current_user.is_admin:
        abort(403)  # a platform admin's action: the organisation is no secret to its own admins
    form = DomainForm()
    if not form.validate_on_submit():
        abort(400)
    return _act(organisation_id, lambda: ops.set_email_domain(current_user, organisation_id, form.domain.data),
                _("The verified e-mail domain of {result.name} is saved."))


@bp.route("/requests")
@login_required
def all_requests():
    """Platform admins: every pending request, above all those of organisations without an admin."""
    if not current_user.is_admin:
        abort(403)  # a platform admin's page, like those under /admin/
    pending = ops.pending_requests()
    return render_template("organisations/requests.html", requests=pending,
                           without_admin={r.organisation_id for r in pending if ops.admin_count(r.organisation_id) == 0})


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def invitation(token: str):
    invited = invitations.invitation_for_token(token)
    if invited is None:
        return render_template("organisations/invitation.html", invitation=None), 404
    if current_user.is_authenticated:
        form = EmptyForm()
        if form.validate_on_submit():
            try:
                invitations.accept(current_user, token)
            except ops.MembershipError as error:
                db.session.rollback()
                flash(str(error), "error")
            else:
                db.session.commit()
                flash(_("You are now a member of %(organisation)s.", organisation=invited.organisation.name), "success")
                return redirect(url_for("main.index"))
        return render_template("organisations/invitation.html", invitation=invited, form=form)
    form = InvitedRegisterForm()
    has_account = invitations.account_exists(invited.email)
    if not has_account and form.validate_on_submit():
        try:
            user = invitations.register_and_accept(token, form.name.data, form.password.data)
        except ops.MembershipError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            session.clear()
            login_user(user)
            flash(_("Welcome! You are now a member of %(organisation)s.", organisation=invited.organisation.name), "success")
            return redirect(url_for("main.index"))
    return render_template("organisations/invitation.html", invitation=invited, form=form, has_account=has_account)
