"""Encryption at rest: the raw rows of the database, read with plain SQL, hold no phone number,
name or message in clear; the keyed index still finds the same number however it was written."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Flask
from helpers.fixture_types import MakeApp, Submit
from sqlalchemy import text

from portal.core import crypto, db

PHONE_DIGITS = ("0698765432", "33698765432", "698765432")
NAME = "Samira-Héloïse"
MESSAGE = "Mon voisin Bernard ne doit pas savoir"
COVER = "Livraison de colis Chronopost"


def raw_rows(app: Flask) -> list[dict[str, Any]]:
    with app.app_context(), db.engine().connect() as conn:
        return [dict(row._mapping) for row in conn.execute(text("SELECT * FROM callback_request"))]


def four_digit_runs(digits: str) -> set[str]:
    return {digits[i : i + 4] for i in range(len(digits) - 3)}


def row_text(row: dict[str, Any]) -> str:
    """Every value of a row as text; dates and times left out (their digits are not the phone's)."""
    parts = []
    for value in row.values():
        if value is None or isinstance(value, dt.date | dt.datetime | bool | int):
            continue
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d[ T\d:.]*", value):
            continue
        parts.append(str(value))
    return " ".join(parts)


def test_raw_row_holds_no_personal_data_in_clear(app: Flask, submit: Submit) -> None:
    response = submit(phone="06 98 76 54 32", name=NAME, message=MESSAGE, if_someone_else=COVER)
    assert response.status_code == 303
    [row] = raw_rows(app)
    assert row["phone_enc"] and row["name_enc"] and row["message_enc"]
    assert row["cover_story_enc"]
    content = row_text(row)
    runs = set().union(*(four_digit_runs(d) for d in PHONE_DIGITS))
    found = [run for run in runs if run in content]
    assert found == [], f"digits of the phone in the raw row: {found}"
    lowered = content.casefold()
    for secret in (NAME, "Samira", "Héloïse", MESSAGE, "Bernard", COVER, "Chronopost"):
        assert secret.casefold() not in lowered


def test_encrypted_fields_open_with_the_key_only(app: Flask, submit: Submit) -> None:
    submit(phone="06 98 76 54 32", name=NAME, message=MESSAGE)
    [row] = raw_rows(app)
    with app.app_context():
        assert crypto.decrypt(row["phone_enc"]) == "+33698765432"
        assert crypto.decrypt(row["name_enc"]) == NAME
        assert crypto.decrypt(row["message_enc"]) == MESSAGE


def test_same_text_encrypts_differently_each_time(app: Flask, submit: Submit) -> None:
    submit(phone="06 98 76 54 32", name=NAME)
    submit(phone="06 98 76 54 32", name=NAME)
    first, second = raw_rows(app)
    assert first["phone_enc"] != second["phone_enc"]
    assert first["name_enc"] != second["name_enc"]


def test_blind_index_matches_the_same_number_written_differently(
    app: Flask, submit: Submit
) -> None:
    for phone in ("06 98 76 54 32", "+33 6 98 76 54 32", "0033698765432"):
        assert submit(phone=phone).status_code == 303
    submit(phone="07 58 12 34 56")
    rows = raw_rows(app)
    indexes = [row["phone_index"] for row in rows]
    assert indexes[0] == indexes[1] == indexes[2]
    assert indexes[3] != indexes[0]
    assert all(re.fullmatch(r"[0-9a-f]{64}", index) for index in indexes)
    with app.app_context():
        assert indexes[0] == crypto.blind_index("+33698765432")


def test_blind_index_depends_on_the_key(make_app: MakeApp, app: Flask) -> None:
    other = make_app(BLIND_INDEX_KEY="another key entirely")
    with app.app_context():
        mine = crypto.blind_index("+33698765432")
    with other.app_context():
        theirs = crypto.blind_index("+33698765432")
    assert mine != theirs


def test_empty_optional_fields_store_nothing(app: Flask, submit: Submit) -> None:
    submit(name="", message="")
    [row] = raw_rows(app)
    assert row["name_enc"] is None
    assert row["message_enc"] is None
    assert row["cover_story_enc"] is None
