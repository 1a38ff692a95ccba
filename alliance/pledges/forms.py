"""Pledge forms. Values stay text so the domain validation gives the one set of messages for form, API and CSV."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField

from alliance.language.labels import choices


class PledgeForm(FlaskForm):
    category = SelectField(_l("Category (CPV code)"), validate_choice=False)
    criteria_version = SelectField(_l("Criteria set version"), validate_choice=False,
                                   description=_l("The published versions of the round's criteria sets."))
    level = SelectField(_l("Level of the criteria"), choices=choices("level"))
    quantity = StringField(_l("Quantity (units of the category)"))
    estimated_value = StringField(_l("Estimated value"),
                                  description=_l("In the round's currency, e.g. 135000, 135,000.00 or 135.000,00."))
    currency = StringField(_l("Currency (ISO 4217)"))
    delivery_quarter = SelectField(_l("Delivery quarter"), validate_choice=False)
    country = StringField(_l("Delivery country (ISO 3166 code, e.g. SE)"))
    region = StringField(_l("Region (optional NUTS code, e.g. SE110)"))
    version = HiddenField()


class ActionForm(FlaskForm):
    """Submit or withdraw: only the version the user saw."""

    version = HiddenField()


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"), validators=[FileRequired(_l("Choose a CSV or XLSX file to import."))])
