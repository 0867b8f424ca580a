"""The types of the fixtures in conftest.py, for the tests that ask for them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal.models import CallbackRequest, Station

if TYPE_CHECKING:  # helpers.staff asks for these types too
    from helpers.staff import StaffAccount

# Sends the request form as a person would: `submit(path="/fr/", follow=False, **fields)`.
Submit = Callable[..., TestResponse]
# Every stored request, oldest first, with its station loaded.
StoredRequests = Callable[[], list[CallbackRequest]]
# Builds an app with configuration overrides: `make_app(UNKNOWN_RATE="2 per minute")`.
MakeApp = Callable[..., Flask]
# Makes an enrolled staff account: `make_staff("intervenant", ["roanne"], username=...)`.
MakeStaff = Callable[..., "StaffAccount"]
LoginAs = Callable[[FlaskClient, "StaffAccount"], TestResponse]
FindStation = Callable[[str], Station]
# Logs the test's browser in as a new account, made as by MakeStaff.
SignIn = Callable[..., "StaffAccount"]
# The queue's tests: a request stored as if sent at a moment, and someone logged in at a moment.
SendAt = Callable[..., int]
LookAt = Callable[..., FlaskClient]
