from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class NewTokenForm(FlaskForm):
    name = StringField("Token name", validators=[
        DataRequired("Name the token, e.g. after the script or service that uses it."),
        Length(max=80, message="Use at most 80 characters."),
    ])
