"""The first coordinator is created from the command line with the address her notices go to."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from portal.core import db
from portal.models import StaffUser


def test_create_user_keeps_the_address_given_with_email(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["create-user", "coordinatrice", "--role", "admin", "--name", "Claire Martin"]
        + ["--email", " claire.martin@departement.example.fr "]
    )

    assert result.exit_code == 0, result.output
    assert "/staff/invitation/" in result.output
    with app.app_context():
        user = db.session().scalars(select(StaffUser)).one()
        assert (user.username, user.email) == (
            "coordinatrice",
            "claire.martin@departement.example.fr",
        )
