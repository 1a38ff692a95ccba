from flask_wtf import FlaskForm
from wtforms import DateField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from alliance.rounds.operations import QUARTER_PATTERN, STATEMENT_MAX, TITLE_MAX

QUARTER_RULES = [DataRequired("Give a quarter such as 2027-Q1."),
                 Regexp(QUARTER_PATTERN, message="Use a quarter such as 2027-Q1 (Q1 to Q4).")]


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RoundForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give the round a title."), Length(max=TITLE_MAX)])
    statement = TextAreaField("About this round (Markdown; the joint statement of demand is drafted once the round is open)", validators=[Length(max=STATEMENT_MAX)])
    category_ids = CheckboxListField("Categories", coerce=int, validate_choice=False)
    opens_on = DateField("Opens on", validators=[InputRequired("Give the day the round opens.")])
    closes_on = DateField("Closes on (last day for pledges)", validators=[
        InputRequired("Give the day the round closes.")])
    delivery_from = StringField("Delivery from (quarter)", validators=QUARTER_RULES)
    delivery_to = StringField("Delivery to (quarter)", validators=QUARTER_RULES)
    currency = StringField("Currency (ISO 4217)", validators=[
        DataRequired(), Length(min=3, max=3, message="Use a three-letter ISO 4217 code such as EUR.")])
