"""The Loire callback portal: a discreet request form for victims and a back office for staff."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from portal import cli
from portal.core.application import PortalApp, loaded_by_flask_command
from portal.core.resources import resource


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration and commands, then extensions, blueprints and
    headers (for the flask command, when first needed: see core.application)."""
    instance = os.environ.get("PORTAL_INSTANCE_PATH")
    app = PortalApp(
        __name__,
        instance_path=os.path.abspath(instance) if instance else None,
        instance_relative_config=True,
        template_folder=str(resource("templates")),
    )
    from portal.core.config import load_config

    load_config(app, test_config)
    app.logger.name = "portal"
    cli.init_app(app)
    if loaded_by_flask_command():
        app.attach_later(_attach_web)
    else:
        _attach_web(app)
    return app


def _attach_web(app: Flask) -> None:
    """Extensions, blueprints and headers: what a request needs, imported only then."""
    from portal.backoffice import bp as staff_bp
    from portal.core import (
        db,
        errors,
        health,
        i18n,
        limit_counters,
        phone_numbers,
        security,
        transactions,
    )
    from portal.core.extensions import csrf, limiter
    from portal.public.routes import bp as public_bp
    from portal.reporting import counters, metrics
    from portal.staff import oidc, sessions

    db.init_app(app)
    i18n.init_app(app)
    phone_numbers.init_app(app)
    csrf.init_app(app)
    limit_counters.configure(app)
    limiter.init_app(app)
    security.init_app(app)
    sessions.init_app(app)
    oidc.init_app(app)
    errors.init_app(app)
    counters.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(staff_bp)
    transactions.init_app(app)
