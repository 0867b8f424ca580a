"""The yardstick the budgets speak of: a trivial Flask form page, and the smallest submission that
keeps its promise (Flask-WTF with its CSRF token in the session, one INSERT committed before the
redirect), on the same database as the portal in the same run.

    gunicorn 'bench.reference_app:create_app()'   (BENCH_REFERENCE_DATABASE_URL names the database)
"""

from __future__ import annotations

import os

from flask import Flask, redirect, render_template
from flask.typing import ResponseReturnValue
from flask_wtf import CSRFProtect, FlaskForm
from jinja2 import DictLoader
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, create_engine, event
from wtforms import StringField
from wtforms.validators import DataRequired, Length

PAGE = """<!doctype html>
<html lang="en"><meta charset="utf-8"><title>Ask for a call</title>
<form method="post">{{ form.csrf_token }}
<p>{{ form.name.label }} {{ form.name() }}</p>
<p>{{ form.phone.label }} {{ form.phone() }}</p>
<button>Send</button></form></html>
"""

metadata = MetaData()
requests = Table(
    "bench_reference",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(60)),
    Column("phone", String(32)),
)


class RequestForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=60)])
    phone = StringField("Phone", validators=[DataRequired(), Length(max=32)])


def database(url: str) -> Engine:
    """The engine, with SQLite made as durable as the portal's (WAL, a full sync per commit)."""
    engine = create_engine(url)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: object, _record: object) -> None:
            cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

    return engine


def create_app() -> Flask:
    app = Flask("reference")
    app.secret_key = "bench-reference"  # noqa: S105  (a throwaway app on loopback)
    app.jinja_loader = DictLoader({"page.html": PAGE})
    CSRFProtect(app)
    engine = database(os.environ["BENCH_REFERENCE_DATABASE_URL"])

    @app.route("/", methods=["GET", "POST"])
    def page() -> ResponseReturnValue:
        form = RequestForm()
        if form.validate_on_submit():
            with engine.begin() as connection:
                connection.execute(
                    requests.insert().values(name=form.name.data, phone=form.phone.data)
                )
            return redirect("/", 303)
        return render_template("page.html", form=form)

    return app
