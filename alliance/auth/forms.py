from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from alliance.auth.passwords import strong_password
from alliance.formatting import country_choices
from alliance.models import BUYER_TYPES, SUPPLIER_TYPES

PASSWORD_RULES = [DataRequired(), Length(min=12, max=200, message="Use 12 to 200 characters."), strong_password]


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class RegisterForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("E-mail", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    password = PasswordField("Password", validators=PASSWORD_RULES)
    confirm = PasswordField("Repeat the password", validators=[DataRequired(), EqualTo("password", "The passwords differ.")])
    organisation_choice = RadioField(
        "Organisation", choices=[("existing", "Join an organisation already registered"), ("new", "Register a new organisation")],
        default="new",
    )
    existing_organisation = SelectField("Registered organisation", coerce=int, validate_choice=False, default=0)
    organisation_name = StringField("Organisation name", validators=[Length(max=200)])
    organisation_kind = SelectField("Organisation kind", choices=[("buyer", "Public buyer"), ("supplier", "Supplier")])
    organisation_type = SelectField(
        "Type", choices=[(k, v) for k, v in {**BUYER_TYPES, **SUPPLIER_TYPES}.items()]
    )
    country = SelectField("Country", choices=[("", "Choose a country")] + country_choices())
    sme = BooleanField("We are a small or medium-sized enterprise (suppliers)")

    def validate_organisation_type(self, field):
        types = BUYER_TYPES if self.organisation_kind.data == "buyer" else SUPPLIER_TYPES
        if self.organisation_choice.data == "new" and field.data not in types:
            raise ValidationError(f"Choose one of: {', '.join(types.values())}.")

    def validate_organisation_name(self, field):
        if self.organisation_choice.data == "new" and not (field.data or "").strip():
            raise ValidationError("Name the organisation.")

    def validate_country(self, field):
        if self.organisation_choice.data == "new" and not field.data:
            raise ValidationError("Choose the organisation's country.")

    def validate_existing_organisation(self, field):
        if self.organisation_choice.data == "existing" and not field.data:
            raise ValidationError("Choose the organisation.")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    password = PasswordField("New password", validators=PASSWORD_RULES)
    confirm = PasswordField("Repeat the new password", validators=[DataRequired(), EqualTo("password", "The passwords differ.")])


class RequestResetForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=PASSWORD_RULES)
    confirm = PasswordField("Repeat the new password", validators=[DataRequired(), EqualTo("password", "The passwords differ.")])
