"""The back-office menu, by area: a template shows it, `access` decides it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request, url_for
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.backoffice.blueprint import bp
from portal.backoffice.forms import ROLE_LABELS
from portal.staff import access
from portal.staff.access import Area

# Each entry shows to the roles of its area (`access.AREA_ROLES`), the same that open the view.
MENU: tuple[tuple[str, LazyString, Area], ...] = (
    ("staff.home", _l("Queue"), Area.QUEUE),
    ("staff.my_calls_today", _l("My calls today"), Area.QUEUE),
    ("staff.triage_list", _l("To check"), Area.TRIAGE),
    ("staff.referral", _l("Refer a person"), Area.REFERRAL),
    ("staff.my_referrals", _l("My referrals"), Area.REFERRAL),
    ("staff.users", _l("Accounts"), Area.ACCOUNTS),
    ("staff.station_list", _l("Stations and cards"), Area.STATIONS),
    ("staff.audit_log", _l("Audit log"), Area.AUDIT),
    ("staff.stats", _l("Statistics"), Area.STATISTICS),
    ("staff.directory", _l("Directory"), Area.DIRECTORY),
    ("staff.directory_recheck", _l("Directory: to re-check"), Area.DIRECTORY_EDITING),
)


@dataclass(frozen=True)
class MenuItem:
    url: str
    label: str
    current: bool


@bp.app_template_global()
def staff_menu() -> list[MenuItem]:
    return [
        MenuItem(url_for(endpoint), str(label), request.endpoint == endpoint)
        for endpoint, label, where in MENU
        if access.may_enter(g.staff, where)
    ]


@bp.app_template_global()
def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


@bp.app_template_global()
def may_open(endpoint: str) -> bool:
    """Whether the current person may open a menu page, for links to it from other pages."""
    return any(access.may_enter(g.staff, where) for name, _label, where in MENU if name == endpoint)
