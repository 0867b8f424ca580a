"""Back-office forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import EqualTo, InputRequired, Length, Optional, Regexp
from wtforms.widgets import HiddenInput

from portal.core.fields import EmailAddress, MultiCheckboxField
from portal.models import AttemptOutcome, KnownToServices, Outcome, Role

ROLE_LABELS = {
    Role.ADMIN.value: _l("Coordinator (administrator)"),
    Role.INTERVENANT.value: _l("Social worker"),
    Role.REFERRER.value: _l("Police officer or gendarme (referrals only)"),
    Role.PARTNER.value: _l("Partner association (directory only)"),
}
# What each role opens, said before a role is changed.
ROLE_POWERS = {
    Role.ADMIN.value: _l(
        "Every request of every station, staff accounts, the audit log, statistics, the directory."
    ),
    Role.INTERVENANT.value: _l("The requests of their stations, and the directory."),
    Role.REFERRER.value: _l("Referring a person into their stations' queue; nothing else."),
    Role.PARTNER.value: _l("The professional directory only."),
}


class LoginForm(FlaskForm):
    username = StringField(
        _l("Username"), validators=[InputRequired(_l("Enter your username.")), Length(max=64)]
    )
    password = PasswordField(
        _l("Password"), validators=[InputRequired(_l("Enter your password.")), Length(max=256)]
    )
    # Left empty by someone who confirms with her passkey or security key instead.
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[Optional(), Length(max=20)],
        description=_l(
            "Six digits, renewed every 30 seconds, or a recovery code. "
            "Leave it empty if you confirm with a passkey or security key."
        ),
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


class EditUserForm(FlaskForm):
    display_name = StringField(_l("Full name"), validators=[Optional(), Length(max=120)])
    email = StringField(
        _l("E-mail for notices of new requests (optional)"),
        validators=[
            Optional(),
            Length(max=254),
            EmailAddress(_l("Enter an e-mail address like name@example.fr.")),
        ],
    )
    role = SelectField(_l("Role"), choices=list(ROLE_LABELS.items()))
    stations = MultiCheckboxField(_l("Stations"))
    # The new role, once the coordinator has seen what changing it does.
    role_confirmed = HiddenField(validators=[Optional(), Length(max=16)])


class UserForm(EditUserForm):
    """A new account: the same fields, and the username, which never changes afterwards."""

    username = StringField(
        _l("Username"),
        validators=[InputRequired(_l("Choose a username.")), Length(max=64)],
        description=_l("Lower-case letters, digits, dots and dashes, e.g. m.dumont."),
    )


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    action = SelectField(_l("Action"), validators=[Optional()])
    actor = StringField(
        _l("Who"),
        validators=[
            Optional(),
            Length(max=64),
            Regexp(r"^[A-Za-z0-9._-]*$", message=_l("Type a username, e.g. m.dumont.")),
        ],
    )
    person = SelectField(_l("Person"), validators=[Optional()])
    reference = StringField(
        _l("Request reference"),
        validators=[
            Optional(),
            Length(max=20),
            Regexp(r"^[A-Za-z0-9 -]*$", message=_l("Type a reference, e.g. K7M-2QX-9.")),
        ],
    )
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])


ATTEMPT_LABELS = {
    AttemptOutcome.REACHED.value: _l("Reached the person"),
    AttemptOutcome.NO_ANSWER.value: _l("No answer"),
    AttemptOutcome.SOMEONE_ELSE.value: _l("Someone else answered"),
    AttemptOutcome.WRONG_NUMBER.value: _l("Wrong number"),
    AttemptOutcome.VOICEMAIL.value: _l("Voicemail left"),
    AttemptOutcome.SMS_SENT.value: _l("Text message sent"),
}
OUTCOME_LABELS = {
    Outcome.ACCOMPANIED.value: _l("Accompanied"),
    Outcome.ORIENTED.value: _l("Oriented to partners"),
    Outcome.UNREACHABLE.value: _l("Unreachable"),
    Outcome.CANCELLED.value: _l("Cancelled by the person"),
    Outcome.SPAM.value: _l("Spam or abuse"),
}
KNOWN_LABELS = {
    KnownToServices.UNKNOWN.value: _l("Unknown"),
    KnownToServices.YES.value: _l("Yes"),
    KnownToServices.NO.value: _l("No"),
}


class VersionedForm(FlaskForm):
    """An action on a request, carrying the version the person was looking at."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class AttemptForm(VersionedForm):
    outcome = RadioField(
        _l("What happened?"),
        choices=list(ATTEMPT_LABELS.items()),
        validators=[InputRequired(_l("Choose what happened."))],
    )
    note = TextAreaField(
        _l("Note (optional)"),
        validators=[Optional(), Length(max=2000, message=_l("At most 2,000 characters."))],
    )


class ScheduleForm(VersionedForm):
    when = DateTimeLocalField(
        _l("Next attempt (Paris time)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Choose a date and time."))],
    )


class InterpreterForm(VersionedForm):
    """An interpreter booked for the call: when, with which service, and a note."""

    when = DateTimeLocalField(
        _l("Interpreter booked for (Paris time)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Choose a date and time."))],
    )
    service = StringField(
        _l("Interpreting service"),
        validators=[
            InputRequired(_l("Say which service, e.g. the agency's name.")),
            Length(max=80, message=_l("At most 80 characters.")),
        ],
    )
    note = TextAreaField(
        _l("Note (optional)"),
        validators=[Optional(), Length(max=1000, message=_l("At most 1,000 characters."))],
    )


class CloseForm(VersionedForm):
    """Closing: an outcome chosen on purpose (none is pre-selected), a note, then a confirmation."""

    outcome = RadioField(
        _l("How did it end?"),
        choices=list(OUTCOME_LABELS.items()),
        validators=[InputRequired(_l("Choose how the request ended."))],
    )
    known = SelectField(
        _l("Already known to the Département's social services?"),
        choices=list(KNOWN_LABELS.items()),
    )
    note = TextAreaField(
        _l("Closing note (optional)"),
        validators=[Optional(), Length(max=2000, message=_l("At most 2,000 characters."))],
    )
    # Set by the confirmation step: the first sending only shows what will be recorded.
    confirmed = HiddenField()


class HandOverForm(VersionedForm):
    colleague = SelectField(_l("Hand over to"), coerce=int)


class SearchForm(FlaskForm):
    """A reference or a phone number, sent by POST: a number must not end up in an address."""

    q = StringField(
        _l("Reference or phone number"),
        validators=[InputRequired(_l("Type a reference or a phone number.")), Length(max=40)],
    )
