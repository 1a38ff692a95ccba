from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from alliance.auth.forms import PASSWORD_RULES
from alliance.formatting import country_choices
from alliance.language.labels import choices, label
from alliance.models import BUYER_TYPES, SUPPLIER_TYPES

ROLE_CHOICES = [("member", _l("Member")), ("admin", _l("Organisation admin"))]


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    # Own ids: the page's new-organisation form has a country field too.
    name = StringField(_l("Organisation name"), id="search_name", validators=[
        DataRequired(), Length(min=3, max=200, message=_l("Type at least 3 characters of the name."))])
    country = SelectField(_l("Country"), id="search_country", choices=[("", _l("Any country"))] + country_choices(),
                          validators=[Optional()])


class JoinForm(FlaskForm):
    choice = HiddenField(validators=[DataRequired(), Length(max=500)])
    message = TextAreaField(_l("Message to the organisation's admins (optional)"), validators=[Length(max=500)])


class NewOrganisationForm(FlaskForm):
    organisation_name = StringField(_l("Organisation name"), validators=[DataRequired(_l("Name the organisation.")),
                                                                     Length(max=200)])
    organisation_kind = SelectField(_l("Organisation kind"), choices=[("buyer", _l("Public buyer")), ("supplier", _l("Supplier"))])
    organisation_type = SelectField(_l("Type"), choices=choices("organisation_type", [*BUYER_TYPES, *SUPPLIER_TYPES]))
    country = SelectField(_l("Country"), choices=[("", _l("Choose a country"))] + country_choices(),
                          validators=[DataRequired(_l("Choose the organisation's country."))])
    sme = BooleanField(_l("We are a small or medium-sized enterprise (suppliers)"))

    def validate_organisation_type(self, field):
        types = BUYER_TYPES if self.organisation_kind.data == "buyer" else SUPPLIER_TYPES
        if field.data not in types:
            raise ValidationError(_("Choose one of: %(types)s.", types=", ".join(label(code, "organisation_type") for code in types)))


class DecideForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="member")


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="member")


class DomainForm(FlaskForm):
    domain = StringField(_l("Verified e-mail domain (empty to clear)"), validators=[Length(max=253)])


class InvitedRegisterForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    password = PasswordField(_l("Password"), validators=PASSWORD_RULES)
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))])


class EmptyForm(FlaskForm):
    """CSRF only, for buttons."""
