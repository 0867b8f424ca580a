"""The victim's request form and the cancel form."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.casework.windows import PUBLIC_SLOTS
from portal.core.fields import MultiCheckboxField, PhoneRefused, phone_e164
from portal.core.phone_numbers import phone_in_text
from portal.intake.safety_choices import (
    LastDayRefusal,
    chosen_days,
    days_are_known,
    last_day_refusal,
)
from portal.public.phone_countries import DEFAULT_COUNTRY, known_country
from portal.stations.cards import read_short_code

MESSAGE_MAX = 500
NAME_MAX = 60
COVER_STORY_MAX = 200
PHONE_INPUT_MAX = 32
NO_STATION = "unknown"
PHONE_EXAMPLE = "0612345678"
# A number from abroad, written the international way, as the hint shows it.
ABROAD_EXAMPLE = "+380 67 123 4567"
UNKNOWN_CODE = _l(
    "We do not recognise this code. Check it, or empty this field to send your request without "
    "a code."
)
# What the short (easy-to-read) form leaves out: her number, safe times, text messages, danger
# and consent are enough for a safe call; the rest keeps its safe default.
SHORT_FORM_LEAVES_OUT = (
    "phone_country",
    "name",
    "days",
    "voicemail_ok",
    "call_language",
    "message",
    "sms_only",
    "if_someone_else",
    "no_call_after",
)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class CallbackForm(FlaskForm):
    phone = StringField(
        _l("Phone number to call"),
        filters=[_strip],
        validators=[
            InputRequired(_l("Enter the phone number we should call.")),
            Length(max=PHONE_INPUT_MAX, message=_l("This phone number is too long.")),
        ],
        description=_l(
            "A French number like %(example)s, or an international one with +.",
            example=phone_in_text(PHONE_EXAMPLE),
        ),
    )
    # Optional: a number typed without + is read in this country (France when not chosen).
    phone_country = SelectField(
        _l("Country of the number"),
        default=DEFAULT_COUNTRY,
        description=_l(
            "For a number from another country, choose its country, or type it with + and the "
            "country code, like %(example)s.",
            example=ABROAD_EXAMPLE,
        ),
        validate_choice=False,
    )
    name = StringField(
        _l("A first name or another name to ask for (optional)"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=NAME_MAX, message=_l("Use at most %(max)d characters.", max=NAME_MAX)),
        ],
        description=_l("It can be a made-up name. We will only ask for this name."),
    )
    # validate_choice=False: validate_windows answers in plain words, never echoing the value.
    windows = MultiCheckboxField(
        _l("When is it safe to call you?"),
        description=_l("Choose every time that suits you, Paris time."),
        validate_choice=False,
    )
    days = MultiCheckboxField(
        _l("Which days are safe?"),
        description=_l("If every day suits you, leave them all empty."),
        validate_choice=False,
    )
    voicemail_ok = BooleanField(_l("We may leave a voicemail message"))
    sms_ok = BooleanField(_l("We may send you a text message"))
    call_language = SelectField(_l("Language of the call"))
    danger = RadioField(
        _l("Are you in danger right now?"),
        choices=[("no", _l("No")), ("yes", _l("Yes"))],
        validators=[InputRequired(_l("Tell us whether you are in danger right now."))],
        validate_choice=False,
    )
    message = TextAreaField(
        _l("Anything we should know before calling (optional)"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=MESSAGE_MAX, message=_l("Use at most %(max)d characters.", max=MESSAGE_MAX)),
        ],
        description=_l("At most %(max)d characters.", max=MESSAGE_MAX),
    )
    consent = BooleanField(
        _l("I agree that the social worker keeps these details to call me back."),
        validators=[DataRequired(_l("We need your agreement to keep your details and call you."))],
    )
    station = SelectField(
        _l("Where did you get our details?"),
        description=_l("If you do not know, a coordinator will pass on your request."),
    )
    # Only on the plain form: for a person who typed the bare address and has a card in hand.
    card_code = StringField(
        _l("The code on your card (optional)"),
        filters=[_strip],
        description=_l("After the slash in the address on the card, like K7M-2QX."),
    )
    sms_only = BooleanField(
        _l("Text messages only, please do not call"),
        description=_l("For example if you are deaf, or if you cannot speak safely."),
    )
    if_someone_else = StringField(
        _l("What should we say if someone else answers?"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(
                max=COVER_STORY_MAX,
                message=_l("Use at most %(max)d characters.", max=COVER_STORY_MAX),
            ),
        ],
        description=_l("For example: a call about a parcel delivery."),
    )
    no_call_after = DateField(
        _l("Do not call me after this date (optional)"),
        validators=[Optional()],
        format="%Y-%m-%d",
    )
    # Humans never see this field (hidden by the stylesheet); naive bots fill it in.
    website = StringField(_l("Leave this field empty"))

    def __init__(
        self,
        *args: Any,
        window_choices: list[tuple[str, str]],
        day_choices: list[tuple[str, str]],
        language_choices: list[tuple[str, str]],
        station_choices: list[tuple[str, str]] | None,
        country_choices: list[tuple[str, str]] | None = None,
        with_card_code: bool = False,
        short: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.windows.choices = window_choices
        self.days.choices = day_choices
        self.call_language.choices = language_choices
        self.phone_country.choices = country_choices or [(DEFAULT_COUNTRY, DEFAULT_COUNTRY)]
        if station_choices is None:
            del self.station
        else:
            self.station.choices = station_choices
        if not with_card_code:
            del self.card_code
        if short:
            for name in SHORT_FORM_LEAVES_OUT:
                delattr(self, name)
        self.phone_e164: str | None = None

    def validate_phone(self, field: StringField) -> None:
        region = known_country(self.phone_country.data if self.phone_country is not None else None)
        try:
            self.phone_e164 = phone_e164(field.data or "", region)
        except PhoneRefused as exc:
            if exc.number is None:
                example = phone_in_text(PHONE_EXAMPLE)
                raise ValidationError(
                    _l("Enter a phone number, like %(example)s.", example=example)
                ) from exc
            raise ValidationError(
                _l("This phone number does not look right. Check it, please.")
            ) from exc

    def validate_card_code(self, field: StringField) -> None:
        if field.data and read_short_code(field.data) is None:
            raise ValidationError(UNKNOWN_CODE)

    def validate_windows(self, field: MultiCheckboxField) -> None:
        if not field.data:
            raise ValidationError(_l("Choose at least one time when it is safe to call you."))
        if any(w not in PUBLIC_SLOTS for w in field.data):
            raise ValidationError(_l("Choose times from the list."))

    def validate_days(self, field: MultiCheckboxField) -> None:
        if not days_are_known(field.data):
            raise ValidationError(_l("Choose days from the list."))

    @property
    def safe_days(self) -> list[int] | None:
        """The chosen weekdays (Monday 0), or None when any day suits her (or was not asked)."""
        if self.days is None:
            return None
        return chosen_days(self.days.data)

    def validate_danger(self, field: RadioField) -> None:
        if field.data not in ("no", "yes"):
            raise ValidationError(_l("Tell us whether you are in danger right now."))

    def validate_no_call_after(self, field: DateField) -> None:
        refusal = last_day_refusal(field.data)
        if refusal is LastDayRefusal.PAST:
            raise ValidationError(_l("Choose today or a later date."))
        if refusal is LastDayRefusal.TOO_FAR:
            raise ValidationError(_l("Choose a date in the next three years."))


class CancelForm(FlaskForm):
    code = StringField(
        _l("Your cancel code"),
        filters=[_strip],
        validators=[
            # DataRequired, not InputRequired: a code of spaces is empty once stripped.
            DataRequired(_l("Enter the code you were given, like K7QX-3MTA.")),
            Length(max=20, message=_l("This code is too long.")),
        ],
        description=_l("It was shown once, after you sent your request."),
    )


class SafeTimesForm(FlaskForm):
    """Her safe times changed with her code: the same fields and rules as on the request form."""

    # The very same unbound fields, so that they keep their order and their messages; typed as
    # the bound fields the form makes of them.
    windows: MultiCheckboxField = CallbackForm.windows  # type: ignore[assignment]
    days: MultiCheckboxField = CallbackForm.days  # type: ignore[assignment]
    no_call_after: DateField = CallbackForm.no_call_after  # type: ignore[assignment]
    validate_windows = CallbackForm.validate_windows
    validate_days = CallbackForm.validate_days
    validate_no_call_after = CallbackForm.validate_no_call_after

    @property
    def safe_days(self) -> list[int] | None:
        """The chosen weekdays (Monday 0), or None when any day suits her."""
        return chosen_days(self.days.data)

    def __init__(
        self,
        *args: Any,
        window_choices: list[tuple[str, str]],
        day_choices: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.windows.choices = window_choices
        self.days.choices = day_choices


def aria_attributes(field: Any, **extra: Any) -> dict[str, Any]:
    """Attributes tying an input to its hint and error, for screen readers."""
    ids = []
    if field.description:
        ids.append(f"{field.id}-hint")
    if field.errors:
        ids.append(f"{field.id}-error")
    attrs = {k: v for k, v in extra.items() if v is not None}
    # Said, not enforced by the browser: a blank required field is not announced "invalid"
    # before she has sent anything (the form is checked on the server).
    attrs.setdefault("required", False)
    if field.flags.required:
        attrs.setdefault("aria-required", "true")
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return attrs
