from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from alliance.auth.forms import PASSWORD_RULES
from alliance.formatting import country_choices
from alliance.models import BUYER_TYPES, SUPPLIER_TYPES

ROLE_CHOICES = [("member", "Member"), ("admin", "Organisation admin")]


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    # Own ids: the page's new-organisation form has a country field too.
    name = StringField("Organisation name", id="search_name", validators=[
        DataRequired(), Length(min=3, max=200, message="Type at least 3 characters of the name.")])
    country = SelectField("Country", id="search_country", choices=[("", "Any country")] + country_choices(),
                          validators=[Optional()])


class JoinForm(FlaskForm):
    choice = HiddenField(validators=[DataRequired(), Length(max=500)])
    message = TextAreaField("Message to the organisation's admins (optional)", validators=[Length(max=500)])


class NewOrganisationForm(FlaskForm):
    organisation_name = StringField("Organisation name", validators=[DataRequired("Name the organisation."),
                                                                     Length(max=200)])
    organisation_kind = SelectField("Organisation kind", choices=[("buyer", "Public buyer"), ("supplier", "Supplier")])
    organisation_type = SelectField("Type", choices=[(k, v) for k, v in {**BUYER_TYPES, **SUPPLIER_TYPES}.items()])
    country = SelectField("Country", choices=[("", "Choose a country")] + country_choices(),
                          validators=[DataRequired("Choose the organisation's country.")])
    sme = BooleanField("We are a small or medium-sized enterprise (suppliers)")

    def validate_organisation_type(self, field):
        types = BUYER_TYPES if self.organisation_kind.data == "buyer" else SUPPLIER_TYPES
        if field.data not in types:
            raise ValidationError(f"Choose one of: {', '.join(types.values())}.")


class DecideForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES, default="member")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class InviteForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="member")


class DomainForm(FlaskForm):
    domain = StringField("Verified e-mail domain (empty to clear)", validators=[Length(max=253)])


class InvitedRegisterForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    password = PasswordField("Password", validators=PASSWORD_RULES)
    confirm = PasswordField("Repeat the password",
                            validators=[DataRequired(), EqualTo("password", "The passwords differ.")])


class EmptyForm(FlaskForm):
    """CSRF only, for buttons."""
