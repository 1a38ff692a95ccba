from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from alliance.rounds.operations import QUARTER_PATTERN, STATEMENT_MAX, TITLE_MAX

QUARTER_RULES = [DataRequired(_l("Give a quarter such as 2027-Q1.")),
                 Regexp(QUARTER_PATTERN, message=_l("Use a quarter such as 2027-Q1 (Q1 to Q4)."))]


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RoundForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Give the round a title.")), Length(max=TITLE_MAX)])
    statement = TextAreaField(_l("About this round (Markdown; the joint statement of demand is drafted once the round is open)"), validators=[Length(max=STATEMENT_MAX)])
    category_ids = CheckboxListField(_l("Categories"), coerce=int, validate_choice=False)
    opens_on = DateField(_l("Opens on"), validators=[InputRequired(_l("Give the day the round opens."))])
    closes_on = DateField(_l("Closes on (last day for pledges)"), validators=[
        InputRequired(_l("Give the day the round closes."))])
    delivery_from = StringField(_l("Delivery from (quarter)"), validators=QUARTER_RULES)
    delivery_to = StringField(_l("Delivery to (quarter)"), validators=QUARTER_RULES)
    currency = StringField(_l("Currency (ISO 4217)"), validators=[
        DataRequired(), Length(min=3, max=3, message=_l("Use a three-letter ISO 4217 code such as EUR."))])
