"""GET/POST /settings/tokens: the user's API tokens."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from alliance.extensions import db
from alliance.settings import tokens as ops
from alliance.settings.forms import NewTokenForm

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = NewTokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            _, new_token = ops.create_token(current_user, form.name.data)
        except (ops.TokenError, ops.TooManyTokensError) as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            form = NewTokenForm(formdata=None)
    response = render_template("settings/tokens.html", form=form, new_token=new_token,
                               tokens=ops.active_tokens(current_user), token_days=current_app.config["API_TOKEN_DAYS"])
    # The token text appears in this one response only: never cached.
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    try:
        row = ops.revoke_token(current_user, token_id)
    except ops.TokenNotFoundError as error:  # revoked meanwhile (a second click): say so on the list
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("settings.tokens"))
    db.session.commit()
    flash(gettext("Token “%(name)s” (%(prefix)s…) is revoked; requests using it now get 401.", name=row.name,
                  prefix=row.prefix), "success")
    return redirect(url_for("settings.tokens"))
