"""Forms of the summaries pages: the lead's draft form and the public list's filters."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from alliance.models import SECTORS
from alliance.rounds.operations import QUARTER_PATTERN
from alliance.summaries.operations import NARRATIVE_MAX, TITLE_MAX, VIEWS

QUARTER_RULE = Regexp(QUARTER_PATTERN, message="Write a quarter as YYYY-Qn, for example 2027-Q1.")


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SummaryForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give the summary a title."), Length(max=TITLE_MAX)])
    narrative = TextAreaField("Narrative (Markdown)", validators=[Length(max=NARRATIVE_MAX)])
    views = CheckboxesField("Views to show besides the total per category", choices=list(VIEWS.items()))
    categories = CheckboxesField("Categories", validate_choice=True)
    criteria_sets = CheckboxesField("Criteria set versions", coerce=int)
    version = HiddenField()


class NewSummaryForm(SummaryForm):
    snapshot_id = SelectField("Snapshot", coerce=int, validators=[InputRequired("Choose a snapshot.")])


class VersionForm(FlaskForm):
    """The buttons that change a summary's state carry the version the lead saw."""

    version = IntegerField(validators=[InputRequired()])


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    sector = SelectField("Sector", choices=[("", "Any sector")] + list(SECTORS.items()), validators=[Optional()])
    cpv = StringField("CPV code (or its first digits)", validators=[
        Optional(), Regexp(r"^\d{2,8}(-\d)?$", message="Use the digits of a CPV code, for example 302 or 30213100."),
    ])
    country = StringField("Country (ISO code)", validators=[
        Optional(), Regexp(r"^[A-Za-z]{2}$", message="Use a two-letter country code such as SE."),
    ])
    quarter_from = StringField("Delivery from (quarter)", validators=[Optional(), QUARTER_RULE])
    quarter_to = StringField("Delivery to (quarter)", validators=[Optional(), QUARTER_RULE])
