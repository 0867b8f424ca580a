"""The tables, one module per domain, re-exported here so that `from portal.models import X` reads
the same everywhere."""

from __future__ import annotations

from portal.models.common import Base, utcnow
from portal.models.directory import DirectoryCorrection, DirectoryEntry
from portal.models.notices import Notice, NoticeKind
from portal.models.operations import ReadinessCanary
from portal.models.requests import (
    OPEN_STATUSES,
    AttemptOutcome,
    CallAttempt,
    CallbackRequest,
    KnownToServices,
    Lane,
    Outcome,
    RequestCode,
    RequestSource,
    RequestStatus,
    SpamDecision,
)
from portal.models.sign_in import (
    RoleSignInRule,
    StaffDevice,
    StaffIdentity,
    StaffPasskey,
    StaffRecoveryCode,
)
from portal.models.staff import (
    AuditEvent,
    AuditHead,
    LoginThrottle,
    Role,
    StaffDraft,
    StaffSession,
    StaffUser,
    staff_station,
)
from portal.models.stations import CardBatch, Station, StationKind

__all__ = [
    "ReadinessCanary",
    "Base",
    "utcnow",
    "StationKind",
    "Station",
    "CardBatch",
    "Lane",
    "RequestStatus",
    "OPEN_STATUSES",
    "Outcome",
    "AttemptOutcome",
    "KnownToServices",
    "RequestSource",
    "CallbackRequest",
    "CallAttempt",
    "SpamDecision",
    "StaffDraft",
    "Role",
    "staff_station",
    "StaffUser",
    "StaffSession",
    "LoginThrottle",
    "AuditHead",
    "AuditEvent",
    "StaffIdentity",
    "StaffPasskey",
    "StaffDevice",
    "StaffRecoveryCode",
    "RoleSignInRule",
    "DirectoryEntry",
    "DirectoryCorrection",
    "RequestCode",
    "Notice",
    "NoticeKind",
]
