"""The free national numbers shown to people, in one place."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class HelpNumber:
    number: str
    href: str
    label: LazyString
    notes: LazyString
    emergency: bool = False


NATIONAL_NUMBERS: tuple[HelpNumber, ...] = (
    HelpNumber("17", "tel:17", _l("Police or gendarmerie"), _l("If you are in danger now."), True),
    HelpNumber("112", "tel:112", _l("European emergency number"), _l("Free from any phone."), True),
    HelpNumber(
        "114",
        "sms:114",
        _l("Emergency by text message"),
        _l("Send a text if you cannot speak safely, or if you are deaf or hard of hearing."),
        True,
    ),
    HelpNumber(
        "3919",
        "tel:3919",
        _l("Violences Femmes Info"),
        _l("Listening and advice, free and anonymous, day and night. Not an emergency number."),
    ),
    HelpNumber(
        "116 006",
        "tel:116006",
        _l("France Victimes"),
        _l("Help for all victims, free, every day."),
    ),
    HelpNumber("119", "tel:119", _l("Children in danger"), _l("Free, day and night.")),
    HelpNumber("115", "tel:115", _l("Emergency housing"), _l("Free, day and night.")),
)


def emergency_numbers() -> tuple[HelpNumber, ...]:
    return tuple(n for n in NATIONAL_NUMBERS if n.emergency)
