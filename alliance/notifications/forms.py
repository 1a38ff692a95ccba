"""Notification preference form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField

from alliance.notifications.preferences import KINDS


def preferences_form(current: dict[str, tuple[bool, bool]]) -> FlaskForm:
    """A form with an in-app and an e-mail checkbox per kind, filled with the current choices."""

    class PreferencesForm(FlaskForm):
        pass

    for kind in KINDS:
        setattr(PreferencesForm, f"{kind}__in_app", BooleanField(_l("In the app"), default=current[kind][0]))
        setattr(PreferencesForm, f"{kind}__email", BooleanField(_l("By e-mail"), default=current[kind][1]))
    return PreferencesForm()
