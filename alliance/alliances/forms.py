from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from alliance.alliances.membership import CHARTER_MAX, SLUG_PATTERN
from alliance.language.labels import choices

K_RULES = [InputRequired(_l("Give k, a whole number of at least 2.")),
           NumberRange(min=2, max=1000, message=_l("k must be from 2 to 1000."))]
P_RULES = [InputRequired(_l("Give p, a whole number from 1 to 100.")),
           NumberRange(min=1, max=100, message=_l("p must be from 1 to 100."))]
# Left out of a post, the protection interval keeps its saved value (or the default 20 for a new alliance).
PROTECTION_RULES = [Optional(),
                    NumberRange(min=1, max=100, message=_l("The protection interval must be from 1 to 100 (per cent)."))]
CHARTER_RULES = [Length(max=CHARTER_MAX, message=_l("The charter is limited to %(max)d characters.", max=CHARTER_MAX))]
K_HINT = _l("Minimum number of distinct buyers in a published cell; fewer and the cell is suppressed.")
# The per cent sign is a placeholder: a bare "% o" reads as a format directive to the catalogue tools.
P_HINT = _l("Dominance threshold: a cell where one buyer holds more than p %(percent)s of the volume is suppressed.",
            percent="%")
PROTECTION_HINT = _l("Protection interval: no buyer can estimate another buyer's volume in a published figure "
                     "within ± this %(percent)s (the p%(percent)s rule), and anyone holding every published figure "
                     "can narrow a figure hidden by k, p or p%(percent)s no closer than ± this %(percent)s of its "
                     "true value (checked by linear programming at every compile).", percent="%")


class SettingsForm(FlaskForm):
    charter = TextAreaField(_l("Charter (Markdown)"), validators=CHARTER_RULES)
    k = IntegerField(_l("k: minimum buyers per published cell"), validators=K_RULES)
    p = IntegerField(_l("p: dominance threshold (%)"), validators=P_RULES)
    protection_percent = IntegerField(_l("Protection interval (± %)"), validators=PROTECTION_RULES)
    fingerprint = HiddenField()


class AllianceForm(FlaskForm):
    slug = StringField(_l("Slug (used in addresses)"), validators=[
        DataRequired(), Length(max=60),
        Regexp(SLUG_PATTERN, message=_l("Use lower-case letters, digits and single hyphens.")),
    ])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    sector = SelectField(_l("Sector"), choices=choices("sector"))
    charter = TextAreaField(_l("Charter (Markdown)"), validators=CHARTER_RULES)
    k = IntegerField(_l("k: minimum buyers per published cell"), default=3, validators=K_RULES)
    p = IntegerField(_l("p: dominance threshold (%)"), default=80, validators=P_RULES)
    protection_percent = IntegerField(_l("Protection interval (± %)"), default=20, validators=PROTECTION_RULES)
    currency = StringField(_l("Currency (ISO 4217)"), default="EUR", validators=[
        DataRequired(), Length(min=3, max=3, message=_l("Use a three-letter ISO 4217 code such as EUR.")),
    ])
    lead_organisation = SelectField(_l("First lead organisation"), coerce=int, validate_choice=False, default=0)
