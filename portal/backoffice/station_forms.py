"""Back-office forms for stations and card batches."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length

from portal.models import StationKind

KIND_LABELS = {
    StationKind.COMMISSARIAT.value: _l("Police station (commissariat)"),
    StationKind.BRIGADE.value: _l("Gendarmerie brigade"),
    StationKind.OTHER.value: _l("Other place"),
}


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class StationForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[_strip],
        validators=[InputRequired(_l("Enter the station's name.")), Length(max=120)],
    )
    kind = SelectField(_l("Kind"), choices=list(KIND_LABELS.items()))
    commune = StringField(
        _l("Commune"),
        filters=[_strip],
        validators=[InputRequired(_l("Enter the commune.")), Length(max=80)],
    )
    callback_number = StringField(
        _l("Number the call will come from"),
        filters=[_strip],
        validators=[InputRequired(_l("Enter the number the social worker calls from."))],
        description=_l("Printed on the cards, so that the person recognises the call."),
    )
    calling_hours = StringField(
        _l("Usual calling hours"),
        filters=[_strip],
        validators=[Length(max=120)],
        description=_l("Printed on the cards as written, for example: lun.–ven. 9 h–17 h."),
    )


class NewStationForm(StationForm):
    code = StringField(
        _l("Code"),
        filters=[_strip],
        validators=[InputRequired(_l("Enter a code.")), Length(max=32)],
        description=_l("2 to 32 lower-case letters, digits or dashes, e.g. st-etienne."),
    )


class BatchForm(FlaskForm):
    label = StringField(
        _l("Label of the new batch"),
        filters=[_strip],
        validators=[InputRequired(_l("Enter a label.")), Length(max=120)],
        description=_l("For example the print run and its date."),
    )
