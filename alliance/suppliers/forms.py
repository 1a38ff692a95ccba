"""Forms of the supplier pages: a declaration per criterion of a set, and a subscription."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import Length, Optional, Regexp

from alliance.language.labels import choices
from alliance.suppliers.declarations import LABEL_MAX, NOTE_MAX, REFERENCE_MAX

CPV_PREFIX_PATTERN = r"^\d{2,8}$"


class DeclarationEntry(Form):
    """One criterion's declaration. Not a FlaskForm: the page's form carries the one CSRF token."""

    criterion_id = IntegerField(widget=HiddenField.widget)
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])
    status = SelectField(_l("Readiness"), choices=[("", _l("Not declared"))] + choices("readiness"))
    ready_by = DateField(_l("Can meet by (date)"), validators=[Optional()])
    evidence_label = StringField(_l("Evidence: the label or certificate the criterion names"),
                                 validators=[Length(max=LABEL_MAX)])
    evidence_reference = StringField(_l("Certificate number or https:// link"), validators=[Length(max=REFERENCE_MAX)])
    note = TextAreaField(_l("Note"), validators=[Length(max=NOTE_MAX)])


class DeclarationsForm(FlaskForm):
    entries = FieldList(FormField(DeclarationEntry))


class SubscriptionForm(FlaskForm):
    sector = SelectField(_l("Sector"), choices=[("", _l("Any sector (use a CPV code)"))] + choices("sector"))
    cpv_prefix = StringField(_l("CPV code or its first digits (e.g. 302 for computer equipment)"), validators=[
        Optional(), Regexp(CPV_PREFIX_PATTERN, message=_l("Give 2 to 8 digits of a CPV code, e.g. 30213.")),
    ])

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not self.sector.data and not (self.cpv_prefix.data or "").strip():
            self.form_errors.append(_("Choose a sector or give a CPV code."))
            return False
        return True
