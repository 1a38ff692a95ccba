"""Forms of the dialogue pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from alliance.dialogues.operations import BODY_MAX, DESCRIPTION_MAX, TITLE_MAX


class DialogueForm(FlaskForm):
    alliance = SelectField(_l("Alliance"), validators=[InputRequired(_l("Choose the alliance."))])
    subject = SelectField(_l("On"), validators=[InputRequired(_l("Choose the round or published summary."))])
    title = StringField(_l("Title"), validators=[DataRequired(_l("Give a title.")), Length(min=3, max=TITLE_MAX)])
    description = TextAreaField(_l("Description (Markdown)"), validators=[Length(max=DESCRIPTION_MAX)])
    closes_at = DateTimeLocalField(_l("Closes at (UTC)"), validators=[InputRequired(_l("Give the closing date and time."))])
    rfi_questions = TextAreaField(_l("RFI questions (optional, one per line)"), validators=[Length(max=20000)])


class PostForm(FlaskForm):
    kind = HiddenField()
    parent_id = HiddenField()
    body = TextAreaField(_l("Your text (Markdown)"), validators=[
        DataRequired(_l("Write something.")), Length(max=BODY_MAX, message=_l("A post is limited to %(max)d characters.", max=BODY_MAX)),
    ])
    leads_only = BooleanField(_l("Send this question to the leads only (their answer is still published to everyone)"))
