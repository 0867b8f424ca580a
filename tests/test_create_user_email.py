"""`create-user … --email`: the address is kept as the account's e-mail, trimmed and lower-case
(staff sign-in matches identities on it), and the invitation goes there when SMTP is set up."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from helpers.mail import body_of, mail_server
from sqlalchemy import select

from portal.core import db
from portal.models import AuditEvent, StaffUser


def account(app: Flask, username: str) -> StaffUser:
    with app.app_context():
        return db.session().scalars(select(StaffUser).where(StaffUser.username == username)).one()


def test_the_invitation_goes_to_the_address_given(make_app: Callable[..., Flask]) -> None:
    with mail_server() as (inbox, port):
        app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="rappel@loire.example")
        args = ["create-user", "m.dumont", "--role", "admin", "--name", "Marie Dumont"]
        result = app.test_cli_runner().invoke(args=[*args, "--email", " Marie.Dumont@Loire.FR "])
        assert result.exit_code == 0, result.output
        [envelope] = inbox.wait(1)
    link = result.output.strip().splitlines()[1]
    assert envelope.rcpt_tos == ["marie.dumont@loire.fr"]
    _message, body = body_of(envelope)
    assert link in body
    assert account(app, "m.dumont").email == "marie.dumont@loire.fr"
    with app.app_context():
        actions = list(db.session().scalars(select(AuditEvent.action)))
    assert "user.invite_sent" in actions


def test_without_smtp_the_address_is_kept_and_the_link_printed(app: Flask) -> None:
    args = ["create-user", "coordination", "--role", "admin", "--email", "Coord@Loire.fr"]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "/staff/invitation/" in result.output and "Sending" not in result.output
    assert account(app, "coordination").email == "coord@loire.fr"


def test_a_wrong_address_is_refused_before_anything_is_made(app: Flask) -> None:
    args = ["create-user", "coordination", "--role", "admin", "--email", "not an address"]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 2 and "--email" in result.output
    with app.app_context():
        assert db.session().scalars(select(StaffUser)).all() == []
