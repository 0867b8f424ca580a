"""Form pieces every area shares: fields, validators and the way a view adds an error."""

from __future__ import annotations

from wtforms import Field


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
