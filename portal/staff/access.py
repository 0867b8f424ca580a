"""Who may do what: the roles of each back-office area, the stations a person covers, the actions
open to her on one request, who hears of a station's requests, whose role may change, who sees
hidden directory entries and which referrals an officer may follow.

The blueprint gate, the menu, the casework transitions, the queries of other domains and the
templates all ask this module, so that a page never offers what the domain would refuse, and the
domain never allows what a page hides. No role is compared anywhere else.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_

from portal.casework.interpreting import needs_interpreter
from portal.models import CallbackRequest, RequestSource, RequestStatus, Role, StaffUser


class Area(enum.StrEnum):
    """A part of the back office; each view belongs to one."""

    START = "start"  # the first page, which sends each role where it works
    SESSION = "session"  # logging out
    ACCOUNT = "account"  # her own account: how she signs in
    QUEUE = "queue"
    TRIAGE = "triage"  # the "to check" lane a flood fills
    REFERRAL = "referral"
    ACCOUNTS = "accounts"
    STATIONS = "stations"  # stations and their card batches
    AUDIT = "audit"
    STATISTICS = "statistics"
    DIRECTORY = "directory"
    DIRECTORY_EDITING = "directory_editing"


EVERYONE = frozenset(Role)
# The people who call back: they work on requests, and can be handed one.
CASEWORKERS = frozenset({Role.ADMIN, Role.INTERVENANT})
# Roles bound to stations: an account of theirs needs at least one.
STATION_BOUND = frozenset({Role.INTERVENANT, Role.REFERRER})
# A station's own social workers: they see its requests, hear of new ones and cover it.
STATION_WORKERS = frozenset({Role.INTERVENANT})
# The coordinators: every station, unrouted requests, accounts, and the notices nobody else gets.
COORDINATORS = frozenset({Role.ADMIN})

AREA_ROLES: dict[Area, frozenset[Role]] = {
    Area.START: EVERYONE,
    Area.SESSION: EVERYONE,
    Area.ACCOUNT: EVERYONE,
    Area.QUEUE: CASEWORKERS,
    Area.TRIAGE: frozenset({Role.ADMIN}),
    Area.REFERRAL: frozenset({Role.REFERRER}),
    Area.ACCOUNTS: frozenset({Role.ADMIN}),
    Area.STATIONS: frozenset({Role.ADMIN}),
    Area.AUDIT: frozenset({Role.ADMIN}),
    Area.STATISTICS: frozenset({Role.ADMIN}),
    Area.DIRECTORY: frozenset({Role.ADMIN, Role.INTERVENANT, Role.PARTNER}),
    Area.DIRECTORY_EDITING: frozenset({Role.ADMIN}),
}


def may_enter(user: StaffUser, area: Area | None) -> bool:
    """True when the user's role opens this area; no area means nobody (closed by default)."""
    return area is not None and user.role in AREA_ROLES[area]


def is_coordinator(user: StaffUser) -> bool:
    """Coordinators see every station, unrouted requests included, and may overrule a holder."""
    return user.role in COORDINATORS


def role_among(roles: frozenset[Role]) -> ColumnElement[bool]:
    """The test `user.role in roles`, for a query over staff accounts."""
    return StaffUser.role.in_(sorted(role.value for role in roles))


def may_hold_requests(user: StaffUser) -> bool:
    """An active caseworker: she may be handed a request."""
    return user.active and role_holds_requests(user.role)


def role_holds_requests(role: str) -> bool:
    """Whether the role works on requests; an account leaving it gives back what it held."""
    return role in CASEWORKERS


def may_give_role(actor: StaffUser, user: StaffUser, role: str) -> bool:
    """Anyone's role but one's own coordinator role, which the portal would be left without."""
    return user.id != actor.id or role in COORDINATORS


def sees_hidden_directory_entries(user: StaffUser) -> bool:
    """Hidden entries are for those who edit the directory: in its lists, exports and pages."""
    return may_enter(user, Area.DIRECTORY_EDITING)


# An officer's referrals: her own, and nothing of the follow-up.


def own_referrals(officer: StaffUser) -> ColumnElement[bool]:
    """The requests an officer may follow: those she referred herself."""
    return and_(
        CallbackRequest.referrer_id == officer.id,
        CallbackRequest.source == RequestSource.REFERRAL.value,
    )


def may_follow_referral(officer: StaffUser, request: CallbackRequest) -> bool:
    return request.referrer_id == officer.id


# Station scope


def visible_station_ids(user: StaffUser) -> list[int] | None:
    """The stations whose requests a user may see; None means all, unrouted ones included."""
    if is_coordinator(user):
        return None
    if user.role in STATION_WORKERS:
        return [s.id for s in user.stations]
    return []


def sees_all_stations(user: StaffUser) -> bool:
    return visible_station_ids(user) is None


def can_work_on(user: StaffUser, request: CallbackRequest) -> bool:
    visible = visible_station_ids(user)
    return visible is None or (request.station_id is not None and request.station_id in visible)


# Actions on one request

NEW = RequestStatus.NEW.value
IN_PROGRESS = RequestStatus.IN_PROGRESS.value
CLOSED = RequestStatus.CLOSED.value

ACTIONS = (
    "take",
    "release",
    "hand_over",
    "attempt",
    "schedule",
    "close",
    "reopen",
    "clear_risk",
    "clear_conflict",
    "interpreter",
)

# Which statuses each action may start from.
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "take": frozenset({NEW, IN_PROGRESS}),
    "hand_over": frozenset({NEW, IN_PROGRESS}),
    "release": frozenset({IN_PROGRESS}),
    "attempt": frozenset({NEW, IN_PROGRESS}),
    "schedule": frozenset({NEW, IN_PROGRESS}),
    "close": frozenset({NEW, IN_PROGRESS}),
    "reopen": frozenset({CLOSED}),
    "clear_risk": frozenset({NEW, IN_PROGRESS}),
    "clear_conflict": frozenset({NEW, IN_PROGRESS}),
    "interpreter": frozenset({NEW, IN_PROGRESS}),
}

# Refusals that depend on who acts, not on the request's state: they come before the check of
# the version the person saw, since no fresher page would change them.
WHO_REFUSALS = frozenset({"admin_only", "not_yours"})


def refusal(request: CallbackRequest, actor: StaffUser, action: str) -> str | None:
    """Why this person may not do this to this request now (a casework error code), or None."""
    if action == "reopen" and not is_coordinator(actor):
        return "admin_only"
    if not can_work_on(actor, request):
        return "not_yours"
    if request.status not in ALLOWED_FROM[action]:
        return "wrong_transition"
    holder = request.assigned_to_id
    if action == "reopen" and request.purged_at is not None:
        return "purged"
    if action == "clear_risk" and request.risk_flagged_at is None:
        return "wrong_transition"  # no "someone else answered" flag to lift
    if action == "clear_conflict" and not request.name_conflict:
        return "wrong_transition"  # no "different details" warning to lift
    if action == "interpreter" and not (
        needs_interpreter(request.call_language) or request.interpreter_at
    ):
        return "wrong_transition"  # a call in French needs no interpreter
    if action == "take":
        # Taking is from the pool: even a coordinator asks the holder, or releases it first.
        if holder == actor.id:
            return "wrong_transition"
        if holder is not None:
            return "held_by_other"
    if action in ("release", "hand_over"):
        # A request a colleague holds is theirs to give away; a coordinator may always.
        if holder not in (None, actor.id) and not is_coordinator(actor):
            return "held_by_other"
        if action == "release" and holder is None:
            return "wrong_transition"  # nobody holds it: nothing to give back
    return None


def allowed_actions(request: CallbackRequest, actor: StaffUser) -> frozenset[str]:
    """The actions the request page offers this person, exactly those the domain accepts."""
    return frozenset(a for a in ACTIONS if refusal(request, actor, a) is None)


def has_role_among(user: StaffUser, roles: Iterable[str]) -> bool:
    """Whether her role is one of these (a setting's list of role names)."""
    return user.role in set(roles)
