import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from alliance.auth import limits
from alliance.auth.accounts import (
    AccountError,
    NewOrganisation,
    create_user,
    send_reset_mail,
    set_password,
    user_for_reset_token,
)
from alliance.auth.forms import ChangePasswordForm, LoginForm, RegisterForm, RequestResetForm, ResetPasswordForm
from alliance.auth.passwords import authenticate
from alliance.auth.session import end_session
from alliance.extensions import db, limiter
from alliance.models import Organisation
from alliance.models.base import utcnow
from alliance.queue import commit_and_dispatch

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/login", methods=["GET", "POST"])
@limits.per_address
@limits.per_account
@limits.per_device
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            form.form_errors.append("Wrong e-mail or password.")
        else:
            limits.mark_login_succeeded()
            session.clear()  # a fresh session: nothing set before login survives it
            login_user(user)
            user.last_login_at = utcnow()
            db.session.commit()
            return limits.remember_device(redirect(_safe_next(request.args.get("next"))), user)
    return render_template("auth/login.html", form=form)


def _safe_next(target: str | None) -> str:
    # Browsers drop tabs and newlines from URLs ("/\t/evil.example" becomes "//evil.example"), and a
    # newline in a Location header is an error: a path with any control character or space is refused.
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and all(" " < ch != "\x7f" for ch in target)):
        return target
    return url_for("main.index")


@bp.route("/logout", methods=["POST"])
def logout():
    end_session()
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    organisations = db.session.execute(
        sa.select(Organisation.id, Organisation.name, Organisation.country).order_by(Organisation.name)
    ).all()
    form.existing_organisation.choices = [(0, "Choose an organisation")] + [
        (org.id, f"{org.name} ({org.country})") for org in organisations
    ]
    if form.validate_on_submit():
        if form.organisation_choice.data == "existing":
            organisation = db.session.get(Organisation, form.existing_organisation.data)
        else:
            organisation = NewOrganisation(
                name=form.organisation_name.data, kind=form.organisation_kind.data,
                org_type=form.organisation_type.data, country=form.country.data, sme=form.sme.data,
            )
        try:
            if organisation is None:
                raise AccountError("Choose the organisation.", "existing_organisation")
            user = create_user(form.email.data, form.name.data, form.password.data, organisation)
        except AccountError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(str(error)) if error.field else form.form_errors.append(str(error))
        else:
            db.session.commit()
            session.clear()
            login_user(user)
            if user.organisation.is_buyer and not user.organisation.verified:
                flash("Welcome! A platform admin verifies your organisation as a public body before it can pledge.",
                      "info")
            else:
                flash("Welcome to alliance.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/register.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if authenticate(current_user.email, form.current_password.data) is None:
            form.current_password.errors.append("That is not your current password.")
        else:
            set_password(current_user, form.password.data)
            db.session.commit()
            login_user(current_user._get_current_object())  # a new session here; every other one has ended
            flash("Your password is changed. Other sessions are logged out and your API tokens revoked.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
def request_reset():
    form = RequestResetForm()
    if form.validate_on_submit():
        send_reset_mail(form.email.data)
        commit_and_dispatch()
        flash("If an account has this address, a reset link is on its way. It works for one hour.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/request_reset.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = user_for_reset_token(token)
    if user is None:
        flash("This reset link is invalid or has expired. Ask for a new one.", "error")
        return redirect(url_for("auth.request_reset"))
    form = ResetPasswordForm()
    form.account_words = [user.email, user.name]
    if form.validate_on_submit():
        set_password(user, form.password.data)
        db.session.commit()
        flash("Your password is reset. Log in with the new one.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)
