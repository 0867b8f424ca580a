"""What the RGAA audit found on the form and the directory, fixed: required fields said and not
announced invalid on a blank form, the error summary after the page's heading, French directory
entries marked French in other languages, and cancelling shown as what it is."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from helpers.web import csrf_token

from portal.core import db
from portal.directory.demo import create_demo_directory


def test_a_blank_form_announces_nothing_invalid_and_says_what_is_required(
    client: FlaskClient,
) -> None:
    body = client.get("/en/").get_data(as_text=True)
    assert "aria-invalid" not in body
    assert not re.search(r"<(input|select|textarea)[^>]* required[ >]", body)
    assert "Every question must be answered, except those marked “optional”." in body
    for field in ("phone", "consent"):
        tag = re.search(rf'<input[^>]*\bid="{field}"[^>]*>', body)
        assert tag and 'aria-required="true"' in tag.group(0), field
    assert 'role="radiogroup" aria-required="true"' in body


def test_the_error_summary_comes_after_the_heading(client: FlaskClient) -> None:
    sent = client.post("/en/", data={"csrf_token": csrf_token(client, "/en/")})
    body = sent.get_data(as_text=True)
    assert sent.status_code == 400
    assert body.find("<h1") < body.find('class="error-summary"')
    assert "<title>Error: Ask for a call" in body


def test_directory_entries_are_marked_french_in_other_languages(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        create_demo_directory()
        db.session().commit()
    english = client.get("/en/directory").get_data(as_text=True)
    french = client.get("/fr/directory").get_data(as_text=True)
    assert '<article class="entry">' in english
    assert '<h3 dir="auto" lang="fr">' in english
    assert '<h3 dir="auto">' in french and '<h3 dir="auto" lang="fr">' not in french
