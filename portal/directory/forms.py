"""The coordinator's form for a directory entry; the rules themselves live in entries.py."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from portal.core.fields import MultiCheckboxField
from portal.directory import vocabulary as voc
from portal.directory.entries import EntryInvalid, clean_entry


def _choices(mapping: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return list(mapping.items())


def split_list(text: str | None) -> list[str]:
    """Values typed one per line or separated by commas."""
    return [part.strip() for part in re.split(r"[,\n;|]", text or "") if part.strip()]


class EntryForm(FlaskForm):
    name = StringField(_l("Name of the service"))
    category = SelectField(_l("Category"), choices=_choices(voc.CATEGORIES))
    description = TextAreaField(_l("What the service does, for whom"))
    publics = MultiCheckboxField(_l("For whom"), choices=_choices(voc.PUBLICS))
    modes_accueil = MultiCheckboxField(_l("How"), choices=_choices(voc.MODES_ACCUEIL))
    mobilisable_par = MultiCheckboxField(
        _l("Who can ask for it"), choices=_choices(voc.MOBILISABLE_PAR)
    )
    reception = SelectField(_l("Reception"), choices=_choices(voc.RECEPTION))
    fees = SelectField(_l("Cost"), choices=_choices(voc.FRAIS))
    communes = TextAreaField(
        _l("Communes served"),
        description=_l("One per line or separated by commas; leave empty for the whole zone."),
    )
    zone_eligibilite = StringField(
        _l("Zone (INSEE codes)"), description=_l("For example 42 for the Loire, or france.")
    )
    address = StringField(_l("Street address"))
    postcode = StringField(_l("Postcode"))
    commune = StringField(_l("Commune of the address"))
    address_confidential = BooleanField(
        _l("Confidential address (a shelter): never shown, not even to professionals")
    )
    phone = StringField(_l("Phone for the public"))
    sms_only = BooleanField(_l("This number takes text messages only"))
    email = StringField(_l("E-mail for the public"))
    website = StringField(_l("Website"), description=_l("Starting with https://"))
    opening_hours = StringField(
        _l("Opening hours"),
        description=_l('OpenStreetMap format, e.g. "Mo-Fr 09:00-17:00; Sa 09:00-12:00" or "24/7".'),
    )
    open_24_7 = BooleanField(_l("Open day and night, every day"))
    accessibility = TextAreaField(_l("Accessibility"))
    languages = StringField(
        _l("Languages spoken (codes)"), description=_l("For example fr, en, ar, tr.")
    )
    interpreting = BooleanField(_l("Interpreting available"))
    pro_phone = StringField(_l("Phone for professionals only"))
    pro_email = StringField(_l("E-mail for professionals only"))
    referral_procedure = TextAreaField(_l("How professionals refer someone"))
    visibility = SelectField(_l("Who sees this entry"), choices=_choices(voc.VISIBILITY))
    thematiques = StringField(
        _l("data·inclusion themes (codes)"),
        description=_l("Leave empty to use the category's usual themes."),
    )

    def values(self) -> dict[str, Any]:
        """The form's data as entry values."""
        data = {name: field.data for name, field in self._fields.items() if name != "csrf_token"}
        for name in ("communes", "zone_eligibilite", "languages", "thematiques"):
            data[name] = split_list(data[name])
        return data

    def fill(self, entry: Any) -> None:
        """Show an entry's current values (lists as comma-separated text)."""
        for name, field in self._fields.items():
            if name == "csrf_token" or not hasattr(entry, name):
                continue
            value = getattr(entry, name)
            if name in ("communes", "zone_eligibilite", "languages", "thematiques"):
                value = ", ".join(value or [])
            field.data = value

    def validate(self, extra_validators: Any = None) -> bool:
        """The form's own checks, then every rule of the directory, each on its field."""
        if not super().validate(extra_validators):
            return False
        try:
            clean_entry(self.values())
        except EntryInvalid as exc:
            for problem in exc.problems:
                field = self._fields.get(problem.field)
                if field is not None:
                    field.errors = [*field.errors, problem.message()]
            return False
        return True


class CorrectionForm(FlaskForm):
    """What a professional may correct in an entry, with the entry's own labels, and a note."""

    description = EntryForm.description
    address = EntryForm.address
    postcode = EntryForm.postcode
    commune = EntryForm.commune
    phone = EntryForm.phone
    email = EntryForm.email
    website = EntryForm.website
    opening_hours = EntryForm.opening_hours
    pro_phone = EntryForm.pro_phone
    pro_email = EntryForm.pro_email
    referral_procedure = EntryForm.referral_procedure
    note = TextAreaField(
        _l("Anything else the coordinator should know"),
        validators=[Length(max=2000)],
        description=_l("Optional. No personal data about a person you support."),
    )

    def proposed(self) -> dict[str, str]:
        """The typed values of the entry's fields."""
        return {
            name: field.data or ""
            for name, field in self._fields.items()
            if name not in ("csrf_token", "note")
        }
