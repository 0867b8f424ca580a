"""Back-office forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..models import Role

ROLE_LABELS = {
    Role.ADMIN.value: _l("Coordinator (administrator)"),
    Role.INTERVENANT.value: _l("Social worker"),
    Role.REFERRER.value: _l("Police officer or gendarme (referrals only)"),
    Role.PARTNER.value: _l("Partner association (directory only)"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    username = StringField(
        _l("Username"), validators=[InputRequired(_l("Enter your username.")), Length(max=64)]
    )
    password = PasswordField(
        _l("Password"), validators=[InputRequired(_l("Enter your password.")), Length(max=256)]
    )
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[InputRequired(_l("Enter the 6-digit code.")), Length(max=12)],
        description=_l("Six digits, renewed every 30 seconds."),
    )


class InvitationForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(_l("Choose a password.")), Length(max=256)],
        description=_l("At least 12 characters. A short sentence is easy to remember."),
    )
    confirm = PasswordField(
        _l("The same password again"),
        validators=[
            InputRequired(_l("Type the password again.")),
            EqualTo("password", _l("The two passwords are different.")),
        ],
    )
    code = StringField(
        _l("Code shown by your authenticator app"),
        validators=[InputRequired(_l("Enter the 6-digit code.")), Length(max=12)],
    )


class UserForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[InputRequired(_l("Choose a username.")), Length(max=64)],
        description=_l("Lower-case letters, digits, dots and dashes, e.g. m.dumont."),
    )
    display_name = StringField(_l("Full name"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), choices=list(ROLE_LABELS.items()))
    stations = MultiCheckboxField(_l("Stations"))


class EditUserForm(FlaskForm):
    display_name = StringField(_l("Full name"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), choices=list(ROLE_LABELS.items()))
    stations = MultiCheckboxField(_l("Stations"))


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    action = SelectField(_l("Action"), validators=[Optional()])
    actor = StringField(_l("Who"), validators=[Optional(), Length(max=64)])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])


