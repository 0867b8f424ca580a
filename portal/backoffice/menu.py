"""The back-office menu, by role: a template shows it, this decides it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request, url_for
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from ..models import Role
from . import bp
from .forms import ROLE_LABELS

MENU: tuple[tuple[str, LazyString, frozenset[str]], ...] = (
    ("staff.home", _l("Queue"), frozenset({Role.ADMIN, Role.INTERVENANT})),
    ("staff.triage_list", _l("To check"), frozenset({Role.ADMIN})),
    ("staff.referral", _l("Refer a person"), frozenset({Role.REFERRER})),
    ("staff.users", _l("Accounts"), frozenset({Role.ADMIN})),
    ("staff.audit_log", _l("Audit log"), frozenset({Role.ADMIN})),
    ("staff.stats", _l("Statistics"), frozenset({Role.ADMIN})),
    ("staff.directory", _l("Directory"), frozenset({Role.ADMIN, Role.INTERVENANT, Role.PARTNER})),
    ("staff.directory_recheck", _l("Directory: to re-check"), frozenset({Role.ADMIN})),
)


@dataclass(frozen=True)
class MenuItem:
    url: str
    label: str
    current: bool


@bp.app_template_global()
def staff_menu() -> list[MenuItem]:
    role = g.staff.role
    return [
        MenuItem(url_for(endpoint), str(label), request.endpoint == endpoint)
        for endpoint, label, allowed in MENU
        if role in allowed
    ]


@bp.app_template_global()
def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))
