"""The personal fields, declared once: encryption writes them, the case file decrypts them, the
purge and a cancellation erase them, and key rotation rewrites them, all from this declaration.

A new personal field is a column here and in its table, and nowhere else in these mechanisms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_

from portal.core import crypto
from portal.core.db import Base
from portal.models.requests import CallAttempt, CallbackRequest
from portal.models.staff import StaffUser


@dataclass(frozen=True)
class PersonalField:
    """One stored column of personal data, and the name its value has in clear."""

    column: str
    name: str
    # Keyed hashes that find her number or her code are not encrypted, but go with the rest.
    encrypted: bool = True


PERSONAL_FIELDS: dict[type[Base], tuple[PersonalField, ...]] = {
    CallbackRequest: (
        PersonalField("phone_enc", "phone"),
        PersonalField("name_enc", "name"),
        PersonalField("message_enc", "message"),
        PersonalField("cover_story_enc", "cover_story"),
        PersonalField("close_note_enc", "close_note"),
        PersonalField("phone_index", "phone_index", encrypted=False),
        PersonalField("cancel_hash", "cancel_hash", encrypted=False),
    ),
    CallAttempt: (PersonalField("note_enc", "note"),),
}
# Not personal data, but encrypted under the same keys: key rotation rewrites them too.
ENCRYPTED_SECRETS: dict[type[Base], tuple[str, ...]] = {StaffUser: ("totp_secret_enc",)}


def encrypted_columns() -> tuple[tuple[type[Base], tuple[str, ...]], ...]:
    """Every column that holds a token of the data keys, table by table."""
    personal = tuple(
        (model, tuple(f.column for f in fields if f.encrypted))
        for model, fields in PERSONAL_FIELDS.items()
    )
    return personal + tuple(ENCRYPTED_SECRETS.items())


def _encrypted(model: type[Base]) -> dict[str, PersonalField]:
    return {f.name: f for f in PERSONAL_FIELDS[model] if f.encrypted}


def sealed(model: type[Base], **clear: str | None) -> dict[str, str | None]:
    """Values in clear as the columns that store them, encrypted; a field not declared is refused
    (KeyError) rather than stored in clear."""
    fields = _encrypted(model)
    return {fields[name].column: crypto.encrypt(value) for name, value in clear.items()}


def seal_into(row: Base, **clear: str | None) -> None:
    """Encrypt values into a row's declared personal columns."""
    for column, token in sealed(type(row), **clear).items():
        setattr(row, column, token)


def opened(row: Base) -> dict[str, str | None]:
    """A row's encrypted personal fields in clear, by name: None where erased."""
    return {
        name: crypto.decrypt(getattr(row, f.column)) for name, f in _encrypted(type(row)).items()
    }


def erase(row: Base) -> None:
    """Blank every personal field of a row, encrypted or hashed."""
    for f in PERSONAL_FIELDS[type(row)]:
        setattr(row, f.column, None)


def erased_values(model: type[Base]) -> dict[str, Any]:
    """The values of an UPDATE that erases every personal field of a table's rows."""
    return {f.column: None for f in PERSONAL_FIELDS[model]}


def holds_personal_data(model: type[Base]) -> ColumnElement[bool]:
    """True in SQL for a row that still holds any personal field."""
    return or_(*(getattr(model, f.column).is_not(None) for f in PERSONAL_FIELDS[model]))
