"""Health check for load balancers and monitoring."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from portal.core import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 while the database answers, 503 otherwise, for load balancers; nothing personal."""
    if db.database_answers():
        return jsonify(status="ok"), 200
    return jsonify(status="unavailable"), 503
