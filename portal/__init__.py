"""The Loire callback portal: a discreet request form for victims and a back office for staff."""

from __future__ import annotations

from typing import Any

from flask import Flask

from . import cli, db, errors, i18n, security, transactions
from .extensions import csrf, limiter
from .resources import resource


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, commands and headers."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(resource("templates")),
    )
    from .config import load_config

    load_config(app, test_config)
    app.logger.name = "portal"
    db.init_app(app)
    i18n.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    cli.init_app(app)

    from . import health
    from .backoffice import bp as staff_bp
    from .public.routes import bp as public_bp

    app.register_blueprint(health.bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(staff_bp)
    transactions.init_app(app)
    return app
