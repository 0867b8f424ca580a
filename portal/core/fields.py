"""Form pieces every area shares: the checkbox list, the phone and e-mail checks, and the way a
view adds an error."""

from __future__ import annotations

import re

import phonenumbers
from wtforms import Field, SelectMultipleField
from wtforms.validators import Regexp
from wtforms.widgets import CheckboxInput, ListWidget

# An address with a plain local part and a domain of at least two labels.
EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes, which phones show better than a multi-select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PhoneRefused(ValueError):
    """Not a number France can call; `number` is None when the text is not a number at all."""

    def __init__(self, number: phonenumbers.PhoneNumber | None) -> None:
        super().__init__("phone")
        self.number = number


def phone_e164(raw: str, region: str = "FR") -> str:
    """A number of the region (France unless told: 06 12 34 56 78) or an international one
    (+…) in E.164, or PhoneRefused."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise PhoneRefused(None) from exc
    if not phonenumbers.is_valid_number(number):
        raise PhoneRefused(number)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_email(text: str) -> bool:
    """Whether the text looks like an e-mail address (its mailbox is not checked)."""
    return EMAIL_RE.match(text) is not None


class EmailAddress(Regexp):
    """The WTForms validator of an e-mail field, with the rule of `is_email`."""

    def __init__(self, message: str) -> None:
        super().__init__(EMAIL_RE, message=message)


def add_error(field: Field, message: str) -> None:
    """Show one more message under a field, found after its own validators ran.

    WTForms keeps a validated field's errors in a list, which the form's error summary shares,
    so the message goes into that same list.
    """
    errors = field.errors
    if isinstance(errors, list):
        errors.append(message)
    else:
        field.errors = [*errors, message]
