"""Forms of the summaries pages: the lead's draft form and the public list's filters."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from alliance.language.labels import choices
from alliance.rounds.operations import QUARTER_PATTERN
from alliance.summaries.operations import NARRATIVE_MAX, TITLE_MAX, VIEWS

QUARTER_RULE = Regexp(QUARTER_PATTERN, message=_l("Write a quarter as YYYY-Qn, for example 2027-Q1."))


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SummaryForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Give the summary a title.")), Length(max=TITLE_MAX)])
    narrative = TextAreaField(_l("Narrative (Markdown)"), validators=[Length(max=NARRATIVE_MAX)])
    views = CheckboxesField(_l("Views to show besides the total per category"), choices=list(VIEWS.items()))
    categories = CheckboxesField(_l("Categories"), validate_choice=True)
    criteria_sets = CheckboxesField(_l("Criteria set versions"), coerce=int)
    version = HiddenField()


class NewSummaryForm(SummaryForm):
    snapshot_id = SelectField(_l("Snapshot"), coerce=int, validators=[InputRequired(_l("Choose a snapshot."))])


class VersionForm(FlaskForm):
    """The buttons that change a summary's state carry the version the lead saw."""

    version = IntegerField(validators=[InputRequired()])


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    sector = SelectField(_l("Sector"), choices=[("", _l("Any sector"))] + choices("sector"), validators=[Optional()])
    cpv = StringField(_l("CPV code (or its first digits)"), validators=[
        Optional(), Regexp(r"^\d{2,8}(-\d)?$", message=_l("Use the digits of a CPV code, for example 302 or 30213100.")),
    ])
    country = StringField(_l("Country (ISO code)"), validators=[
        Optional(), Regexp(r"^[A-Za-z]{2}$", message=_l("Use a two-letter country code such as SE.")),
    ])
    quarter_from = StringField(_l("Delivery from (quarter)"), validators=[Optional(), QUARTER_RULE])
    quarter_to = StringField(_l("Delivery to (quarter)"), validators=[Optional(), QUARTER_RULE])
