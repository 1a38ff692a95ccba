from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from alliance.auth import limits
from alliance.auth.accounts import send_reset_mail, set_password, user_for_reset_token
from alliance.auth.forms import ChangePasswordForm, LoginForm, RegisterForm, RequestResetForm, ResetPasswordForm
from alliance.auth.passwords import authenticate
from alliance.auth.registration import confirm_email as confirm_account
from alliance.auth.registration import register_account
from alliance.auth.session import end_session
from alliance.extensions import db, limiter
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
            form.form_errors.append(_("Wrong e-mail or password."))
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
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        register_account(form.email.data, form.name.data, form.password.data)
        commit_and_dispatch()
        # The same answer whether or not the address has an account: the mail tells its owner which.
        flash(_("Almost done: we mailed a link to %(email)s. Open it within two days to confirm "
                "your address, then log in to join your organisation.", email=form.email.data.strip()), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form)


@bp.route("/confirm/<token>")
def confirm_email(token: str):
    user = confirm_account(token)
    if user is None:
        flash(_("This confirmation link is invalid or has expired. Register again to get a new one."), "error")
        return redirect(url_for("auth.register"))
    db.session.commit()
    flash(_("Your e-mail address is confirmed. Log in to join your organisation."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if authenticate(current_user.email, form.current_password.data) is None:
            form.current_password.errors.append(_("That is not your current password."))
        else:
            set_password(current_user, form.password.data)
            db.session.commit()
            login_user(current_user._get_current_object())  # a new session here; every other one has ended
            flash(_("Your password is changed. Other sessions are logged out and your API tokens revoked."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
def request_reset():
    form = RequestResetForm()
    if form.validate_on_submit():
        send_reset_mail(form.email.data)
        commit_and_dispatch()
        flash(_("If an account has this address, a reset link is on its way. It works for one hour."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/request_reset.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = user_for_reset_token(token)
    if user is None:
        flash(_("This reset link is invalid or has expired. Ask for a new one."), "error")
        return redirect(url_for("auth.request_reset"))
    form = ResetPasswordForm()
    form.account_words = [user.email, user.name]
    if form.validate_on_submit():
        set_password(user, form.password.data)
        db.session.commit()
        flash(_("Your password is reset. Log in with the new one."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)
