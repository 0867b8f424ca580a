"""The officer's referral form: the person's safety choices, as on her own form, and the
officer's danger assessment (the national grid: characterised or not, and how many red answers)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.core.fields import MultiCheckboxField
from portal.intake.safety_choices import (
    LastDayRefusal,
    chosen_days,
    days_are_known,
    last_day_refusal,
)

# The grid's rule: danger is characterised from this many red answers (or 12 answers "yes").
RED_ANSWERS_CHARACTERISE = 2
GRID_ANSWERS = {
    "yes": _l("Yes, the danger is characterised"),
    "no": _l("No"),
    "not_done": _l("The grid was not filled in"),
}


class ReferralForm(FlaskForm):
    phone = StringField(
        _l("Phone number of the person"),
        validators=[InputRequired(_l("Enter the phone number.")), Length(max=32)],
    )
    name = StringField(_l("Name to ask for (optional)"), validators=[Optional(), Length(max=60)])
    windows = MultiCheckboxField(_l("When is it safe to call?"))
    days = MultiCheckboxField(
        _l("Which days are safe?"),
        description=_l("If every day suits her, leave them all empty."),
        validate_choice=False,
    )
    call_language = SelectField(_l("Language of the call"))
    voicemail_ok = BooleanField(_l("The social worker may leave a voicemail message"))
    sms_ok = BooleanField(_l("The social worker may send a text message"))
    sms_only = BooleanField(
        _l("Text messages only: do not call"),
        description=_l("For example if the person is deaf, or cannot speak safely."),
    )
    if_someone_else = StringField(
        _l("What to say if someone else answers (optional)"),
        validators=[Optional(), Length(max=200, message=_l("At most 200 characters."))],
        description=_l("For example: a call about a parcel delivery."),
    )
    no_call_after = DateField(
        _l("Do not call after this date (optional)"), validators=[Optional()], format="%Y-%m-%d"
    )
    notes = TextAreaField(
        _l("Notes for the social worker (optional)"),
        validators=[Optional(), Length(max=2000, message=_l("At most 2,000 characters."))],
    )
    urgent = BooleanField(
        _l("Urgent"),
        description=_l(
            "Tick it when the person may be in danger again within days: the aggressor lives with "
            "her or is about to come back, threats to kill, strangling, a weapon, children in "
            "danger, pregnancy. Urgent referrals are called first. In immediate danger, call 17."
        ),
    )
    danger_grid = RadioField(
        _l("Danger assessment grid: is the danger characterised?"),
        choices=list(GRID_ANSWERS.items()),
        default="not_done",
        description=_l(
            "Characterised at 12 answers “yes”, or 2 “red” answers. A characterised danger is "
            "called first of all."
        ),
    )
    red_answers = IntegerField(
        _l("How many of the 5 “red” questions were answered yes?"),
        validators=[
            Optional(),
            NumberRange(0, 5, message=_l("Give a number from 0 to 5.")),
        ],
        description=_l("Only the number: never the answers themselves."),
    )
    station = SelectField(_l("Station"))
    consent = BooleanField(
        _l("The person agreed to be called back by a social worker."),
        validators=[DataRequired(_l("A referral needs the person's agreement."))],
    )

    def validate_days(self, field: MultiCheckboxField) -> None:
        if not days_are_known(field.data):
            raise ValidationError(_l("Choose days from the list."))

    def validate_no_call_after(self, field: DateField) -> None:
        refusal = last_day_refusal(field.data)
        if refusal is LastDayRefusal.PAST:
            raise ValidationError(_l("Choose today or a later date."))
        if refusal is LastDayRefusal.TOO_FAR:
            raise ValidationError(_l("Choose a date in the next three years."))

    def validate_red_answers(self, field: IntegerField) -> None:
        reds = field.data or 0
        if reds >= RED_ANSWERS_CHARACTERISE and self.danger_grid.data != "yes":
            raise ValidationError(
                _l("With 2 red answers or more, the grid says the danger is characterised.")
            )

    @property
    def safe_days(self) -> list[int] | None:
        return chosen_days(self.days.data)

    @property
    def danger_characterised(self) -> bool:
        return bool(self.danger_grid.data == "yes")


class CorrectionForm(ReferralForm):
    """Correcting a referral already sent: the same fields; her agreement was given already."""

    consent = None  # type: ignore[assignment]


# The fields an officer may correct, as the social worker reads them on the request.
CORRECTED_FIELD_LABELS = {
    "phone": _l("phone number"),
    "name": _l("name to ask for"),
    "windows": _l("safe windows"),
    "days": _l("safe days"),
    "call_language": _l("language of the call"),
    "voicemail_ok": _l("voicemail"),
    "sms_ok": _l("text messages"),
    "sms_only": _l("text messages only"),
    "if_someone_else": _l("what to say if someone else answers"),
    "no_call_after": _l("last day"),
    "notes": _l("notes"),
    "urgent": _l("urgency"),
    "danger": _l("danger assessment"),
    "station": _l("station"),
}
