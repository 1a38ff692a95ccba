"""Forms of the dialogue pages."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from alliance.dialogues.operations import BODY_MAX, DESCRIPTION_MAX, TITLE_MAX


class DialogueForm(FlaskForm):
    alliance = SelectField("Alliance", validators=[InputRequired("Choose the alliance.")])
    subject = SelectField("On", validators=[InputRequired("Choose the round or published summary.")])
    title = StringField("Title", validators=[DataRequired("Give a title."), Length(min=3, max=TITLE_MAX)])
    description = TextAreaField("Description (Markdown)", validators=[Length(max=DESCRIPTION_MAX)])
    closes_at = DateTimeLocalField("Closes at (UTC)", validators=[InputRequired("Give the closing date and time.")])
    rfi_questions = TextAreaField("RFI questions (optional, one per line)", validators=[Length(max=20000)])


class PostForm(FlaskForm):
    kind = HiddenField()
    parent_id = HiddenField()
    body = TextAreaField("Your text (Markdown)", validators=[
        DataRequired("Write something."), Length(max=BODY_MAX, message=f"A post is limited to {BODY_MAX} characters."),
    ])
    leads_only = BooleanField("Send this question to the leads only (their answer is still published to everyone)")
