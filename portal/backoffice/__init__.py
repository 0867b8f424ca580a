"""The back office under /staff/: the blueprint and its gate, then every view registered on it."""

from __future__ import annotations

from portal.backoffice import (  # noqa: F401
    account_views,
    accounts_views,
    audit_views,
    directory_corrections_views,
    directory_views,
    login_views,
    menu,
    oidc_views,
    passkey_views,
    queue_views,
    referral_views,
    sign_in_rules_views,
    stations_views,
    stats_views,
    triage_views,
)
from portal.backoffice.blueprint import area, bp

__all__ = ["area", "bp"]
