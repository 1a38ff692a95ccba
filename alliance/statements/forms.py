"""Forms of the joint statement pages: the lead's draft form and the confirmation of a deliberate act."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from alliance.language.labels import choices
from alliance.statements.operations import NOTE_MAX, TEXT_MAX, TITLE_MAX

COMMITMENT_ROWS = 6


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class CommitmentForm(Form):
    criteria_set_id = SelectField(_l("Criteria set"), coerce=_optional_int, validate_choice=False)
    share_percent = IntegerField(_l("At least (%)"), validators=[Optional(), NumberRange(1, 100, _l("From 1 to 100."))])
    # Checked by the domain for the rows that are filled in; an empty row is skipped.
    level = SelectField(_l("Level"), choices=choices("level"), validate_choice=False, default="core")
    from_year = IntegerField(_l("From year"), validators=[Optional(), NumberRange(2000, 2100, _l("A year such as 2027."))])
    note = StringField(_l("Note"), validators=[Length(max=NOTE_MAX)])


class StatementForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Give the statement a title.")), Length(max=TITLE_MAX)])
    statement_date = DateField(_l("Date of the statement"), validators=[Optional()])
    preamble = TextAreaField(_l("Preamble, with the evidence it cites (Markdown; link your sources)"),
                             validators=[Length(max=TEXT_MAX)])
    summary_id = SelectField(_l("Market signal: the published summary whose figures it cites"),
                             coerce=_optional_int, validate_choice=False)
    market_conditions = TextAreaField(_l("Market signal: conditions and unmet needs (Markdown)"),
                                      validators=[Length(max=TEXT_MAX)])
    working_group = TextAreaField(_l("Working group and its coordinators (Markdown)"), validators=[Length(max=TEXT_MAX)])
    legal_nature = TextAreaField(_l("Legal nature of the statement"), validators=[Length(max=TEXT_MAX)])
    commitments = FieldList(FormField(CommitmentForm), min_entries=COMMITMENT_ROWS, max_entries=COMMITMENT_ROWS)
    version = HiddenField()


class ConfirmForm(FlaskForm):
    """The confirmation of an irreversible act; carries the version the person saw, where there is one."""

    version = IntegerField(validators=[Optional()])
    confirm = HiddenField(validators=[InputRequired()])
