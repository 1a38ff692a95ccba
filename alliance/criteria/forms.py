from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from alliance.criteria.operations import NOTES_MAX, TITLE_MAX
from alliance.language.labels import choices
from alliance.language.source_text import language_choices
from alliance.reference.criterion_rules import MAX_LENGTHS


def _limit(name: str) -> Length:
    return Length(max=MAX_LENGTHS[name], message=_l("Use at most %(max)d characters.", max=MAX_LENGTHS[name]))


class NewSetForm(FlaskForm):
    category_id = RadioField(_l("Category"), coerce=int, validate_choice=False,
                             validators=[DataRequired(_l("Choose a category from the list."))])
    unit = SelectField(_l("Unit the alliance counts this category in"), validate_choice=False,
                       description=_l("Leave it for a category the alliance already counts: its unit stays "
                                   "unless you change it here (not possible once it has pledges)."))
    start = RadioField(_l("Start from"), default="empty", validate_choice=False)
    title = StringField(_l("Title (optional)"), validators=[Optional(), Length(max=TITLE_MAX)])


class DetailsForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Give a title.")), Length(max=TITLE_MAX)])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=NOTES_MAX)])


class CriterionForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(_l("Give a code.")), _limit("code")])
    title = StringField(_l("Title"), validators=[DataRequired(_l("Give a title.")), _limit("title")])
    text = TextAreaField(_l("Requirement text (the source's words; empty only where its wording is missing)"),
                         validators=[_limit("text")])
    wording = SelectField(_l("The text is"), choices=choices("wording"), default="source")
    topic = StringField(_l("Topic (optional; criteria sharing a topic are alternatives, e.g. warranty)"),
                        validators=[_limit("topic")])
    type = SelectField(_l("Type"), choices=choices("criterion_type"))
    level = SelectField(_l("Level"), choices=choices("level"))
    verification = TextAreaField(_l("Verification (a label is accepted “or equivalent”)"),
                                 validators=[_limit("verification")])
    source = StringField(_l("Source document"), validators=[DataRequired(_l("Name the source document.")), _limit("source")])
    # Criteria keep the source's language; pages say which it is (choices named in the reader's language).
    language = SelectField(_l("Language of the title, text and verification"), choices=language_choices, default="en")
    source_section = StringField(_l("Section of the source"), validators=[
        DataRequired(_l("Name the section of the source.")), _limit("source_section")])
    source_url = StringField(_l("Source address (URL)"), validators=[_limit("source_url")])
    impact_factor = DecimalField(_l("Impact factor (optional)"), places=None, validators=[
        Optional(), NumberRange(min=0, message=_l("Use zero or more."))])
    impact_unit = StringField(_l("Impact factor unit"), validators=[_limit("impact_unit")])
    impact_source = StringField(_l("Impact factor source"), validators=[_limit("impact_source")])
    fingerprint = HiddenField()

    def criterion_fields(self) -> dict:
        fields = {name: getattr(self, name).data for name in (
            "code", "title", "text", "type", "level", "verification", "source", "source_section", "source_url",
            "impact_unit", "impact_source", "wording", "language", "topic")}
        fields["impact_factor"] = float(self.impact_factor.data) if self.impact_factor.data is not None else None
        return fields


class PublishForm(FlaskForm):
    retire_previous = BooleanField(_l("Retire the earlier published versions of this category (they then take no new "
                                   "pledges)"))
