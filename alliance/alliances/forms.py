from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from alliance.alliances.membership import CHARTER_MAX, SLUG_PATTERN
from alliance.models import SECTORS

K_RULES = [InputRequired("Give k, a whole number of at least 2."),
           NumberRange(min=2, max=1000, message="k must be from 2 to 1000.")]
P_RULES = [InputRequired("Give p, a whole number from 1 to 100."),
           NumberRange(min=1, max=100, message="p must be from 1 to 100.")]
# Left out of a post, the protection interval keeps its saved value (or the default 20 for a new alliance).
PROTECTION_RULES = [Optional(),
                    NumberRange(min=1, max=100, message="The protection interval must be from 1 to 100 (per cent).")]
CHARTER_RULES = [Length(max=CHARTER_MAX, message=f"The charter is limited to {CHARTER_MAX} characters.")]
K_HINT = "Minimum number of distinct buyers in a published cell; fewer and the cell is suppressed."
P_HINT = "Dominance threshold: a cell where one buyer holds more than p % of the volume is suppressed."
PROTECTION_HINT = ("Protection interval: anyone holding every published figure can narrow a figure hidden by k or p "
                   "no closer than ± this % of its true value (checked by linear programming at every compile).")


class SettingsForm(FlaskForm):
    charter = TextAreaField("Charter (Markdown)", validators=CHARTER_RULES)
    k = IntegerField("k: minimum buyers per published cell", validators=K_RULES)
    p = IntegerField("p: dominance threshold (%)", validators=P_RULES)
    protection_percent = IntegerField("Protection interval (± %)", validators=PROTECTION_RULES)
    fingerprint = HiddenField()


class AllianceForm(FlaskForm):
    slug = StringField("Slug (used in addresses)", validators=[
        DataRequired(), Length(max=60),
        Regexp(SLUG_PATTERN, message="Use lower-case letters, digits and single hyphens."),
    ])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    sector = SelectField("Sector", choices=list(SECTORS.items()))
    charter = TextAreaField("Charter (Markdown)", validators=CHARTER_RULES)
    k = IntegerField("k: minimum buyers per published cell", default=3, validators=K_RULES)
    p = IntegerField("p: dominance threshold (%)", default=80, validators=P_RULES)
    protection_percent = IntegerField("Protection interval (± %)", default=20, validators=PROTECTION_RULES)
    currency = StringField("Currency (ISO 4217)", default="EUR", validators=[
        DataRequired(), Length(min=3, max=3, message="Use a three-letter ISO 4217 code such as EUR."),
    ])
    lead_organisation = SelectField("First lead organisation", coerce=int, validate_choice=False, default=0)
