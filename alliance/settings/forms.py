from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class NewTokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[
        DataRequired(_l("Name the token, e.g. after the script or service that uses it.")),
        Length(max=80, message=_l("Use at most 80 characters.")),
    ])
